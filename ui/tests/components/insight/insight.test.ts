import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { ClusterRun, ClusterSummary, ListedRun, RunComparison as Comparison } from "../../../src/lib/api/models";
import RunComparison from "../../../src/lib/components/insight/RunComparison.svelte";
import TopicList from "../../../src/lib/components/insight/TopicList.svelte";
import TopicMap from "../../../src/lib/components/insight/TopicMap.svelte";
import { colour } from "../../../src/lib/util/palette";
import { cut } from "../../../src/lib/util/text";
import { fakeApi, json } from "../../fake-api";

// jsdom has no layout: bind:clientWidth needs a ResizeObserver to exist.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

// …and no canvas: the map draws nothing here, its interaction is what is tested.
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement["getContext"];

const api = fakeApi();

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

function clusterRun(
  id: string,
  createdAt: string,
  status: ClusterRun["status"] = "completed",
  k = 4,
): ClusterRun & ListedRun {
  return {
    id,
    datasetId: "d1",
    indexVersion: "1",
    modelId: "minilm",
    status,
    progress: 1,
    stage: null,
    params: { k, map: true, mapMethod: "umap", granularity: "auto", seed: 42 },
    error: null,
    createdBy: null,
    createdAt,
    finishedAt: createdAt,
    result: null,
    k,
  };
}

const CURRENT = clusterRun("r3", "2026-03-03T10:00:00Z");
const RUNS = [
  clusterRun("r4", "2026-04-01T10:00:00Z"),
  CURRENT,
  clusterRun("r2", "2026-02-02T10:00:00Z"),
  clusterRun("r1", "2026-01-15T10:00:00Z", "failed"),
  clusterRun("r0", "2026-01-01T10:00:00Z", "completed", 3),
];

const COMPARISON: Comparison = {
  before: { runId: "r2", indexVersion: "1", k: 4 },
  after: { runId: "r3", indexVersion: "2", k: 4 },
  method: "jaccard",
  matched: [
    {
      before: 0,
      after: 1,
      labelBefore: "pizza · pasta",
      labelAfter: "pizza · pasta",
      similarity: 0.8,
      sizeBefore: 10,
      sizeAfter: 20,
      shareBefore: 0.1,
      shareAfter: 0.2,
      change: "grown",
    },
    {
      before: 1,
      after: 0,
      labelBefore: "football",
      labelAfter: "football · league",
      similarity: 0.6,
      sizeBefore: 30,
      sizeAfter: 15,
      shareBefore: 0.3,
      shareAfter: 0.15,
      change: "shrunk",
    },
    {
      before: 2,
      after: 2,
      labelBefore: "deploy · build",
      labelAfter: "deploy · build",
      similarity: 0.9,
      sizeBefore: 30,
      sizeAfter: 30,
      shareBefore: 0.3,
      shareAfter: 0.3,
      change: "stable",
    },
  ],
  gained: [{ after: 3, label: "holiday · beach", size: 12 }],
  lost: [{ before: 3, label: "", size: 30 }],
};

describe("RunComparison", () => {
  it("offers only earlier finished runs, newest first", () => {
    render(RunComparison, { run: CURRENT, runs: RUNS });
    const select = screen.getByLabelText("Compare this run with") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["r2", "r0"]);
    expect(select.value).toBe("r2");
  });

  it("compares the chosen earlier run with this one and shows gained, lost, grown and shrunk topics", async () => {
    api.answer = () => json(200, COMPARISON);
    render(RunComparison, { run: CURRENT, runs: RUNS });
    await fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    const result = await screen.findByTestId("run-comparison");
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/datasets/d1/clusters/runs/r2/compare/r3",
    ]);
    expect(within(result).getByRole("status").textContent).toMatch(
      /1 new topic, 1 gone, 1 grew, 1 shrank,\s+1 about the same/,
    );

    const group = (name: string) => within(result).getByRole("region", { name: new RegExp(name) });
    expect(group("New topics").textContent).toMatch(/holiday · beach\s*12 message groups/);
    // A lost topic without a label gets its number, as in the topic list.
    expect(group("Gone").textContent).toMatch(/Topic 4\s*had 30 message groups/);
    expect(group("Grew").textContent).toMatch(/pizza · pasta\s*10 % → 20 %/);
    expect(group("Shrank").textContent).toMatch(/football · league\s*\(was “football”\)\s*30 % → 15 %/);
    expect(within(result).getByText("1 topic about the same size")).toBeTruthy();
  });

  it("explains a comparison that failed", async () => {
    api.answer = () => json(409, { error: { code: "CONFLICT", message: "Run r2 is running" } });
    render(RunComparison, { run: CURRENT, runs: RUNS });
    await fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/could not be compared.*Run r2 is running\./s);
    expect(screen.queryByTestId("run-comparison")).toBeNull();
  });

  it("says how to get something to compare when there is no earlier run", () => {
    render(RunComparison, { run: CURRENT, runs: [CURRENT, clusterRun("r1", "2026-01-15T10:00:00Z", "failed")] });
    expect(screen.getByRole("region", { name: "What changed" }).textContent).toMatch(/no earlier finished run/);
    expect(screen.queryByRole("button", { name: "Compare" })).toBeNull();
  });
});
