/**
 * Cluster runs as stored jobs: the cluster_runs row carries status, progress and stage
 * while the job runs, and the result (clusters, topics over time, assignments, the map)
 * when it is done. Readers pick only the jsonb parts they need (`result - 'map'`,
 * `result -> 'map'`), so listing runs or opening a run never ships the map's arrays.
 *
 * The map is stored as parallel arrays (ids, x, y, cluster, preview): 20,000 points are
 * about 2.5 MB of jsonb, read back in one row without any join.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { clusterRuns } from "../../models/schema.ts";
import { rowsOf } from "../../models/sql.ts";
import { normalizeInPlace } from "./matrix.ts";
import { preview } from "../../lib/text/text-cut.ts";
import type { ChunkInput, ClusteringResult } from "./types.ts";
import type { RunParams } from "./contracts.ts";

export type RunRow = typeof clusterRuns.$inferSelect;

export interface StoredMap {
  method: "umap" | "tsne";
  totalPoints: number;
  sampled: boolean;
  ids: string[];
  x: number[];
  y: number[];
  cluster: number[];
  /** The first characters of each point's chunk text, for hover. */
  preview: string[];
}

export interface RepresentativeMessage {
  id: number;
  author: string | null;
  text: string;
  ts: string;
}

export type StoredCluster = Omit<ClusteringResult["clusters"][number], "representatives"> & {
  representatives: { chunkId: string; similarity: number; messages: RepresentativeMessage[] }[];
};

/** A type, not an interface: it is what the result column (`jsonb`, a string-keyed record) holds. */
export type StoredResult = {
  k: number;
  kSelection?: ClusteringResult["kSelection"];
  reducedDims: number;
  languages: string[];
  totalChunks: number;
  clusters: StoredCluster[];
  hierarchy?: ClusteringResult["hierarchy"];
  overTime?: ClusteringResult["overTime"];
  assignments: ClusteringResult["assignments"];
  map?: StoredMap;
  timings: Record<string, number>;
};

const PREVIEW_CHARS = 120;
const MESSAGES_PER_REPRESENTATIVE = 5;

export async function createRun(
  db: Db,
  run: {
    orgId: string;
    datasetId: string;
    modelId: string;
    indexVersion: string;
    params: RunParams;
    createdBy: string | null;
  },
): Promise<RunRow> {
  const [row] = await db
    .insert(clusterRuns)
    .values({ ...run, status: "queued", stage: "queued" })
    .returning();
  return row!;
}

export async function setProgress(
  db: Db,
  runId: string,
  progress: number,
  stage: string,
  status?: "running",
): Promise<void> {
  await db
    .update(clusterRuns)
    .set({ progress: Math.round(progress * 1000) / 1000, stage, ...(status ? { status } : {}) })
    .where(eq(clusterRuns.id, runId));
}

export async function completeRun(db: Db, runId: string, result: StoredResult): Promise<void> {
  await db
    .update(clusterRuns)
    .set({
      status: "completed",
      progress: 1,
      stage: "done",
      result,
      finishedAt: new Date(),
    })
    .where(eq(clusterRuns.id, runId));
}

export async function failRun(db: Db, runId: string, error: { code: string; message: string }): Promise<void> {
  await db
    .update(clusterRuns)
    .set({ status: "failed", stage: "failed", error, finishedAt: new Date() })
    .where(eq(clusterRuns.id, runId));
}

/** The columns every view of a run shows; the result is added in the shape each view needs. */
const RUN_COLUMNS = {
  id: clusterRuns.id,
  datasetId: clusterRuns.datasetId,
  indexVersion: clusterRuns.indexVersion,
  modelId: clusterRuns.modelId,
  status: clusterRuns.status,
  progress: clusterRuns.progress,
  stage: clusterRuns.stage,
  params: clusterRuns.params,
  error: clusterRuns.error,
  createdBy: clusterRuns.createdBy,
  createdAt: clusterRuns.createdAt,
  finishedAt: clusterRuns.finishedAt,
};

/** Run rows of a dataset, newest first, with a small summary instead of the result. */
export async function listRuns(db: Db, orgId: string, datasetId: string, limit: number) {
  const rows = await db
    .select({
      ...RUN_COLUMNS,
      k: sql<number | null>`(${clusterRuns.result} ->> 'k')::int`,
      totalChunks: sql<number | null>`(${clusterRuns.result} ->> 'totalChunks')::int`,
    })
    .from(clusterRuns)
    .where(and(eq(clusterRuns.orgId, orgId), eq(clusterRuns.datasetId, datasetId)))
    .orderBy(desc(clusterRuns.createdAt))
    .limit(limit);
  return rows;
}

