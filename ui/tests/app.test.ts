import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Me, Permission, Role } from "../src/lib/api/models";
import AppNav from "../src/lib/components/AppNav.svelte";
import ImportStatus from "../src/lib/components/ImportStatus.svelte";
import TopicMap from "../src/lib/components/TopicMap.svelte";
import { session } from "../src/lib/stores/session.svelte";

// jsdom has no layout: bind:clientWidth needs a ResizeObserver to exist.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

// …and no canvas: the map draws nothing here, its interaction is what is tested.
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement["getContext"];

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

describe("ImportStatus", () => {
  it("reports a finished import with its counts and readable warnings", async () => {
    render(ImportStatus, {
      job: {
        id: "i1",
        datasetId: "d1",
        format: "whatsapp",
        filename: "chat.txt",
        status: "completed",
        bytesTotal: 100,
        bytesRead: 100,
        messagesRead: 12,
        messagesAdded: 10,
        createdBy: null,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        options: null,
        summary: {
          format: "whatsapp",
          messagesRead: 12,
          messagesAdded: 10,
          messagesByKind: { text: 12 },
          conversations: 1,
          conversationsAdded: 1,
          participants: 3,
          participantsAdded: 3,
          firstMessageAt: null,
          lastMessageAt: null,
          skipped: 1,
          warningCount: 1,
          warnings: [{ code: "UNPARSED_LINE", message: "Line could not be read", line: 7 }],
          bytesRead: 2048,
          durationMs: 40,
        },
      },
    });
    expect(screen.getByTestId("messages-added").textContent).toBe("10 messages added");
    await fireEvent.click(screen.getByRole("button", { name: /1 warning/ }));
    expect(screen.getByText(/Line could not be read/)).toBeTruthy();
  });

  it("shows a failed import's error in plain language", () => {
    render(ImportStatus, {
      job: {
        id: "i2",
        datasetId: "d1",
        format: null,
        filename: "photo.jpg",
        status: "failed",
        bytesTotal: 5,
        bytesRead: 5,
        messagesRead: 0,
        messagesAdded: 0,
        createdBy: null,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        options: null,
        summary: null,
        error: { code: "NOT_A_CHAT", message: "not a chat" },
      },
    });
    expect(screen.getByRole("alert").textContent).toMatch(/does not look like a chat export/);
  });
});

describe("TopicMap", () => {
  it("is a labelled, keyboard-operable map that shows a point's message", async () => {
    render(TopicMap, {
      map: {
        method: "umap",
        totalPoints: 3,
        sampled: false,
        ids: ["a", "b", "c"],
        x: [-0.5, 0, 0.5],
        y: [0, 0.5, -0.5],
        cluster: [0, 1, 1],
        preview: ["pizza tonight?", "the build is red", "deploy failed"],
      },
      labels: ["food", "ci"],
    });
    const map = screen.getByRole("application", { name: /Topic map of 3 message groups/ });
    await fireEvent.keyDown(map, { key: "n" });
    expect(screen.getByRole("tooltip").textContent).toMatch(/food.*pizza tonight\?/s);
    await fireEvent.keyDown(map, { key: "n" });
    expect(screen.getByRole("tooltip").textContent).toMatch(/ci.*the build is red/s);
    expect(screen.getByRole("button", { name: "Zoom in" })).toBeTruthy();
  });
});
