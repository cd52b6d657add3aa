import { api, call } from "./client";
import type { ClusterRun, ListedRun, StartedRun, TopicMapData } from "./models";

/** A topic run on screen: the run, and its map once it completed (null: none, or none yet). */
export interface OpenedRun {
  run: ClusterRun | StartedRun;
  map: TopicMapData | null;
}

/** The dataset's topic runs, newest first. */
export async function listRuns(datasetId: string): Promise<ListedRun[]> {
  return (await call(api.GET("/api/datasets/{datasetId}/clusters/runs", { params: { path: { datasetId } } }))).runs;
}

/** A run with its map when it has completed (a run without a map opens without one). */
export async function openRun(datasetId: string, runId: string): Promise<OpenedRun> {
  const params = { params: { path: { datasetId, runId } } };
  const run = await call(api.GET("/api/datasets/{datasetId}/clusters/runs/{runId}", params));
  if (run.status !== "completed") return { run, map: null };
  const map = await call(api.GET("/api/datasets/{datasetId}/clusters/runs/{runId}/map", params)).catch(() => null);
  return { run, map };
}

/** The runs and the one to open first: the latest completed, else the newest. */
export async function runsOf(datasetId: string): Promise<{ runs: ListedRun[]; opened: OpenedRun | null }> {
  const runs = await listRuns(datasetId);
  const latest = runs.find((r) => r.status === "completed") ?? runs[0];
  return { runs, opened: latest ? await openRun(datasetId, latest.id) : null };
}
