// Stores a bench index's vectors in the database as the embedder would (a conversation, a chunk
// per vector, its embedding), so the platform sees a dataset whose index matches its stored
// vectors. An index node catches an index up to the stored vectors before it first answers from
// it (services/index/ownership.ts): an index copied in without them is emptied by that catch-up.
import { sql } from "drizzle-orm";
import type { Db } from "../models/db.ts";
import { conversations, embeddings } from "../models/schema.ts";
import { float32ToBytes } from "../lib/vector-codec.ts";

const BATCH = 2000;

export async function storeBenchVectors(
  db: Db,
  target: { orgId: string; datasetId: string; modelId: string },
  vectors: Float32Array,
  dim: number,
): Promise<void> {
  const count = vectors.length / dim;
  const [conversation] = await db
    .insert(conversations)
    .values({ orgId: target.orgId, datasetId: target.datasetId, sourceKey: "bench", name: "bench", platform: "bench" })
    .returning();
  // Chunk i is `c<i>`, as in the bench's index (bench/index-engine.ts, bench/index-gateway.ts).
  await db.execute(sql`
    insert into chunks (id, org_id, dataset_id, conversation_id, chunking_version, message_ids, text, start_ts, end_ts)
    select 'c' || i, ${target.orgId}, ${target.datasetId}, ${conversation!.id}, 'bench', '[]'::jsonb, '', now(), now()
    from generate_series(0, ${count - 1}) as i`);
  for (let start = 0; start < count; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++)
      rows.push({
        chunkId: `c${i}`,
        modelId: target.modelId,
        datasetId: target.datasetId,
        orgId: target.orgId,
        dimension: dim,
        vector: float32ToBytes(vectors.subarray(i * dim, (i + 1) * dim)),
      });
    await db.insert(embeddings).values(rows);
  }
}
