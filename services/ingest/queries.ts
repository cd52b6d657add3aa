import { and, asc, desc, eq, gt, gte, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { conversations, imports, messages, participants } from "../../models/schema.ts";
import { ClientError, notFound } from "../../core/errors.ts";

type ImportRow = typeof imports.$inferSelect;

export function importView(row: ImportRow) {
  // Bookkeeping of the job, not part of what an import is to its users.
  const { orgId: _o, nodeId: _n, heartbeatAt: _h, ...rest } = row;
  return rest;
}

export async function getImport(db: Db, orgId: string, id: string) {
  const [row] = await db
    .select()
    .from(imports)
    .where(and(eq(imports.orgId, orgId), eq(imports.id, id)));
  if (!row) throw notFound("Import");
  return importView(row);
}

export async function listImports(db: Db, orgId: string, datasetId: string, limit: number) {
  const rows = await db
    .select()
    .from(imports)
    .where(and(eq(imports.orgId, orgId), eq(imports.datasetId, datasetId)))
    .orderBy(desc(imports.createdAt))
    .limit(limit);
  return rows.map(importView);
}

const toIso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

/** Drizzle leaves columns unqualified in one-table selects; the subqueries need the outer table's name. */
const CONVERSATION_ID = sql.raw(`"conversations"."id"`);

export async function listConversations(db: Db, orgId: string, datasetId: string) {
  const rows = await db
    .select({
      id: conversations.id,
      name: conversations.name,
      platform: conversations.platform,
      kind: conversations.kind,
      sourceKey: conversations.sourceKey,
      createdAt: conversations.createdAt,
      messageCount: sql<number>`(select count(*)::int from messages m where m.conversation_id = ${CONVERSATION_ID})`,
      firstMessageAt: sql<string | null>`(select min(ts) from messages m where m.conversation_id = ${CONVERSATION_ID})`,
      lastMessageAt: sql<string | null>`(select max(ts) from messages m where m.conversation_id = ${CONVERSATION_ID})`,
    })
    .from(conversations)
    .where(and(eq(conversations.orgId, orgId), eq(conversations.datasetId, datasetId)))
    .orderBy(asc(conversations.name), asc(conversations.id));
  return rows.map((r) => ({
    ...r,
    messageCount: Number(r.messageCount),
    firstMessageAt: toIso(r.firstMessageAt),
    lastMessageAt: toIso(r.lastMessageAt),
  }));
}

export async function listParticipants(db: Db, orgId: string, datasetId: string) {
  const counts = db
    .select({ participantId: messages.participantId, n: sql<number>`count(*)::int`.as("n") })
    .from(messages)
    .where(eq(messages.datasetId, datasetId))
    .groupBy(messages.participantId)
    .as("counts");
  const rows = await db
    .select({
      id: participants.id,
      displayName: participants.displayName,
      platformId: participants.platformId,
      sourceKey: participants.sourceKey,
      messageCount: sql<number>`coalesce(${counts.n}, 0)`,
    })
    .from(participants)
    .leftJoin(counts, eq(counts.participantId, participants.id))
    .where(and(eq(participants.orgId, orgId), eq(participants.datasetId, datasetId)))
    .orderBy(asc(participants.displayName), asc(participants.id));
  return rows.map((r) => ({ ...r, messageCount: Number(r.messageCount) }));
}

const messageColumns = {
  id: messages.id,
  conversationId: messages.conversationId,
  participantId: messages.participantId,
  author: participants.displayName,
  importId: messages.importId,
  ts: messages.ts,
  localTime: messages.localTime,
  timeZone: messages.timeZone,
  kind: messages.kind,
  text: messages.text,
  replyTo: messages.replyTo,
  edited: messages.edited,
  editedAt: messages.editedAt,
  forwardedFrom: messages.forwardedFrom,
  reactions: messages.reactions,
  attachments: messages.attachments,
  sourceFile: messages.sourceFile,
  sourceLine: messages.sourceLine,
  sourcePath: messages.sourcePath,
};

/** A page position: the (ts, id) of the last message seen, as `<iso time>_<id>`. */
export function encodeCursor(ts: Date, id: number): string {
  return `${ts.toISOString()}_${id}`;
}

function decodeCursor(cursor: string): { ts: Date; id: number } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)_(\d{1,18})$/.exec(cursor);
  const ts = m ? new Date(m[1]!) : undefined;
  if (!m || !ts || Number.isNaN(ts.getTime()))
    throw new ClientError("VALIDATION_ERROR", "Invalid cursor", { field: "cursor" });
  return { ts, id: Number(m[2]) };
}

