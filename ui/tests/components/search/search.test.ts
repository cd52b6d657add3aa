import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import Highlight from "../../../src/lib/components/search/Highlight.svelte";
import SearchBox from "../../../src/lib/components/search/SearchBox.svelte";
import SearchResult from "../../../src/lib/components/search/SearchResult.svelte";
import { uniqueBy } from "../../../src/lib/util/unique";

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
