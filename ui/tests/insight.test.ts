import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { ClusterSummary } from "../src/lib/api/models";
import TopicList from "../src/lib/components/TopicList.svelte";
import TopicMap from "../src/lib/components/TopicMap.svelte";
import { colour } from "../src/lib/util/palette";
import { cut } from "../src/lib/util/text";

globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement["getContext"];

const MAP = {
  method: "umap" as const,
  totalPoints: 4,
  sampled: false,
  ids: ["a", "b", "c", "d"],
  x: [-0.5, 0, 0.5, 0.6],
  y: [0, 0.5, -0.5, -0.4],
  cluster: [0, 1, 1, 1],
  preview: ["Pizza tonight? 🍕", "the build is red", "deploy failed", "Déploiement raté"],
};

describe("topic map", () => {
  it("searches inside the map and says how many dots match, accents and case ignored", async () => {
    render(TopicMap, { map: MAP, labels: ["food", "ci"] });
    await fireEvent.input(screen.getByRole("searchbox", { name: "Search in the map" }), {
      target: { value: "deploie" },
    });
    expect(screen.getByRole("status").textContent).toMatch(/1 of 4 dots contain “deploie”/);
    await fireEvent.input(screen.getByRole("searchbox", { name: "Search in the map" }), {
      target: { value: "DEPLOY" },
    });
    expect(screen.getByRole("status").textContent).toMatch(/1 of 4/);
  });

  it("opens a dot in its conversation with Enter", async () => {
    const onopen = vi.fn();
    render(TopicMap, { map: MAP, labels: ["food", "ci"], onopen });
    const map = screen.getByRole("application", { name: /Topic map of 4 message groups/ });
    await fireEvent.keyDown(map, { key: "n" });
    await fireEvent.keyDown(map, { key: "n" });
    await fireEvent.keyDown(map, { key: "Enter" });
    expect(onopen).toHaveBeenCalledWith("b");
    expect(screen.getByRole("tooltip").textContent).toMatch(/Click to read it in its conversation/);
  });
});

describe("topic colours and text", () => {
  it("gives 60 topics 60 different colours", () => {
    expect(new Set(Array.from({ length: 60 }, (_, i) => colour(i))).size).toBe(60);
  });
  it("cuts labels between graphemes", () => {
    const out = cut(`${"a".repeat(9)}👨‍👩‍👧‍👦 family`, 12);
    expect(out === `${"a".repeat(9)}…` || out.startsWith(`${"a".repeat(9)}👨‍👩‍👧‍👦`)).toBe(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
  });
});

describe("topic list", () => {
  const topic = (id: number, label: string, size: number): ClusterSummary => ({
    id,
    size,
    label,
    terms: [{ term: label, score: 1 }],
    representatives: [
      {
        chunkId: `c${id}`,
        similarity: 0.9,
        messages: [{ id: 100 + id, author: "Ana", text: `about ${label}`, ts: "2016-01-01T10:00:00Z" }],
      },
    ],
    participants: [{ author: "Ana", count: size }],
    distinctParticipants: 1,
    centroid: [],
  });
  const clusters = [topic(0, "bread", 50), topic(1, "football", 30), topic(2, "cake", 5)];

  it("groups topics under their broader parents and links an example to its conversation", async () => {
    render(TopicList, {
      clusters,
      total: 85,
      datasetId: "d1",
      parents: [
        { id: 0, label: "bread, cake", size: 55, children: [0, 2] },
        { id: 1, label: "football", size: 30, children: [1] },
      ],
    });
    expect(screen.getByRole("heading", { name: /bread, cake/ })).toBeTruthy();
    const group = screen.getByRole("list", { name: "Topics under bread, cake" });
    expect(group.textContent).toMatch(/bread.*cake/s);
    expect(group.textContent).not.toMatch(/football/);
    await fireEvent.click(screen.getByRole("button", { name: /cake/ }));
    const link = screen.getByRole("link", { name: /Read in the conversation/ });
    expect(link.getAttribute("href")).toBe("/conversations?dataset=d1&message=102");
  });
});
