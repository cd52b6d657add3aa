// The SQL side of search: filters, keyword (full-text) search, the chunk allow-list for filtered
// vector search, hits resolved to messages with their neighbours, vectors for the index, and the
// search log. Plain functions over a Drizzle handle; every query is scoped by org id.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { instant, list, rowsOf } from "../../models/sql.ts";

export interface SearchFilters {
  conversationIds?: string[];
  participantIds?: string[];
  from?: Date;
  to?: Date;
  /** Conversation platforms (whatsapp, telegram, …). */
  platforms?: string[];
  /** Message kinds (text, photo, …). */
  kinds?: string[];
}

export interface KeywordHit {
  messageId: number;
  datasetId: string;
  rank: number;
}

export interface MessageView {
  id: number;
  datasetId: string;
  conversationId: string;
  conversationName: string;
  platform: string;
  participantId: string | null;
  author: string | null;
  ts: string;
  kind: string;
  text: string;
}

const query = (text: string): SQL => sql`websearch_to_tsquery('english', ${text})`;

/** Conditions on a message row `m` joined to its conversation `cv`. */
function messageConditions(f: SearchFilters): SQL[] {
  const out: SQL[] = [];
  if (f.conversationIds?.length) out.push(sql`m.conversation_id in (${list(f.conversationIds)})`);
  if (f.participantIds?.length) out.push(sql`m.participant_id in (${list(f.participantIds)})`);
  if (f.kinds?.length) out.push(sql`m.kind in (${list(f.kinds)})`);
  if (f.platforms?.length) out.push(sql`cv.platform in (${list(f.platforms)})`);
  if (f.from) out.push(sql`m.ts >= ${instant(f.from)}`);
  if (f.to) out.push(sql`m.ts <= ${instant(f.to)}`);
  return out;
}

const and = (conds: SQL[]): SQL =>
  conds.length
    ? sql.join(
        conds.map((c) => sql`(${c})`),
        sql` and `,
      )
    : sql`true`;

export const hasFilters = (f: SearchFilters): boolean =>
  Boolean(
    f.conversationIds?.length || f.participantIds?.length || f.kinds?.length || f.platforms?.length || f.from || f.to,
  );

/**
 * Full-text search over messages with web-style syntax (quotes, OR, -word), ranked by
 * ts_rank_cd (cover density: query words close together rank higher).
 */
export async function keywordSearch(
  db: Db,
  scope: { orgId: string; datasetIds: string[] },
  text: string,
  filters: SearchFilters,
  limit: number,
): Promise<KeywordHit[]> {
  const rows = await rowsOf<{ id: string | number; dataset_id: string; rank: number }>(
    db,
    sql`select m.id, m.dataset_id, ts_rank_cd(m.search, q) as rank
        from messages m join conversations cv on cv.id = m.conversation_id, ${query(text)} q
        where m.org_id = ${scope.orgId} and m.dataset_id in (${list(scope.datasetIds)}) and m.search @@ q
          and ${and(messageConditions(filters))}
        order by rank desc, m.id
        limit ${limit}`,
  );
  return rows.map((r) => ({ messageId: Number(r.id), datasetId: r.dataset_id, rank: Number(r.rank) }));
}

/**
 * Chunks of a dataset (or of `onlyChunkIds`) that hold at least one message passing the filters.
 * The in-memory allow-list (chunk-spans.ts) answers most of a filtered search; this answers the
 * chunks it cannot place (their messages are newer than the keyword index). Driven from each
 * chunk's own message ids through the primary key. Nothing in the subquery may refer to the
 * chunk's dataset or conversation: the planner then scanned the dataset's messages once per chunk
 * (quadratic; minutes at 100k messages, seconds at 9k).
 */
