import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { datasets, imports } from "../../models/schema.ts";
import { notFound } from "../../core/errors.ts";

export type DatasetRow = typeof datasets.$inferSelect;

export interface DatasetStats {
  messageCount: number;
  conversationCount: number;
  participantCount: number;
  firstMessageAt: string | null;
  lastMessageAt: string | null;
}

export type DatasetView = Omit<DatasetRow, "orgId"> & DatasetStats;

const toIso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

/** Drizzle leaves columns unqualified in one-table selects; the subqueries below need the outer table's name. */
const DATASET_ID = sql.raw(`"datasets"."id"`);

/** Counts per dataset: index-backed (dataset_id leads the unique and time indexes). */
const statsColumns = {
  messageCount: sql<number>`(select count(*)::int from messages m where m.dataset_id = ${DATASET_ID})`,
  conversationCount: sql<number>`(select count(*)::int from conversations c where c.dataset_id = ${DATASET_ID})`,
  participantCount: sql<number>`(select count(*)::int from participants p where p.dataset_id = ${DATASET_ID})`,
  firstMessageAt: sql<string | null>`(select min(ts) from messages m where m.dataset_id = ${DATASET_ID})`,
  lastMessageAt: sql<string | null>`(select max(ts) from messages m where m.dataset_id = ${DATASET_ID})`,
};

function view(row: DatasetRow & { [K in keyof DatasetStats]: unknown }): DatasetView {
  const { orgId: _org, ...rest } = row;
  return {
    ...rest,
    messageCount: Number(row.messageCount),
    conversationCount: Number(row.conversationCount),
    participantCount: Number(row.participantCount),
    firstMessageAt: toIso(row.firstMessageAt),
    lastMessageAt: toIso(row.lastMessageAt),
  };
}

export async function createDataset(
  db: Db,
  v: {
    orgId: string;
    name: string;
    description?: string;
    modelId: string;
    keywordLanguage?: string | null;
    createdBy: string | null;
  },
): Promise<DatasetView> {
  const [row] = await db
    .insert(datasets)
    .values({
      orgId: v.orgId,
      name: v.name,
      description: v.description ?? "",
      modelId: v.modelId,
      keywordLanguage: v.keywordLanguage ?? null,
      createdBy: v.createdBy,
    })
    .returning();
  return view({
    ...row!,
    messageCount: 0,
    conversationCount: 0,
    participantCount: 0,
    firstMessageAt: null,
    lastMessageAt: null,
  });
}

export async function listDatasets(db: Db, orgId: string): Promise<DatasetView[]> {
  const rows = await db
    .select({ ...datasetColumns(), ...statsColumns })
    .from(datasets)
    .where(eq(datasets.orgId, orgId))
    .orderBy(desc(datasets.createdAt));
  return rows.map(view);
}

/** One dataset of the org; NOT_FOUND for a missing id and for another org's. */
export async function getDataset(db: Db, orgId: string, id: string): Promise<DatasetView> {
  const [row] = await db
    .select({ ...datasetColumns(), ...statsColumns })
    .from(datasets)
    .where(and(eq(datasets.orgId, orgId), eq(datasets.id, id)));
  if (!row) throw notFound("Dataset");
  return view(row);
}

/** The bare row (no counts), for checks before writes. */
export async function findDataset(db: Db, orgId: string | null, id: string): Promise<DatasetRow> {
  const where = orgId ? and(eq(datasets.orgId, orgId), eq(datasets.id, id)) : eq(datasets.id, id);
  const [row] = await db.select().from(datasets).where(where);
  if (!row) throw notFound("Dataset");
  return row;
}

export interface DatasetPatch {
  name?: string;
  description?: string;
  /** null goes back to the platform's KEYWORD_LANGUAGE. */
  keywordLanguage?: string | null;
}

export async function updateDataset(db: Db, orgId: string, id: string, patch: DatasetPatch): Promise<DatasetView> {
  const updated = await db
    .update(datasets)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(datasets.orgId, orgId), eq(datasets.id, id)))
    .returning({ id: datasets.id });
  if (!updated.length) throw notFound("Dataset");
  return getDataset(db, orgId, id);
}

/**
 * Deletes a dataset; conversations, participants, messages, imports, chunks, vectors and
 * cluster runs go with it (foreign keys cascade). Index files are the index service's, told by
 * the `dataset.deleted` event. Refused while an import of it is queued or running.
 */
export async function deleteDataset(db: Db, orgId: string, id: string): Promise<DatasetRow> {
  const row = await findDataset(db, orgId, id);
  await db.delete(datasets).where(and(eq(datasets.orgId, orgId), eq(datasets.id, id)));
  return row;
}

/** The index version searches of the dataset use, or null for the live index (any org: internal). */
export async function setPinnedVersion(db: Db, datasetId: string, version: number | null): Promise<void> {
  const updated = await db
    .update(datasets)
    .set({ pinnedVersion: version === null ? null : String(version) })
    .where(eq(datasets.id, datasetId))
    .returning({ id: datasets.id });
  if (!updated.length) throw notFound("Dataset");
}

export async function activeImportCount(db: Db, datasetId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(imports)
    .where(and(eq(imports.datasetId, datasetId), sql`${imports.status} in ('queued', 'running')`));
  return Number(row?.n ?? 0);
}

function datasetColumns() {
  return {
    id: datasets.id,
    orgId: datasets.orgId,
    name: datasets.name,
    description: datasets.description,
    modelId: datasets.modelId,
    pinnedVersion: datasets.pinnedVersion,
    keywordLanguage: datasets.keywordLanguage,
    createdBy: datasets.createdBy,
    createdAt: datasets.createdAt,
    updatedAt: datasets.updatedAt,
  };
}
