import { and, asc, count, eq, gt, inArray, notExists, sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { chunks, datasets, embeddings } from "../../models/schema.ts";
import { float32ToBytes } from "../../lib/vector-codec.ts";
import type { DatasetWork } from "../../lib/embed-backlog.ts";

/**
 * Durable embedding work, with the database as the source of truth: the pending work of a
 * dataset is the set of its chunks without an `embeddings` row for the dataset's model. Job
 * messages only say which chunks to look at; handling one is idempotent (chunks that already
 * have a vector are skipped, vectors are inserted with ON CONFLICT DO NOTHING), so a message
 * delivered twice, or re-enqueued after a restart, adds nothing twice.
 */

/** The whole content of a job message. */
export interface EmbedJob {
  orgId: string;
  datasetId: string;
  modelId: string;
  chunkIds: string[];
}

export interface EmbeddingProgress {
  chunks: number;
  embedded: number;
  pending: number;
  modelId: string;
}

const missingVector = (modelId: string) =>
  notExists(
    // Spelled out: inside a one-table query Drizzle would render the outer column unqualified.
    sql`(select 1 from embeddings e where e.chunk_id = "chunks"."id" and e.model_id = ${modelId})`,
  );

/** Splits chunk ids into job messages of at most `size` chunks. */
export function planJobs(work: DatasetWork, chunkIds: readonly string[], size: number): EmbedJob[] {
  const jobs: EmbedJob[] = [];
  for (let i = 0; i < chunkIds.length; i += size) jobs.push({ ...work, chunkIds: chunkIds.slice(i, i + size) });
  return jobs;
}

/** The dataset's org and current model, or null when the dataset is gone. */
export async function datasetWork(db: Db, datasetId: string): Promise<DatasetWork | null> {
  const [row] = await db
    .select({ orgId: datasets.orgId, datasetId: datasets.id, modelId: datasets.modelId })
    .from(datasets)
    .where(eq(datasets.id, datasetId));
  return row ?? null;
}

/** Pending chunk ids of a dataset, in id order, as pages after a cursor (ids are hex, so order is stable). */
export async function* pendingChunkIds(db: Db, work: DatasetWork, pageSize = 5000): AsyncGenerator<string[]> {
  let after = "";
  for (;;) {
    const rows = await db
      .select({ id: chunks.id })
      .from(chunks)
      .where(and(eq(chunks.datasetId, work.datasetId), gt(chunks.id, after), missingVector(work.modelId)))
      .orderBy(asc(chunks.id))
      .limit(pageSize);
    if (rows.length > 0) yield rows.map((r) => r.id);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Chunk and vector counts of one dataset for its model (two index-backed counts). */
export async function progressOf(db: Db, work: DatasetWork): Promise<EmbeddingProgress> {
  const [c] = await db.select({ n: count() }).from(chunks).where(eq(chunks.datasetId, work.datasetId));
  const [e] = await db
    .select({ n: count() })
    .from(embeddings)
    .where(and(eq(embeddings.datasetId, work.datasetId), eq(embeddings.modelId, work.modelId)));
  const total = Number(c?.n ?? 0);
  const embedded = Number(e?.n ?? 0);
  return { chunks: total, embedded, pending: Math.max(0, total - embedded), modelId: work.modelId };
}

/** Progress of a dataset the caller's org owns; null for a missing id and for another org's. */
export async function progressForOrg(db: Db, orgId: string, datasetId: string): Promise<EmbeddingProgress | null> {
  const work = await datasetWork(db, datasetId);
  if (!work || work.orgId !== orgId) return null;
  return progressOf(db, work);
}

/**
 * What a job still has to embed: its chunks that exist, belong to the job's dataset and org,
 * whose dataset still uses the job's model, and that have no vector yet.
 */
export async function chunksToEmbed(db: Db, job: EmbedJob): Promise<{ id: string; text: string }[]> {
  if (job.chunkIds.length === 0) return [];
  return db
    .select({ id: chunks.id, text: chunks.text })
    .from(chunks)
    .innerJoin(datasets, eq(datasets.id, chunks.datasetId))
    .where(
      and(
        inArray(chunks.id, job.chunkIds),
        eq(chunks.datasetId, job.datasetId),
        eq(chunks.orgId, job.orgId),
        eq(datasets.modelId, job.modelId),
        missingVector(job.modelId),
      ),
    )
    .orderBy(asc(chunks.id));
}

const FOREIGN_KEY_VIOLATION = "23503";

/**
 * Stores vectors; returns the chunk ids whose vector this call inserted (a concurrent delivery
 * of the same job may have stored some first). A chunk deleted meanwhile (re-chunking) is
 * dropped instead of failing the whole batch.
 */
export async function storeVectors(
  db: Db,
  job: EmbedJob,
  rows: { chunkId: string; vector: Float32Array }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const insert = (list: typeof rows) =>
    db
      .insert(embeddings)
      .values(
        list.map((r) => ({
          chunkId: r.chunkId,
          modelId: job.modelId,
          datasetId: job.datasetId,
          orgId: job.orgId,
          dimension: r.vector.length,
          vector: float32ToBytes(r.vector),
        })),
      )
      .onConflictDoNothing()
      .returning({ chunkId: embeddings.chunkId });
  try {
    return (await insert(rows)).map((r) => r.chunkId);
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err;
    const alive = new Set(
      (
        await db
          .select({ id: chunks.id })
          .from(chunks)
          .where(
            inArray(
              chunks.id,
              rows.map((r) => r.chunkId),
            ),
          )
      ).map((r) => r.id),
    );
    const kept = rows.filter((r) => alive.has(r.chunkId));
    return kept.length ? (await insert(kept)).map((r) => r.chunkId) : [];
  }
}

function isForeignKeyViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === FOREIGN_KEY_VIOLATION) return true;
  return false;
}