export async function allowedChunkIds(
  db: Db,
  scope: { orgId: string; datasetId: string },
  filters: SearchFilters,
  onlyChunkIds?: string[],
): Promise<string[]> {
  if (onlyChunkIds?.length === 0) return [];
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`select c.id from chunks c
        where c.org_id = ${scope.orgId} and c.dataset_id = ${scope.datasetId}
          ${onlyChunkIds ? sql`and c.id in (${list(onlyChunkIds)})` : sql``}
          and exists (
            select 1 from jsonb_array_elements_text(c.message_ids) e(mid)
              join messages m on m.id = e.mid::bigint
              join conversations cv on cv.id = m.conversation_id
            where m.dataset_id = ${scope.datasetId} and ${and(messageConditions(filters))})`,
  );
  return rows.map((r) => r.id);
}

/**
 * The chunk holding each message, where one exists (messages not yet chunked have none). Per
 * message, the few chunks of its conversation that start last at or before it are read through
 * chunks_conversation_start_idx and the one listing it is taken: chunks follow each other in time
 * and overlap by a few messages only. (A join on the dataset's chunks checked every chunk of the
 * dataset against each message: seconds per hybrid search at 1M messages.)
 */
export async function chunksOfMessages(db: Db, orgId: string, messageIds: number[]): Promise<Map<number, string>> {
  if (messageIds.length === 0) return new Map();
  const rows = await rowsOf<{ message_id: string | number; chunk_id: string }>(
    db,
    sql`select m.id as message_id, c.id as chunk_id
        from messages m
        cross join lateral (
          select near.id from (
            select ch.id, ch.message_ids from chunks ch
            where ch.conversation_id = m.conversation_id and ch.start_ts <= m.ts
            order by ch.start_ts desc limit 8
          ) near
          where near.message_ids @> to_jsonb(m.id)
          limit 1
        ) c
        where m.org_id = ${orgId} and m.id in (${list(messageIds)})`,
  );
  return new Map(rows.map((r) => [Number(r.message_id), r.chunk_id]));
}

/** The message ids of chunks of the caller's org (chunks of other orgs are simply absent). */
export async function chunkMessages(
  db: Db,
  orgId: string,
  chunkIds: string[],
): Promise<Map<string, { datasetId: string; messageIds: number[] }>> {
  if (chunkIds.length === 0) return new Map();
  const rows = await rowsOf<{ id: string; dataset_id: string; message_ids: number[] | string }>(
    db,
    sql`select id, dataset_id, message_ids from chunks where org_id = ${orgId} and id in (${list(chunkIds)})`,
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        datasetId: r.dataset_id,
        messageIds: (typeof r.message_ids === "string" ? JSON.parse(r.message_ids) : r.message_ids) as number[],
      },
    ]),
  );
}

/** Keyword rank of each given message for the query (0 where it does not match). */
export async function messageRanks(
  db: Db,
  orgId: string,
  messageIds: number[],
  text: string,
): Promise<Map<number, number>> {
  if (messageIds.length === 0) return new Map();
  const rows = await rowsOf<{ id: string | number; rank: number }>(
    db,
    sql`select m.id, case when m.search @@ q then ts_rank_cd(m.search, q) else 0 end as rank
        from messages m, ${query(text)} q
        where m.org_id = ${orgId} and m.id in (${list(messageIds)})`,
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.rank)]));
}

const MESSAGE_COLUMNS = sql`m.id, m.dataset_id, m.conversation_id, cv.name as conversation_name, cv.platform, m.participant_id,
  p.display_name as author, m.ts, m.kind, m.text`;

interface MessageRow {
  id: string | number;
  dataset_id: string;
  conversation_id: string;
  conversation_name: string;
  platform: string;
  participant_id: string | null;
  author: string | null;
  ts: Date | string;
  kind: string;
  text: string;
}

const view = (r: MessageRow): MessageView => ({
  id: Number(r.id),
  datasetId: r.dataset_id,
  conversationId: r.conversation_id,
  conversationName: r.conversation_name,
  platform: r.platform,
  participantId: r.participant_id,
  author: r.author,
  ts: new Date(r.ts).toISOString(),
  kind: r.kind,
  text: r.text,
});

export async function messagesById(db: Db, orgId: string, ids: number[]): Promise<Map<number, MessageView>> {
  if (ids.length === 0) return new Map();
  const rows = await rowsOf<MessageRow>(
    db,
    sql`select ${MESSAGE_COLUMNS}
        from messages m join conversations cv on cv.id = m.conversation_id left join participants p on p.id = m.participant_id
        where m.org_id = ${orgId} and m.id in (${list(ids)})`,
  );
  return new Map(rows.map((r) => [Number(r.id), view(r)]));
}

