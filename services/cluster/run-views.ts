import { ClientError } from "../../core/errors.ts";
import { orgOf } from "../../core/permissions.ts";
import { findOwned } from "../../mixins/tenant.mixin.ts";
import type { Db } from "../../models/db.ts";
import { datasets } from "../../models/schema.ts";
import { compareRuns as compareSnapshots } from "./compare.ts";
import type { Caller } from "./deps.ts";
import { buildTopicExport, topicExportCsv, type TopicExport } from "./export.ts";
import * as runs from "./runs.ts";

/** What the cluster read actions do: runs of the caller's org, their maps, exports, comparisons and chunk locations. */

interface RunRef {
  datasetId: string;
  runId: string;
}

export async function listRuns(db: Db, caller: Caller, p: { datasetId: string; limit: number }) {
  await findOwned(db, caller, datasets, p.datasetId, "Dataset");
  return { runs: await runs.listRuns(db, orgOf(caller), p.datasetId, p.limit) };
}

export async function getRun(db: Db, caller: Caller, p: RunRef) {
  const run = await runs.getRun(db, orgOf(caller), p.datasetId, p.runId);
  if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
  return run;
}

export async function getMap(db: Db, caller: Caller, p: RunRef) {
  const part = await runs.getRunPart(db, orgOf(caller), p.datasetId, p.runId, "map");
  if (!part) throw new ClientError("NOT_FOUND", "Cluster run not found");
  if (part.status !== "completed") throw new ClientError("CONFLICT", `The run is ${part.status}; its map is not ready`);
  if (!part.value) throw new ClientError("NOT_FOUND", "This run was started without a map");
  return part.value;
}

/** A run's export as JSON, or as a CSV file (one row per chunk). */
export type RunExport = { format: "json"; data: TopicExport } | { format: "csv"; csv: string; filename: string };

export async function exportRun(db: Db, caller: Caller, p: RunRef & { format: "json" | "csv" }): Promise<RunExport> {
  const orgId = orgOf(caller);
  const run = await runs.getRun(db, orgId, p.datasetId, p.runId);
  if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
  if (run.status !== "completed" || !run.result)
    throw new ClientError("CONFLICT", `The run is ${run.status}; there is nothing to export yet`);
  const assignments = await runs.getRunPart(db, orgId, p.datasetId, p.runId, "assignments");
  const data = await buildTopicExport(
    db,
    { orgId, datasetId: p.datasetId, runId: p.runId },
    run.result,
    assignments!.value!,
  );
  if (p.format === "json") return { format: "json", data };
  return { format: "csv", csv: topicExportCsv(data), filename: `topics-${run.id.slice(0, 8)}.csv` };
}

export async function locateChunk(db: Db, caller: Caller, p: { datasetId: string; chunkId: string }) {
  await findOwned(db, caller, datasets, p.datasetId, "Dataset");
  const where = await runs.locateChunk(db, orgOf(caller), p.datasetId, p.chunkId);
  if (!where) throw new ClientError("NOT_FOUND", "Message group not found");
  return where;
}

/** Topics gained, lost and matched (with their change in size) from `runId` to `otherRunId`. */
export async function compareRuns(db: Db, caller: Caller, p: RunRef & { otherRunId: string }) {
  const orgId = orgOf(caller);
  const load = async (runId: string) => {
    const run = await runs.getRun(db, orgId, p.datasetId, runId);
    if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
    if (run.status !== "completed") throw new ClientError("CONFLICT", `Run ${runId} is ${run.status}`);
    const assignments = await runs.getRunPart(db, orgId, p.datasetId, runId, "assignments");
    return { run, snapshot: { clusters: run.result!.clusters, assignments: assignments!.value! } };
  };
  const before = await load(p.runId);
  const after = await load(p.otherRunId);
  return {
    before: { runId: before.run.id, indexVersion: before.run.indexVersion, k: before.run.result!.k },
    after: { runId: after.run.id, indexVersion: after.run.indexVersion, k: after.run.result!.k },
    ...compareSnapshots(before.snapshot, after.snapshot),
  };
}

/** What another service's report shows of the topics: the newest completed run's clusters, hierarchy and map. */
export interface TopicsSummary {
  runId: string;
  totalChunks: number;
  clusters: { id: number; label: string; size: number; terms: string[] }[];
  parents?: { id: number; label: string; size: number; children: number[] }[];
  map?: { x: number[]; y: number[]; cluster: number[] };
}

export async function latestTopics(db: Db, p: { orgId: string; datasetId: string }): Promise<TopicsSummary | null> {
  const run = await runs.latestCompletedRun(db, p.orgId, p.datasetId);
  const r = run?.result;
  if (!run || !r) return null;
  return {
    runId: run.id,
    totalChunks: r.totalChunks,
    clusters: r.clusters.map((c) => ({ id: c.id, label: c.label, size: c.size, terms: c.terms.map((t) => t.term) })),
    parents: r.hierarchy?.parents,
    map: r.map ? { x: r.map.x, y: r.map.y, cluster: r.map.cluster } : undefined,
  };
}
