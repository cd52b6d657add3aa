import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClusterRun, Dataset, ListedRun, RunComparison as Comparison } from "../src/lib/api/models";
import DatasetDetailsForm from "../src/lib/components/DatasetDetailsForm.svelte";
import RunComparison from "../src/lib/components/RunComparison.svelte";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Requests the component made (method, path, JSON body) and the canned answer it gets. */
let requests: { method: string; path: string; body: unknown }[] = [];
let answer: () => Response;

beforeEach(() => {
  requests = [];
  localStorage.clear();
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const req = input as Request;
      const text = await req.text();
      requests.push({ method: req.method, path: new URL(req.url).pathname, body: text ? JSON.parse(text) : null });
      return answer();
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

const DATASET: Dataset = {
  id: "d1",
  name: "Team chats",
  description: "",
  modelId: "minilm",
  pinnedVersion: null,
  keywordLanguage: null,
  createdBy: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  messageCount: 29,
  conversationCount: 2,
  participantCount: 4,
  firstMessageAt: null,
  lastMessageAt: null,
};

describe("DatasetDetailsForm", () => {
  it("asks for a name before saving and says which field is wrong", async () => {
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    const name = screen.getByLabelText("Name");
    await fireEvent.input(name, { target: { value: "   " } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(screen.getByText("Give the dataset a name.")).toBeTruthy();
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(name.getAttribute("aria-describedby")).toBe("dataset-name-error");
    expect(requests).toEqual([]);
    expect(onsaved).not.toHaveBeenCalled();
  });

  it("saves a trimmed name and description with PATCH and hands back the updated dataset", async () => {
    const updated = { ...DATASET, name: "Family chats", description: "Since 2019" };
    answer = () => json(200, updated);
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "  Family chats " } });
    await fireEvent.input(screen.getByLabelText(/Description/), { target: { value: "Since 2019" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(updated));
    expect(requests).toEqual([
      { method: "PATCH", path: "/api/datasets/d1", body: { name: "Family chats", description: "Since 2019" } },
    ]);
  });

  it("sends the keyword language only when it was changed, null for the platform default", async () => {
    answer = () => json(200, { ...DATASET, keywordLanguage: "de" });
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    const language = screen.getByLabelText("Language of keyword search") as HTMLSelectElement;
    expect(language.value).toBe("");
    await fireEvent.change(language, { target: { value: "de" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(requests[0]!.body).toEqual({ name: "Team chats", description: "", keywordLanguage: "de" });
  });

  it("shows the server's validation error next to its field, in plain words", async () => {
    answer = () =>
      json(422, {
        error: {
          code: "VALIDATION_ERROR",
          message: "Parameters validation error!",
          data: [
            {
              type: "stringMax",
              field: "description",
              message: "The 'description' field length must be less than or equal to 2000 characters long.",
            },
          ],
        },
      });
    render(DatasetDetailsForm, { dataset: DATASET, onsaved: vi.fn(), oncancel: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText(/Keep the description to 2,000 characters or fewer/);
    expect(screen.getByLabelText(/Description/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("reports any other failure as an alert and can be cancelled", async () => {
    answer = () => json(403, { error: { code: "FORBIDDEN", message: "Your role does not allow datasets.write" } });
    const oncancel = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved: vi.fn(), oncancel });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/does not allow datasets\.write/);
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(oncancel).toHaveBeenCalledOnce();
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
    answer = () => json(200, COMPARISON);
    render(RunComparison, { run: CURRENT, runs: RUNS });
    await fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    const result = await screen.findByTestId("run-comparison");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/datasets/d1/clusters/runs/r2/compare/r3"]);
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
    answer = () => json(409, { error: { code: "CONFLICT", message: "Run r2 is running" } });
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