export interface MessageQuery {
  orgId: string;
  datasetId: string;
  conversationId: string;
  cursor?: string;
  /** Oldest first (default) or newest first. */
  order: "asc" | "desc";
  limit: number;
  from?: Date;
  to?: Date;
  participantId?: string;
  kind?: string;
  /** Full-text filter (websearch syntax) over the message text. */
  q?: string;
}

/** Messages of one conversation, keyset-paginated by (ts, id) so deep pages cost the same as the first. */
export async function listMessages(db: Db, q: MessageQuery) {
  const conv = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.orgId, q.orgId),
        eq(conversations.datasetId, q.datasetId),
        eq(conversations.id, q.conversationId),
      ),
    );
  if (!conv.length) throw notFound("Conversation");
  const where: (SQL | undefined)[] = [eq(messages.orgId, q.orgId), eq(messages.conversationId, q.conversationId)];
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const after = q.order === "asc";
    where.push(
      or(
        after ? gt(messages.ts, c.ts) : lt(messages.ts, c.ts),
        and(eq(messages.ts, c.ts), after ? gt(messages.id, c.id) : lt(messages.id, c.id)),
      ),
    );
  }
  if (q.from) where.push(gte(messages.ts, q.from));
  if (q.to) where.push(lte(messages.ts, q.to));
  if (q.participantId) where.push(eq(messages.participantId, q.participantId));
  if (q.kind) where.push(eq(messages.kind, q.kind));
  if (q.q) where.push(sql`${messages.search} @@ websearch_to_tsquery('english', ${q.q})`);
  const dir = q.order === "asc" ? asc : desc;
  const rows = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(participants, eq(participants.id, messages.participantId))
    .where(and(...where))
    .orderBy(dir(messages.ts), dir(messages.id))
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(last.ts, last.id) : null };
}

/** One message with up to `context` neighbours before and after it in its conversation. */
export async function getMessageWithContext(db: Db, orgId: string, datasetId: string, id: number, context: number) {
  const [message] = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(participants, eq(participants.id, messages.participantId))
    .where(and(eq(messages.orgId, orgId), eq(messages.datasetId, datasetId), eq(messages.id, id)));
  if (!message) throw notFound("Message");
  const same = eq(messages.conversationId, message.conversationId);
  const before = context
    ? await db
        .select(messageColumns)
        .from(messages)
        .leftJoin(participants, eq(participants.id, messages.participantId))
        .where(and(same, or(lt(messages.ts, message.ts), and(eq(messages.ts, message.ts), lt(messages.id, id)))))
        .orderBy(desc(messages.ts), desc(messages.id))
        .limit(context)
    : [];
  const after = context
    ? await db
        .select(messageColumns)
        .from(messages)
        .leftJoin(participants, eq(participants.id, messages.participantId))
        .where(and(same, or(gt(messages.ts, message.ts), and(eq(messages.ts, message.ts), gt(messages.id, id)))))
        .orderBy(asc(messages.ts), asc(messages.id))
        .limit(context)
    : [];
  return { message, before: before.reverse(), after };
}

/** An import's row as users see it, of any org (an operator's import from the REPL). */
export async function importById(db: Db, id: string) {
  const [row] = await db.select().from(imports).where(eq(imports.id, id));
  if (!row) throw notFound("Import");
  return importView(row);
}

/** The status of each of these imports that has a row. */
export async function importStatuses(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .select({ id: imports.id, status: imports.status })
    .from(imports)
    .where(inArray(imports.id, ids));
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Records a checked upload as queued on this node. */
export async function recordQueuedImport(
  db: Db,
  job: { importId: string; orgId: string; datasetId: string; format?: string; filename: string; options: object },
  row: { bytesTotal: number; createdBy: string | null; nodeId: string },
) {
  const [inserted] = await db
    .insert(imports)
    .values({
      id: job.importId,
      orgId: job.orgId,
      datasetId: job.datasetId,
      format: job.format ?? null,
      filename: job.filename,
      status: "queued",
      bytesTotal: row.bytesTotal,
      options: { ...job.options, ...(job.format ? { format: job.format } : {}) },
      createdBy: row.createdBy,
      nodeId: row.nodeId,
      heartbeatAt: new Date(),
    })
    .returning();
  return importView(inserted!);
}
