import { sql } from "drizzle-orm";
import type { Database } from "../../models/db.ts";
import type { Conversation, Message, Participant } from "./types.ts";

export interface ImportTarget {
  orgId: string;
  datasetId: string;
  importId: string;
}

/** ES2024 string methods (Node 20 has them; the project's lib setting predates them). */
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/** Postgres text cannot hold NUL, and its JSON parser refuses lone surrogates. */
function clean(s: string): string;
function clean(s: string | undefined): string | undefined;
function clean(s: string | undefined): string | undefined {
  if (s === undefined) return s;
  if (s.includes("\u0000")) s = s.replaceAll("\u0000", "");
  return (s as WellFormed).isWellFormed() ? s : (s as WellFormed).toWellFormed();
}

/**
 * Writes one import's rows. Conversations and participants are upserted as the parser
 * announces them (their ids are kept in memory: a few per export); messages go in batches of
 * one statement each, `INSERT … SELECT FROM json_to_recordset($1) ON CONFLICT (dataset_id,
 * source_key) DO NOTHING`, which counts only rows really added. One JSON parameter per batch
 * keeps the statement identical on PGlite and PostgreSQL, avoids the 65,535-parameter limit of
 * multi-row VALUES, and lets PostgreSQL parse the batch server-side.
 *
 * Every row this import creates carries its `import_id`, so a failed import can be removed
 * (`discardImportRows`) without a transaction spanning the whole import: on PGlite (one
 * connection) such a transaction would block every other query until the import ends.
 */
/** An overlapping export of a conversation already in the dataset, folded into it. */
export interface ConversationMerge {
  /** The conversation this import's file would have made, and the one it was merged into. */
  from: string;
  into: string;
  /** Messages of this import that the existing conversation already held (stored once). */
  duplicates: number;
  /** Messages of this import that were new, now in the existing conversation. */
  moved: number;
}

/** Messages in common (same instant, author, text and occurrence) for two exports to be one chat. */
const MERGE_MIN_OVERLAP = 3;

/**
 * Messages added by one import past which the table's planner statistics are refreshed before
 * the overlap queries run. Right after a bulk insert PostgreSQL still believes the table holds
 * what it held before (autovacuum analyses it a minute or more later): on a fresh dataset it
 * estimated 17 rows for a 1M-message conversation and planned the overlap join as a nested loop
 * over a materialised scan, quadratic, 13 minutes and counting (bench/import-whatsapp.ts).
 */
const ANALYZE_AFTER_MESSAGES = 10_000;

export class ImportWriter {
  private readonly conversationIds = new Map<string, string>();
  /** Conversations this import created: only these may turn out to be another export of a stored chat. */
  private readonly createdConversations: { key: string; id: string; platform: string; name: string }[] = [];
  private readonly participantIds = new Map<string, string>();
  conversationsAdded = 0;
  participantsAdded = 0;

  constructor(
    private readonly database: Database,
    private readonly target: ImportTarget,
  ) {}

  async conversation(c: Conversation): Promise<void> {
    if (this.conversationIds.has(c.key)) return;
    const { orgId, datasetId, importId } = this.target;
    const [row] = await this.database.rows<{ id: string; inserted: boolean }>(sql`
      insert into conversations (org_id, dataset_id, source_key, name, platform, kind, import_id)
      values (${orgId}, ${datasetId}, ${c.key}, ${clean(c.name)}, ${c.platform}, ${c.kind}, ${importId})
      on conflict (dataset_id, source_key) do update set source_key = excluded.source_key
      returning id, (xmax = 0) as inserted`);
    this.conversationIds.set(c.key, row!.id);
    if (row!.inserted) {
      this.conversationsAdded++;
      this.createdConversations.push({ key: c.key, id: row!.id, platform: c.platform, name: c.name });
    }
  }

