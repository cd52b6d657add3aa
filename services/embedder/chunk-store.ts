import { and, asc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { chunkedImports, chunks, imports, messages, participants } from "../../models/schema.ts";
import { Chunker, type Chunk, type ChatMessage, type ChunkingConfig } from "./chunking.ts";

/**
 * Chunks in the database. Chunk ids are deterministic (conversation, first and last message,
 * chunking version), so re-chunking a conversation inserts only what is new and the chunks it
 * no longer produces (a message arrived in the middle, the chunking config changed) are the
 * ones to delete; their vectors go with them (ON DELETE CASCADE).
 */

export interface ImportRef {
  orgId: string;
  datasetId: string;
  importId: string;
}

export interface RechunkResult {
  conversations: number;
  /** Chunks produced (new or already stored). */
  chunks: number;
  inserted: number;
  deletedIds: string[];
}

export interface RechunkOptions {
  chunking?: Partial<ChunkingConfig>;
  /** Messages read per query; a conversation is never loaded whole. Default 2000. */
  pageSize?: number;
  /** Called with the ids of each batch of newly inserted chunks, so embedding can start while chunking goes on. */
  onInserted?: (chunkIds: string[]) => Promise<void>;
}

const INSERT_ROWS = 500;
const DELETE_IDS = 1000;

/** Conversations of the dataset that an import added messages to: the only ones to re-chunk. */
export async function conversationsOfImport(db: Db, ref: ImportRef): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: messages.conversationId })
    .from(messages)
    .where(
      and(eq(messages.datasetId, ref.datasetId), eq(messages.orgId, ref.orgId), eq(messages.importId, ref.importId)),
    );
  return rows.map((r) => r.id).sort();
}

/** A conversation's messages in (ts, id) order, read page by page with a keyset cursor. */
export async function* conversationMessages(
  db: Db,
  datasetId: string,
  conversationId: string,
  pageSize = 2000,
): AsyncGenerator<ChatMessage> {
  let after: { ts: Date; id: number } | null = null;
  for (;;) {
    const cursor: SQL | undefined = after
      ? or(gt(messages.ts, after.ts), and(eq(messages.ts, after.ts), gt(messages.id, after.id)))
      : undefined;
    const page: { id: number; ts: Date; kind: string; text: string; author: string | null }[] = await db
      .select({
        id: messages.id,
        ts: messages.ts,
        kind: messages.kind,
        text: messages.text,
        author: participants.displayName,
      })
      .from(messages)
      .leftJoin(participants, eq(participants.id, messages.participantId))
      .where(and(eq(messages.datasetId, datasetId), eq(messages.conversationId, conversationId), cursor))
      .orderBy(asc(messages.ts), asc(messages.id))
      .limit(pageSize);
    for (const m of page)
      yield { id: m.id, conversationId, authorName: m.author, text: m.text, timestamp: m.ts, kind: m.kind };
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { ts: last.ts, id: last.id };
  }
}

/** Re-chunks one conversation: inserts missing chunks, deletes stale ones. */
export async function rechunkConversation(
  db: Db,
  orgId: string,
  datasetId: string,
  conversationId: string,
  options: RechunkOptions = {},
): Promise<Omit<RechunkResult, "conversations">> {
  const chunker = new Chunker(options.chunking);
  const produced = new Set<string>();
  let pending: Chunk[] = [];
  let inserted = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const ids = await insertChunks(db, orgId, datasetId, pending);
    pending = [];
    inserted += ids.length;
    if (ids.length > 0) await options.onInserted?.(ids);
  };
  for await (const message of conversationMessages(db, datasetId, conversationId, options.pageSize)) {
    for (const chunk of chunker.push(message)) {
      produced.add(chunk.id);
      pending.push(chunk);
    }
    if (pending.length >= INSERT_ROWS) await flush();
  }
  for (const chunk of chunker.flush()) {
    produced.add(chunk.id);
    pending.push(chunk);
  }
  await flush();

  const stored = await db
    .select({ id: chunks.id })
    .from(chunks)
    .where(and(eq(chunks.datasetId, datasetId), eq(chunks.conversationId, conversationId)));
  const stale = stored.map((r) => r.id).filter((id) => !produced.has(id));
  for (let i = 0; i < stale.length; i += DELETE_IDS)
    await db.delete(chunks).where(inArray(chunks.id, stale.slice(i, i + DELETE_IDS)));
  return { chunks: produced.size, inserted, deletedIds: stale };
}

/** Re-chunks every conversation an import touched. */
export async function rechunkImport(db: Db, ref: ImportRef, options: RechunkOptions = {}): Promise<RechunkResult> {
  const result: RechunkResult = { conversations: 0, chunks: 0, inserted: 0, deletedIds: [] };
  for (const conversationId of await conversationsOfImport(db, ref)) {
    const r = await rechunkConversation(db, ref.orgId, ref.datasetId, conversationId, options);
    result.conversations++;
    result.chunks += r.chunks;
    result.inserted += r.inserted;
    result.deletedIds.push(...r.deletedIds);
  }
  return result;
}

/**
 * Completed imports that added messages and were never chunked, finished before `finishedBefore`:
 * their chunk request was lost (a node died with it on the embedded queue, or publishing failed
 * for good while the database or NATS was away). The sweep asks for their chunking again.
 */
export async function importsAwaitingChunking(db: Db, finishedBefore: Date): Promise<ImportRef[]> {
  return db
    .select({ orgId: imports.orgId, datasetId: imports.datasetId, importId: imports.id })
    .from(imports)
    .leftJoin(chunkedImports, eq(chunkedImports.importId, imports.id))
    .where(
      and(
        eq(imports.status, "completed"),
        isNull(chunkedImports.importId),
        gt(imports.messagesAdded, 0),
        lt(imports.finishedAt, finishedBefore),
      ),
    );
}

/**
 * Records that the import's chunks are all written (its dataset's index may commit once they have
 * vectors). An import deleted meanwhile (its dataset was) gets no mark.
 */
export async function markImportChunked(db: Db, ref: ImportRef): Promise<void> {
  await db.execute(
    sql`insert into chunked_imports (import_id, dataset_id)
          select id, dataset_id from imports where id = ${ref.importId} and dataset_id = ${ref.datasetId}
        on conflict (import_id) do update set chunked_at = now()`,
  );
}

async function insertChunks(db: Db, orgId: string, datasetId: string, list: Chunk[]): Promise<string[]> {
  const rows = await db
    .insert(chunks)
    .values(
      list.map((c) => ({
        id: c.id,
        orgId,
        datasetId,
        conversationId: c.conversationId,
        chunkingVersion: c.chunkingVersion,
        messageIds: c.messageIds.map(Number),
        text: c.text,
        startTs: c.startTs,
        endTs: c.endTs,
      })),
    )
    .onConflictDoNothing({ target: chunks.id })
    .returning({ id: chunks.id });
  return rows.map((r) => r.id);
}
