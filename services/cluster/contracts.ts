import { z } from "zod";
import { contract } from "../../core/define-action.ts";
import { arrayOf, obj, ref, str } from "../../core/json-schema.ts";

/**
 * Every cluster action's contract, declared once: params (validated by the broker, typed in the
 * handler, documented in OpenAPI), who may call it, its answer and its limits. Handlers are in
 * cluster.service.ts, the logic in run-jobs.ts (starting and running) and run-views.ts (reading),
 * paths in routes.ts.
 */

const DB_TIMEOUT = 30_000;
const uuid = z.uuid();
const k = z.number().int().min(2).max(200);

/** What a run is computed with: stored with the run (`cluster_runs.params`) as given here. */
export const runParams = z.object({
  k: k.optional(),
  kMin: k.optional(),
  kMax: k.optional(),
  map: z.boolean().default(true),
  mapMethod: z.enum(["umap", "tsne"]).default("umap"),
  granularity: z.enum(["auto", "week", "month"]).default("auto"),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
});
export type RunParams = z.output<typeof runParams>;

const published = { visibility: "published", timeout: DB_TIMEOUT } as const;
const reader = { ...published, permissions: ["clusters.read" as const] };
const runRef = z.object({ datasetId: uuid, runId: uuid }).strict();

/**
 * Starts a clustering run over the dataset's embeddings (of the dataset's model) and answers
 * 202 with the queued run. Without `k`, k is chosen automatically: the k in [kMin, kMax]
 * (default 2..min(30, √n)) with the best mean silhouette on a sample. `map` adds the 2-D map
 * (UMAP over up to 20,000 points, or t-SNE over up to 2,000; a stratified sample by cluster
 * above that).
 */
export const startRun = contract({
  ...published,
  openapi: { summary: "Start a clustering run (queued)", response: ref("ClusterRunRow"), successStatus: 202 },
  permissions: ["clusters.run"],
  params: z.object({ datasetId: uuid, ...runParams.shape }).strict(),
});

export const listRuns = contract({
  ...reader,
  openapi: {
    summary: "Clustering runs of a dataset, newest first",
    response: obj({ runs: arrayOf(ref("ClusterRunSummary")) }),
  },
  params: z.object({ datasetId: uuid, limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
});

/** Status and progress while running; clusters (labels, terms, sizes, representative messages, participants) and topics over time when done. */
export const getRun = contract({
  ...reader,
  openapi: { summary: "A clustering run: progress, or its topics when done", response: ref("ClusterRun") },
  params: runRef,
});

/** The stored map as parallel arrays: ids, x, y (in [-1, 1]), cluster, preview. */
export const getMap = contract({
  ...reader,
  openapi: { summary: "The 2-D topic map of a run", response: ref("TopicMap") },
  params: runRef,
});

/**
 * The run's topics (with parents) and every chunk's topic, with its conversation and start
 * time: JSON, or CSV (one row per chunk) with `format=csv`.
 */
export const exportRun = contract({
  ...reader,
  openapi: {
    summary: "Export a run's topics and per-chunk assignments (JSON or CSV)",
    response: ref("TopicExport"),
    content: { "text/csv": str },
  },
  params: runRef.extend({ format: z.enum(["json", "csv"]).default("json") }),
});

/** A chunk's conversation and message ids, so a map dot or topic member opens in the conversation viewer. */
export const locateChunk = contract({
  ...published,
  openapi: {
    summary: "Where a message group (map dot, topic member) is: its conversation and messages",
    response: ref("ChunkLocation"),
  },
  permissions: ["datasets.read"],
  params: z.object({ datasetId: uuid, chunkId: z.string().min(1).max(200) }).strict(),
});

/** Topics gained, lost and matched (with their change in size) from `runId` to `otherRunId`. */
export const compareRuns = contract({
  ...reader,
  openapi: { summary: "Topics gained, lost and matched between two runs", response: ref("RunComparison") },
  params: runRef.extend({ otherRunId: uuid }),
});

/**
 * The topics of the dataset's newest completed run, for another service's report (analytics'
 * HTML report): labels, sizes, terms, the hierarchy and the map's points; null without a run.
 * Internal: the caller has checked the dataset is the org's.
 */
export const latestTopics = contract({
  visibility: "public",
  timeout: DB_TIMEOUT,
  params: z.object({ orgId: uuid, datasetId: uuid }).strict(),
});