  /**
   * Folds each conversation this import created into a stored conversation of the same
   * platform that shares messages with it: the same chat exported again under another file
   * name (conversation keys of text exports come from the file name). Identity comes from the
   * messages themselves: source keys after the conversation prefix hash the instant, the
   * author (a participant key, shared across the dataset) and the content plus the occurrence
   * among identical messages, so equal suffixes at the same instant are the same message. At
   * least MERGE_MIN_OVERLAP of them (or all, for a shorter export) must match. Messages the
   * stored conversation already has are dropped; the rest move over with its key prefix.
   */
  async mergeOverlaps(messagesAdded: number): Promise<ConversationMerge[]> {
    const merges: ConversationMerge[] = [];
    const { datasetId } = this.target;
    if (this.createdConversations.length === 0 || !(await this.mayOverlap(datasetId))) return merges;
    if (messagesAdded >= ANALYZE_AFTER_MESSAGES) await this.database.rows(sql`analyze messages`);
    // One upload may hold several exports of a chat (a zip of two overlapping exports). Going from the upload's last file
    // back, each is folded into what it overlaps most, a stored conversation or an earlier file, and is gone before the
    // earlier files are looked at: the first file's conversation stays. (A later file still there overlapped nothing.)
    const created = this.createdConversations;
    for (let index = created.length - 1; index >= 0; index--) {
      const merge = await this.mergeOne(created[index]!, datasetId);
      if (merge) merges.unshift(merge);
    }
    return merges;
  }

  /**
   * Whether any conversation of this import could be another export of a chat the dataset holds:
   * only if some other conversation of its platform exists (stored, or another file of this
   * upload). Most imports (a first upload, a new chat) stop here, before any message is read.
   */
  private async mayOverlap(datasetId: string): Promise<boolean> {
    const platforms = [...new Set(this.createdConversations.map((c) => c.platform))];
    // Two conversations of these platforms: this import's own and another, or two of its files.
    const [row] = await this.database.rows<{ n: number }>(sql`
      select count(*)::int as n from (
        select 1 from conversations
        where dataset_id = ${datasetId} and platform in (${sql.join(
          platforms.map((p) => sql`${p}`),
          sql`, `,
        )})
        limit 2) as two`);
    return Number(row?.n ?? 0) >= 2;
  }

  private async mergeOne(
    created: { key: string; id: string; platform: string; name: string },
    datasetId: string,
  ): Promise<ConversationMerge | undefined> {
    const prefixLength = created.key.length;
    const [counts] = await this.database.rows<{ n: number }>(
      sql`select count(*)::int as n from messages where conversation_id = ${created.id}`,
    );
    const total = Number(counts?.n ?? 0);
    if (total === 0) return undefined;
    const [best] = await this.database.rows<{ id: string; name: string; key: string; overlap: number }>(sql`
      select c.id, c.name, c.source_key as key, count(*)::int as overlap
      from messages n
      join messages o on o.dataset_id = n.dataset_id and o.ts = n.ts and o.conversation_id <> n.conversation_id
      join conversations c on c.id = o.conversation_id
      where n.conversation_id = ${created.id} and n.dataset_id = ${datasetId} and c.platform = ${created.platform}
        and substr(o.source_key, length(c.source_key) + 1) = substr(n.source_key, ${prefixLength + 1})
      group by c.id, c.name, c.source_key
      order by overlap desc
      limit 1`);
    if (!best || Number(best.overlap) < Math.min(MERGE_MIN_OVERLAP, total)) return undefined;
    const [dropped] = await this.database.rows<{ n: number }>(sql`
      with dup as (
        delete from messages n using messages o
        where n.conversation_id = ${created.id} and o.conversation_id = ${best.id} and o.dataset_id = n.dataset_id and o.ts = n.ts
          and substr(o.source_key, ${best.key.length + 1}) = substr(n.source_key, ${prefixLength + 1})
        returning 1)
      select count(*)::int as n from dup`);
    const [moved] = await this.database.rows<{ n: number }>(sql`
      with moved as (
        update messages set conversation_id = ${best.id}, source_key = ${best.key} || substr(source_key, ${prefixLength + 1})
        where conversation_id = ${created.id}
        returning 1)
      select count(*)::int as n from moved`);
    await this.database.rows(sql`delete from conversations where id = ${created.id}`);
    this.conversationIds.set(created.key, best.id);
    this.conversationsAdded--;
    return { from: created.name, into: best.name, duplicates: Number(dropped?.n ?? 0), moved: Number(moved?.n ?? 0) };
  }