/** One run with its result minus the heavy parts (map, per-chunk assignments). */
export async function getRun(db: Db, orgId: string, datasetId: string, runId: string) {
  const [row] = await db
    .select({
      ...RUN_COLUMNS,
      result: sql<Omit<StoredResult, "map" | "assignments"> | null>`${clusterRuns.result} - 'map' - 'assignments'`,
    })
    .from(clusterRuns)
    .where(and(eq(clusterRuns.orgId, orgId), eq(clusterRuns.datasetId, datasetId), eq(clusterRuns.id, runId)));
  return row;
}

/** The newest completed run of a dataset with its result minus the per-chunk assignments (the map stays: the report draws it). */
export async function latestCompletedRun(db: Db, orgId: string, datasetId: string) {
  const [row] = await db
    .select({
      id: clusterRuns.id,
      result: sql<Omit<StoredResult, "assignments">>`${clusterRuns.result} - 'assignments'`,
    })
    .from(clusterRuns)
    .where(and(eq(clusterRuns.orgId, orgId), eq(clusterRuns.datasetId, datasetId), eq(clusterRuns.status, "completed")))
    .orderBy(desc(clusterRuns.createdAt))
    .limit(1);
  return row;
}

export async function getRunPart<K extends "map" | "assignments" | "clusters">(
  db: Db,
  orgId: string,
  datasetId: string,
  runId: string,
  part: K,
): Promise<{ status: string; value: StoredResult[K] | null } | undefined> {
  const [row] = await db
    .select({ status: clusterRuns.status, value: sql<StoredResult[K] | null>`${clusterRuns.result} -> ${part}` })
    .from(clusterRuns)
    .where(and(eq(clusterRuns.orgId, orgId), eq(clusterRuns.datasetId, datasetId), eq(clusterRuns.id, runId)));
  return row;
}

/**
 * What a run's vectors were: the dataset's embeddings of its model, as count and newest
 * write. The index service will own index version ids; until then this identifies the
 * vector set a run saw, and two runs with the same value saw the same vectors.
 */
export async function embeddingsVersion(
  db: Db,
  orgId: string,
  datasetId: string,
  modelId: string,
): Promise<{ version: string; count: number }> {
  const [row] = await rowsOf<{ n: unknown; latest: unknown }>(
    db,
    sql`select count(*) as n, max(created_at) as latest from embeddings
        where org_id = ${orgId} and dataset_id = ${datasetId} and model_id = ${modelId}`,
  );
  const count = Number(row!.n);
  const latest = row!.latest ? new Date(row!.latest as string).getTime() : 0;
  return { version: `embeddings:${count}:${latest}`, count };
}

/**
 * Streams the dataset's chunks with their vectors (L2-normalised here), text, first
 * timestamp and message authors, in keyset-paginated batches by chunk id.
 */
export async function loadChunks(
  db: Db,
  scope: { orgId: string; datasetId: string; modelId: string },
  onBatch?: (loaded: number) => void,
  batchSize = 2000,
): Promise<ChunkInput[]> {
  const out: ChunkInput[] = [];
  let after = "";
  for (;;) {
    const batch = await rowsOf<{ id: string; text: string; start_ts: unknown; vector: Uint8Array; authors: unknown }>(
      db,
      sql`select c.id, c.text, c.start_ts, e.vector,
                 (select coalesce(json_agg(p.display_name order by m.ts, m.id), '[]'::json)
                  from messages m join participants p on p.id = m.participant_id
                  where m.id in (select (jsonb_array_elements_text(c.message_ids))::bigint)) as authors
          from embeddings e join chunks c on c.id = e.chunk_id
          where e.org_id = ${scope.orgId} and e.dataset_id = ${scope.datasetId} and e.model_id = ${scope.modelId} and e.chunk_id > ${after}
          order by e.chunk_id limit ${batchSize}`,
    );
    for (const r of batch) {
      const bytes = r.vector;
      // Copy: a driver's buffer may be a view at an offset not aligned for Float32Array.
      const vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      normalizeInPlace(vector);
      const authors = typeof r.authors === "string" ? (JSON.parse(r.authors) as string[]) : (r.authors as string[]);
      out.push({ id: r.id, vector, text: r.text, authors, timestamp: new Date(r.start_ts as string).getTime() });
    }
    onBatch?.(out.length);
    if (batch.length < batchSize) break;
    after = batch[batch.length - 1]!.id;
  }
  return out;
}

