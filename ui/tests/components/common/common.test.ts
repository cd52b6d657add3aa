import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Me, Permission, Role } from "../../../src/lib/api/models";
import AppNav from "../../../src/lib/components/common/AppNav.svelte";
import ConfirmButton from "../../../src/lib/components/common/ConfirmButton.svelte";
import EmptyState from "../../../src/lib/components/common/EmptyState.svelte";
import ErrorMessage from "../../../src/lib/components/common/ErrorMessage.svelte";
import ProgressBar from "../../../src/lib/components/common/ProgressBar.svelte";
import { session } from "../../../src/lib/stores/session.svelte";

vi.mock("$app/state", () => ({ page: { url: new URL("http://localhost/datasets") } }));

const PERMS: Record<Role, Permission[]> = {
  viewer: ["datasets.read", "search.run", "clusters.read", "analytics.read", "models.read", "members.read"],
  analyst: [
    "datasets.read",
    "search.run",
    "clusters.read",
    "analytics.read",
    "models.read",
    "members.read",
    "datasets.write",
    "clusters.run",
    "embeddings.create",
  ],
  admin: [
    "datasets.read",
    "search.run",
    "clusters.read",
    "analytics.read",
    "models.read",
    "members.read",
    "datasets.write",
    "clusters.run",
    "embeddings.create",
    "datasets.delete",
    "members.manage",
    "audit.read",
    "apikeys.manage",
    "index.manage",
  ],
  owner: [],
};

function signIn(role: Role) {
  const me: Me = {
    user: {
      id: "u1",
      email: "a@example.com",
      emailVerified: true,
      displayName: "Ada",
      avatarUrl: null,
      locale: null,
      timeZone: null,
      mfaEnabled: false,
      hasPassword: true,
      createdAt: "2026-01-01T00:00:00Z",
    },
    orgs: [
      { id: "o1", name: "Acme", role, requireMfa: false },
      { id: "o2", name: "Side project", role: "owner", requireMfa: false },
    ],
    current: { orgId: "o1", role, permissions: PERMS[role], sessionId: "s1" },
  };
  session.me = me;
  session.status = "signedIn";
}

describe("AppNav", () => {
  it("offers a viewer no administration", () => {
    signIn("viewer");
    render(AppNav, {});
    const links = screen.getAllByRole("link").map((a) => a.textContent?.trim());
    expect(links).toContain("Datasets");
    expect(links).toContain("Search");
    expect(links).not.toContain("Audit log");
    expect(links).not.toContain("API keys");
    expect(links).not.toContain("Users & roles");
    expect(screen.queryByRole("heading", { name: "Administration" })).toBeNull();
  });

  it("offers an admin the administration pages, the API docs and the org switcher", () => {
    signIn("admin");
    render(AppNav, {});
    const links = screen.getAllByRole("link").map((a) => a.textContent?.trim());
    expect(links).toEqual(
      expect.arrayContaining(["Users & roles", "Audit log", "API keys", "Models", "Sign-in providers"]),
    );
    expect(screen.getByRole("link", { name: /API documentation/ }).getAttribute("href")).toBe("/api/docs");
    const switcher = screen.getByLabelText("Organisation") as HTMLSelectElement;
    expect([...switcher.options].map((o) => o.textContent)).toEqual(["Acme · admin", "Side project · owner"]);
    expect(screen.getByRole("link", { name: "Datasets" }).getAttribute("aria-current")).toBe("page");
  });
});

describe("ErrorMessage", () => {
  it("shows the API error in plain language as an alert", () => {
    render(ErrorMessage, {
      error: { error: { code: "EMAIL_TAKEN", message: "An account with this e-mail address already exists" } },
    });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toMatch(/already exists\. Try logging in/);
    expect(alert.dataset.code).toBe("EMAIL_TAKEN");
  });
  it("renders nothing without an error", () => {
    render(ErrorMessage, { error: null });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("ProgressBar", () => {
  it("exposes its value to assistive technology", () => {
    render(ProgressBar, { label: "Uploading", value: 25, max: 200 });
    const bar = screen.getByRole("progressbar", { name: "Uploading" });
    expect(bar.getAttribute("aria-valuenow")).toBe("13");
  });
  it("is indeterminate without a value", () => {
    render(ProgressBar, { label: "Waiting", value: null });
    expect(screen.getByRole("progressbar").hasAttribute("aria-valuenow")).toBe(false);
  });
});

describe("ConfirmButton", () => {
  it("asks before running the action", async () => {
    const onconfirm = vi.fn();
    render(ConfirmButton, {
      label: "Delete dataset",
      title: "Delete it?",
      message: "Gone for good.",
      confirmLabel: "Delete for good",
      onconfirm,
    });
    expect(onconfirm).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole("button", { name: "Delete dataset" }));
    await fireEvent.click(screen.getByRole("button", { name: "Delete for good", hidden: true }));
    expect(onconfirm).toHaveBeenCalledOnce();
  });
});

describe("EmptyState", () => {
  it("titles an empty state", () => {
    render(EmptyState, { title: "No datasets yet" });
    expect(screen.getByRole("heading", { name: "No datasets yet" })).toBeTruthy();
  });
});