  /**
   * Participant events are upserts (a later record may reveal a better name), but only rows
   * this import created are renamed: a failed import must not have changed existing rows.
   */
  async participant(p: Participant): Promise<void> {
    const { orgId, datasetId, importId } = this.target;
    const [row] = await this.database.rows<{ id: string; inserted: boolean }>(sql`
      insert into participants (org_id, dataset_id, source_key, platform_id, display_name, import_id)
      values (${orgId}, ${datasetId}, ${p.key}, ${p.platformId ?? null}, ${clean(p.displayName)}, ${importId})
      on conflict (dataset_id, source_key) do update set
        display_name = case when participants.import_id = ${importId} then excluded.display_name else participants.display_name end,
        platform_id = case when participants.import_id = ${importId} then coalesce(excluded.platform_id, participants.platform_id) else participants.platform_id end
      returning id, (xmax = 0) as inserted`);
    if (!this.participantIds.has(p.key) && row!.inserted) this.participantsAdded++;
    this.participantIds.set(p.key, row!.id);
  }

  /** Inserts a batch; returns how many messages were new to the dataset. */
  async messages(batch: Message[]): Promise<number> {
    if (batch.length === 0) return 0;
    const records = batch.map((m) => {
      const conversationId = this.conversationIds.get(m.conversationKey);
      if (!conversationId)
        throw new Error(`message ${m.sourceKey} refers to unknown conversation ${m.conversationKey}`);
      return {
        c: conversationId,
        p: m.authorKey === undefined ? null : (this.participantIds.get(m.authorKey) ?? null),
        k: m.sourceKey,
        ts: m.timestamp.toISOString(),
        lt: m.localTime,
        tz: m.timeZone,
        kind: m.kind,
        text: clean(m.text),
        rt: m.replyTo ?? null,
        ed: m.edited,
        eat: m.editedAt ? m.editedAt.toISOString() : null,
        fw: m.forwardedFrom === undefined ? null : clean(m.forwardedFrom),
        re: m.reactions.length
          ? m.reactions.map((r) =>
              r.by ? { emoji: r.emoji, count: r.count, users: r.by } : { emoji: r.emoji, count: r.count },
            )
          : null,
        at: m.attachments.length ? m.attachments : null,
        sf: clean(m.source.file),
        sl: m.source.line ?? null,
        sp: m.source.path === undefined ? null : clean(m.source.path),
      };
    });
    const { orgId, datasetId, importId } = this.target;
    const [row] = await this.database.rows<{ added: number | string }>(sql`
      with added as (
        insert into messages (org_id, dataset_id, import_id, conversation_id, participant_id, source_key, ts, local_time, time_zone,
          kind, text, reply_to, edited, edited_at, forwarded_from, reactions, attachments, source_file, source_line, source_path)
        select ${orgId}::uuid, ${datasetId}::uuid, ${importId}::uuid, r.c, r.p, r.k, r.ts, r.lt, r.tz,
          r.kind, r.text, r.rt, r.ed, r.eat, r.fw, r.re, r.at, r.sf, r.sl, r.sp
        from json_to_recordset(${JSON.stringify(records)}::json) as r(c uuid, p uuid, k text, ts timestamptz, lt text, tz text,
          kind text, text text, rt text, ed boolean, eat timestamptz, fw text, re jsonb, at jsonb, sf text, sl integer, sp text)
        on conflict (dataset_id, source_key) do nothing
        returning 1
      )
      select count(*)::int as added from added`);
    return Number(row!.added);
  }
}

/**
 * Removes what one import added: its messages, then the conversations and participants it
 * created that no other import's messages use. Rows that existed before are never touched
 * (ON CONFLICT DO NOTHING left them without this import's id).
 */
export async function discardImportRows(database: Database, importId: string, datasetId: string): Promise<void> {
  await database.rows(sql`delete from messages where import_id = ${importId}`);
  await database.rows(sql`
    delete from conversations c where c.import_id = ${importId}
      and not exists (select 1 from messages m where m.conversation_id = c.id)`);
  await database.rows(sql`
    delete from participants p where p.import_id = ${importId}
      and p.id not in (select distinct participant_id from messages where dataset_id = ${datasetId} and participant_id is not null)`);
}