/**
 * Words of the dataset's participant names (lower-cased, NFKC, as the tokenizer sees
 * them): a topic is what people talk about, not who talks, and in chats names are
 * among the most frequent words (addressing, quoting, "X's phone").
 */
export async function participantNameWords(db: Db, orgId: string, datasetId: string): Promise<string[]> {
  const rows = await rowsOf<{ display_name: string | null }>(
    db,
    sql`select distinct display_name from participants where org_id = ${orgId} and dataset_id = ${datasetId}`,
  );
  const out = new Set<string>();
  for (const r of rows)
    for (const word of (r.display_name ?? "")
      .normalize("NFKC")
      .toLowerCase()
      .split(/[^\p{L}\p{M}']+/u))
      if (word.length >= 2) out.add(word);
  return [...out];
}

/** Where a chunk (a map dot, a topic member) sits: its conversation and messages, for the conversation viewer. */
export async function locateChunk(db: Db, orgId: string, datasetId: string, chunkId: string) {
  const [row] = await rowsOf<{ conversation_id: string; message_ids: unknown; start_ts: unknown; end_ts: unknown }>(
    db,
    sql`select conversation_id, message_ids, start_ts, end_ts from chunks where org_id = ${orgId} and dataset_id = ${datasetId} and id = ${chunkId}`,
  );
  if (!row) return undefined;
  const ids = (typeof row.message_ids === "string" ? JSON.parse(row.message_ids) : row.message_ids) as (
    number | string
  )[];
  return {
    chunkId,
    conversationId: row.conversation_id,
    messageIds: ids.map(Number),
    start: new Date(row.start_ts as string).toISOString(),
    end: new Date(row.end_ts as string).toISOString(),
  };
}

/** The messages of the representative chunks, with author names, in conversation order. */
export async function representativeMessages(
  db: Db,
  orgId: string,
  chunkIds: string[],
): Promise<Map<string, RepresentativeMessage[]>> {
  const out = new Map<string, RepresentativeMessage[]>();
  if (!chunkIds.length) return out;
  const rows = await rowsOf<{ chunk_id: string; id: unknown; author: string | null; text: string; ts: unknown }>(
    db,
    sql`select c.id as chunk_id, m.id, p.display_name as author, m.text, m.ts
        from chunks c
        cross join lateral (select (jsonb_array_elements_text(c.message_ids))::bigint as mid) ids
        join messages m on m.id = ids.mid and m.org_id = ${orgId}
        left join participants p on p.id = m.participant_id
        where c.org_id = ${orgId} and c.id in (${sql.join(
          chunkIds.map((id) => sql`${id}`),
          sql`, `,
        )})
        order by c.id, m.ts, m.id`,
  );
  for (const r of rows) {
    const list = out.get(r.chunk_id) ?? [];
    if (list.length < MESSAGES_PER_REPRESENTATIVE)
      list.push({ id: Number(r.id), author: r.author, text: r.text, ts: new Date(r.ts as string).toISOString() });
    out.set(r.chunk_id, list);
  }
  return out;
}

/** The stored form of a pipeline result: representatives resolved to messages, the map as compact arrays. */
export function toStoredResult(
  result: ClusteringResult,
  chunks: readonly ChunkInput[],
  messages: Map<string, RepresentativeMessage[]>,
): StoredResult {
  const textOf = new Map(chunks.map((c) => [c.id, c.text]));
  const map = result.map;
  return {
    k: result.k,
    ...(result.kSelection ? { kSelection: result.kSelection } : {}),
    reducedDims: result.reducedDims,
    languages: result.languages,
    totalChunks: chunks.length,
    clusters: result.clusters.map((c) => ({
      ...c,
      representatives: c.representatives.map((r) => ({ ...r, messages: messages.get(r.chunkId) ?? [] })),
    })),
    ...(result.hierarchy ? { hierarchy: result.hierarchy } : {}),
    ...(result.overTime ? { overTime: result.overTime } : {}),
    assignments: result.assignments,
    ...(map
      ? {
          map: {
            method: map.method,
            totalPoints: map.totalPoints,
            sampled: map.sampled,
            ids: map.points.map((p) => p.id),
            x: map.points.map((p) => p.x),
            y: map.points.map((p) => p.y),
            cluster: map.points.map((p) => p.cluster ?? -1),
            preview: map.points.map((p) => preview(textOf.get(p.id) ?? "", PREVIEW_CHARS)),
          },
        }
      : {}),
    timings: result.timings,
  };
}
