// Which datasets still have chunks without a vector. The embedder's sweep re-enqueues them and the
// operators' backlog (ops service) reports them: both read this one query.
import { sql } from "drizzle-orm";
import type { Db } from "../models/db.ts";
import { datasets } from "../models/schema.ts";

/** A dataset's embedding work: its org, and the model its vectors must come from. */
export interface DatasetWork {
  orgId: string;
  datasetId: string;
  modelId: string;
}

/**
 * Datasets with pending work and their counts: per dataset a chunk count and a vector count,
 * both answered from indexes, so a sweep over an idle system costs two index scans per dataset.
 */
export async function datasetsWithPendingWork(db: Db): Promise<(DatasetWork & { chunks: number; embedded: number })[]> {
  const rows = await db
    .select({
      orgId: datasets.orgId,
      datasetId: datasets.id,
      modelId: datasets.modelId,
      chunks: sql<string>`(select count(*) from chunks c where c.dataset_id = "datasets"."id")`,
      embedded: sql<string>`(select count(*) from embeddings e where e.dataset_id = "datasets"."id" and e.model_id = "datasets"."model_id")`,
    })
    .from(datasets);
  return rows
    .map((r) => ({ ...r, chunks: Number(r.chunks), embedded: Number(r.embedded) }))
    .filter((r) => r.chunks > r.embedded);
}
