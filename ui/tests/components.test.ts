import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import ConfirmButton from "../src/lib/components/ConfirmButton.svelte";
import ErrorMessage from "../src/lib/components/ErrorMessage.svelte";
import Highlight from "../src/lib/components/Highlight.svelte";
import OAuthButtons from "../src/lib/components/OAuthButtons.svelte";
import ProgressBar from "../src/lib/components/ProgressBar.svelte";
import RecoveryCodes from "../src/lib/components/RecoveryCodes.svelte";
import RoleSelect from "../src/lib/components/RoleSelect.svelte";
import SearchBox from "../src/lib/components/SearchBox.svelte";
import SearchResult from "../src/lib/components/SearchResult.svelte";
import { uniqueBy } from "../src/lib/util/unique";
import EmptyState from "../src/lib/components/EmptyState.svelte";

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

describe("Highlight", () => {
  it("marks the given ranges and keeps message text as text", () => {
    const { container } = render(Highlight, { text: "<b>pizza</b> tonight?", ranges: [{ start: 3, end: 8 }] });
    expect([...container.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["pizza"]);
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toBe("<b>pizza</b> tonight?");
  });
  it("ignores overlapping and out-of-range ranges", () => {
    const { container } = render(Highlight, {
      text: "hello world",
      ranges: [
        { start: 0, end: 5 },
        { start: 2, end: 4 },
        { start: 50, end: 60 },
      ],
    });
    expect(container.querySelectorAll("mark").length).toBe(1);
  });
});

describe("SearchBox", () => {
  it("has a labelled input, a mode choice and searches on submit", async () => {
    const onsearch = vi.fn();
    render(SearchBox, { onsearch });
    const input = screen.getByLabelText("Search messages");
    await fireEvent.input(input, { target: { value: "weekend plans" } });
    await fireEvent.click(screen.getByLabelText(/Keyword/));
    expect((screen.getByLabelText(/Keyword/) as HTMLInputElement).checked).toBe(true);
    await fireEvent.submit(input.closest("form")!);
    expect(onsearch).toHaveBeenCalledOnce();
  });
  it("does not search an empty query", async () => {
    const onsearch = vi.fn();
    render(SearchBox, { onsearch });
    await fireEvent.submit(screen.getByRole("search"));
    expect(onsearch).not.toHaveBeenCalled();
  });
});

describe("OAuthButtons", () => {
  it("shows one button per configured provider, linking to where its log-in starts", () => {
    render(OAuthButtons, { providers: [{ id: "github", name: "GitHub", startUrl: "/api/auth/oauth/github" }] });
    const links = screen.getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Continue with GitHub"]);
    expect(links[0].getAttribute("href")).toBe("/api/auth/oauth/github");
    // A full-page navigation: the gateway, not the client-side router, handles the OAuth start.
    expect(links[0].hasAttribute("data-sveltekit-reload")).toBe(true);
  });
  it("shows nothing when none is configured", () => {
    const { container } = render(OAuthButtons, { providers: [] });
    expect(container.querySelector("a")).toBeNull();
    expect(container.textContent?.trim()).toBe("");
  });
});

describe("RoleSelect", () => {
  it("offers roles up to the caller's own", () => {
    render(RoleSelect, { id: "r", label: "Role", value: "viewer", max: "admin" });
    const options = [...(screen.getByLabelText("Role") as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(["viewer", "analyst", "admin"]);
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

describe("RecoveryCodes and EmptyState", () => {
  it("lists every recovery code with a download", () => {
    render(RecoveryCodes, { codes: ["aaaa-bbbb", "cccc-dddd"] });
    expect(screen.getAllByRole("listitem").map((l) => l.textContent)).toEqual(["aaaa-bbbb", "cccc-dddd"]);
    expect(screen.getByRole("link", { name: "Download" }).getAttribute("download")).toBe("chatlens-recovery-codes.txt");
  });
  it("titles an empty state", () => {
    render(EmptyState, { title: "No datasets yet" });
    expect(screen.getByRole("heading", { name: "No datasets yet" })).toBeTruthy();
  });
});

describe("SearchResult", () => {
  const message = (id: number, text: string) => ({
    id,
    datasetId: "d",
    conversationId: "c1",
    conversationName: "Support",
    platform: "generic",
    participantId: null,
    author: "Ada",
    ts: "2024-03-01T10:00:00Z",
    kind: "text",
    text,
  });
  const hit = {
    datasetId: "d",
    chunkId: "k1",
    message: message(7, "edit /etc/rc.local and reboot"),
    context: { before: [message(6, "how do I run a script at boot?")], after: [] },
    highlights: [{ start: 5, end: 18 }],
    scores: { semantic: 0.61, keyword: 0.9, fused: 0.03 },
  };
  it("says why the hit matched and offers more from its conversation", async () => {
    const onmore = vi.fn();
    render(SearchResult, { hit, onmore });
    expect(screen.getByTestId("why").textContent).toMatch(/“\/etc\/rc\.local”.*close in meaning/);
    await fireEvent.click(screen.getByRole("button", { name: "More from this conversation" }));
    expect(onmore).toHaveBeenCalledWith(hit);
  });
  it("links the hit to its place in the conversation viewer", () => {
    render(SearchResult, { hit });
    expect(screen.getByRole("link", { name: "Read in the conversation" }).getAttribute("href")).toBe(
      "/conversations?dataset=d&message=7",
    );
  });
});

describe("uniqueBy (search results list)", () => {
  it("keeps the first of each key, so a message returned twice cannot break the keyed list", () => {
    const items = [{ id: 1 }, { id: 2 }, { id: 1 }];
    expect(uniqueBy(items, (i) => String(i.id))).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
