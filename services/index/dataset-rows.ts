import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { datasets } from "../../models/schema.ts";
import type { CachedDataset, DatasetCache } from "./dataset-cache.ts";

/** The dataset rows the index service reads and writes: its model, its org, its pinned version. */

export type DatasetRow = typeof datasets.$inferSelect;

/** A dataset by id, whichever org owns it (internal calls and operator commands). */
export async function datasetById(db: Db, datasetId: string): Promise<DatasetRow | undefined> {
  const [row] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  return row;
}

/** A dataset by id when it belongs to the org. */
export async function orgDataset(db: Db, orgId: string, datasetId: string): Promise<DatasetRow | undefined> {
  const [row] = await db
    .select()
    .from(datasets)
    .where(and(eq(datasets.id, datasetId), eq(datasets.orgId, orgId)));
  return row;
}

/** The org's datasets among `ids` (id, model, pinned version), through the node's short-lived cache. */
export async function datasetsOf(
  deps: { searchDb: Db; datasetCache: DatasetCache },
  orgId: string,
  ids: readonly string[],
): Promise<CachedDataset[]> {
  const { found, missing } = deps.datasetCache.lookup(orgId, ids);
  if (missing.length === 0) return found;
  const rows = await deps.searchDb
    .select({ id: datasets.id, modelId: datasets.modelId, pinnedVersion: datasets.pinnedVersion })
    .from(datasets)
    .where(and(eq(datasets.orgId, orgId), inArray(datasets.id, missing)));
  deps.datasetCache.remember(orgId, rows);
  return [...found, ...rows];
}

/** The dataset's pinned version as stored (a numeric string), or null; undefined without the row. */
export async function pinnedVersionOf(
  db: Db,
  datasetId: string,
): Promise<{ pinnedVersion: string | null } | undefined> {
  const [row] = await db
    .select({ pinnedVersion: datasets.pinnedVersion })
    .from(datasets)
    .where(eq(datasets.id, datasetId));
  return row;
}