/** The `n` messages before and after each given message in its conversation, by time. */
export async function surroundingMessages(
  db: Db,
  orgId: string,
  ids: number[],
  n: number,
): Promise<Map<number, { before: MessageView[]; after: MessageView[] }>> {
  const out = new Map(ids.map((id) => [id, { before: [] as MessageView[], after: [] as MessageView[] }]));
  if (ids.length === 0 || n === 0) return out;
  const rows = await rowsOf<MessageRow & { hit_id: string | number; side: "before" | "after" }>(
    db,
    sql`select h.id as hit_id, x.* from messages h cross join lateral (
          (select 'before' as side, ${MESSAGE_COLUMNS}
             from messages m join conversations cv on cv.id = m.conversation_id left join participants p on p.id = m.participant_id
            where m.conversation_id = h.conversation_id and (m.ts, m.id) < (h.ts, h.id)
            order by m.ts desc, m.id desc limit ${n})
          union all
          (select 'after' as side, ${MESSAGE_COLUMNS}
             from messages m join conversations cv on cv.id = m.conversation_id left join participants p on p.id = m.participant_id
            where m.conversation_id = h.conversation_id and (m.ts, m.id) > (h.ts, h.id)
            order by m.ts, m.id limit ${n})
        ) x
        where h.org_id = ${orgId} and h.id in (${list(ids)})`,
  );
  for (const r of rows) out.get(Number(r.hit_id))?.[r.side].push(view(r));
  for (const ctx of out.values()) ctx.before.reverse();
  return out;
}

/** ts_headline with HighlightAll: the whole text, matched words between the two markers. */
export async function headlines(
  db: Db,
  texts: Map<number, string>,
  text: string,
  marks: { start: string; stop: string },
): Promise<Map<number, string>> {
  if (texts.size === 0) return new Map();
  const ids = [...texts.keys()];
  const rows = await rowsOf<{ id: string | number; h: string }>(
    db,
    sql`select m.id, ts_headline('english', m.text, ${query(text)},
          ${`StartSel=${marks.start}, StopSel=${marks.stop}, HighlightAll=true`}) as h
        from messages m where m.id in (${list(ids)})`,
  );
  return new Map(rows.map((r) => [Number(r.id), r.h]));
}

// ── index maintenance ─────────────────────────────────────────────────────

export interface StoredVector {
  chunkId: string;
  vector: Float32Array;
}

function toFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Vectors of the given chunks for one dataset and model (of that dataset's org only). */
export async function vectorsOf(
  db: Db,
  key: { orgId: string; datasetId: string; modelId: string },
  chunkIds: string[],
): Promise<StoredVector[]> {
  if (chunkIds.length === 0) return [];
  const rows = await rowsOf<{ chunk_id: string; vector: Uint8Array }>(
    db,
    sql`select chunk_id, vector from embeddings
        where org_id = ${key.orgId} and dataset_id = ${key.datasetId} and model_id = ${key.modelId} and chunk_id in (${list(chunkIds)})`,
  );
  return rows.map((r) => ({ chunkId: r.chunk_id, vector: toFloat32(r.vector) }));
}

/** Stored vectors of these chunks for a dataset and model (catching an index up; not org-scoped, like a rebuild). */
export async function storedVectorsOf(
  db: Db,
  key: { datasetId: string; modelId: string },
  chunkIds: string[],
): Promise<StoredVector[]> {
  if (chunkIds.length === 0) return [];
  const rows = await rowsOf<{ chunk_id: string; vector: Uint8Array }>(
    db,
    sql`select chunk_id, vector from embeddings
        where dataset_id = ${key.datasetId} and model_id = ${key.modelId} and chunk_id in (${list(chunkIds)})`,
  );
  return rows.map((r) => ({ chunkId: r.chunk_id, vector: toFloat32(r.vector) }));
}

/** Every stored vector of a dataset and model, in pages by chunk id (for a rebuild). */
export async function* allVectors(
  db: Db,
  key: { datasetId: string; modelId: string },
  pageSize = 5000,
): AsyncGenerator<StoredVector> {
  let after = "";
  for (;;) {
    const rows = await rowsOf<{ chunk_id: string; vector: Uint8Array }>(
      db,
      sql`select chunk_id, vector from embeddings
          where dataset_id = ${key.datasetId} and model_id = ${key.modelId} and chunk_id > ${after}
          order by chunk_id limit ${pageSize}`,
    );
    for (const r of rows) yield { chunkId: r.chunk_id, vector: toFloat32(r.vector) };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.chunk_id;
  }
}

/** Stored vector ids of a dataset and model (to find index entries whose chunk is gone). */
export async function storedChunkIds(db: Db, key: { datasetId: string; modelId: string }): Promise<Set<string>> {
  const rows = await rowsOf<{ chunk_id: string }>(
    db,
    sql`select chunk_id from embeddings where dataset_id = ${key.datasetId} and model_id = ${key.modelId}`,
  );
  return new Set(rows.map((r) => r.chunk_id));
}

/** Chunks of the dataset still waiting for a vector of the model. */
export async function pendingChunks(db: Db, key: { datasetId: string; modelId: string }): Promise<number> {
  const [row] = await rowsOf<{ n: string | number }>(
    db,
    sql`select count(*) as n from chunks c where c.dataset_id = ${key.datasetId}
          and not exists (select 1 from embeddings e where e.chunk_id = c.id and e.model_id = ${key.modelId})`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Whether the dataset has nothing left to chunk or embed for the model, so its index may commit a
 * version. Chunking and embedding overlap (the first chunks are embedded while later conversations
 * are still being chunked), so "no chunk without a vector" alone can hold half an import.
 */
export async function datasetSettled(db: Db, key: { datasetId: string; modelId: string }): Promise<boolean> {
  const [chunking] = await rowsOf<{ n: string | number }>(
    db,
    sql`select count(*) as n from imports i
          where i.dataset_id = ${key.datasetId} and i.status = 'completed' and i.messages_added > 0
            and not exists (select 1 from chunked_imports c where c.import_id = i.id)`,
  );
  if (Number(chunking?.n ?? 0) > 0) return false;
  return (await pendingChunks(db, key)) === 0;
}

/** What a version manifest records about the data: chunking versions and imports covered. */
export async function versionSources(
  db: Db,
  datasetId: string,
): Promise<{ chunkingVersion: string; importIds: string[] }> {
  const chunking = await rowsOf<{ v: string }>(
    db,
    sql`select distinct chunking_version as v from chunks where dataset_id = ${datasetId} order by 1`,
  );
  const importRows = await rowsOf<{ id: string }>(
    db,
    sql`select distinct import_id as id from messages where dataset_id = ${datasetId} and import_id is not null`,
  );
  return { chunkingVersion: chunking.map((r) => r.v).join(",") || "none", importIds: importRows.map((r) => r.id) };
}

// ── search log ────────────────────────────────────────────────────────────

export interface SearchLogEntry {
  orgId: string;
  userId: string | null;
  datasetIds: string[];
  mode: string;
  query: string;
  filters: Record<string, unknown> | null;
  latencyMs: number;
  resultCount: number;
}

export async function logSearch(db: Db, e: SearchLogEntry): Promise<void> {
  await db.execute(
    sql`insert into search_log (org_id, user_id, dataset_ids, mode, query, filters, latency_ms, result_count)
        values (${e.orgId}, ${e.userId}, ${JSON.stringify(e.datasetIds)}::jsonb, ${e.mode}, ${e.query},
                ${e.filters === null ? null : JSON.stringify(e.filters)}::jsonb, ${e.latencyMs}, ${e.resultCount})`,
  );
}

/** Deletes search-log rows older than the retention; returns how many. */
export async function purgeSearchLog(db: Db, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const rows = await rowsOf<{ id: string }>(
    db,
    sql`delete from search_log where created_at < ${instant(cutoff)} returning id`,
  );
  return rows.length;
}
