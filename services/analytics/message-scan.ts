/**
 * One read of a dataset's filtered messages for every dashboard table that needs their text
 * (text stats, the per-person breakdown and most reacted messages, sentiment): rows come in
 * keyset-paginated batches (never the whole dataset in memory) and each batch goes to every
 * visitor in turn. A message's words, emoji and links are extracted once, on first use, and
 * shared by the visitors. The dashboard read the texts three times before (issue 17: a 30k chat's
 * dashboard at ~2 s while embedding ran, the three scans most of it).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { rowsOf } from "../../models/sql.ts";
import { type ActivityFilter, type Granularity, messageWhere } from "./activity.ts";
import { textFactsOf, type TextFacts } from "./text-stats.ts";

interface Row {
  id: unknown;
  participant_id: string | null;
  name: string | null;
  conversation_id: string;
  kind: string;
  text: string;
  ts: unknown;
  period: string;
  reply_to: string | null;
  reactions: unknown;
}

/** One message of the scan; fields a visitor did not ask for (ScanNeeds) are undefined. */
export class ScannedMessage {
  readonly id: number;
  readonly kind: string;
  readonly text: string;
  readonly participantId: string | null;
  /** The author's display name. */
  readonly name: string | null;
  readonly ts: unknown;
  readonly replyTo: string | null;
  readonly reactions: unknown;
  readonly conversationId: string;
  /** First day of the message's period (the requested granularity, in the filter's zone), YYYY-MM-DD. */
  readonly period: string;
  private facts?: TextFacts;

  constructor(r: Row) {
    this.id = Number(r.id);
    this.kind = r.kind;
    this.text = r.text;
    this.participantId = r.participant_id;
    this.name = r.name;
    this.ts = r.ts;
    this.replyTo = r.reply_to;
    this.reactions = r.reactions;
    this.conversationId = r.conversation_id;
    this.period = r.period;
  }

  /** Words, emoji and links of the text, extracted once whichever visitor asks first. */
  get textFacts(): TextFacts {
    this.facts ??= textFactsOf(this.text);
    return this.facts;
  }
}

/** What a visitor reads beyond each message's id, kind and text: the scan selects only what some visitor reads. */
export interface ScanNeeds {
  /** Every kind of message, not only text messages. */
  allKinds?: boolean;
  /** participantId, name (of the author), ts, replyTo, reactions. */
  author?: boolean;
  conversation?: boolean;
  period?: boolean;
}

export interface MessageVisitor {
  readonly needs: ScanNeeds;
  /**
   * One batch, in id order; every message of the filter is in exactly one batch (text messages
   * only, unless some visitor needs all kinds: filter on `kind`).
   */
  visit(batch: readonly ScannedMessage[]): void | Promise<void>;
}

export async function scanMessages(
  db: Db,
  f: ActivityFilter,
  granularity: Granularity,
  visitors: readonly MessageVisitor[],
  batchSize = 5000,
): Promise<void> {
  if (!visitors.length) return;
  const needs = (k: keyof ScanNeeds) => visitors.some((v) => v.needs[k]);
  // Only the columns and rows some visitor reads: a period per row and the author join cost
  // (text stats alone took twice as long with them).
  const columns = [sql`m.id`, sql`m.kind`, sql`m.text`];
  if (needs("author")) columns.push(sql`m.participant_id, p.display_name as name, m.ts, m.reply_to, m.reactions`);
  if (needs("conversation")) columns.push(sql`m.conversation_id`);
  if (needs("period"))
    columns.push(sql`to_char(date_trunc(${granularity}, m.ts at time zone ${f.timeZone}), 'YYYY-MM-DD') as period`);
  const from = needs("author") ? sql`messages m left join participants p on p.id = m.participant_id` : sql`messages m`;
  const kinds = needs("allKinds") ? sql`` : sql` and m.kind = 'text'`;
  let after = 0;
  for (;;) {
    const rows = await rowsOf<Row>(
      db,
      sql`select ${sql.join(columns, sql`, `)} from ${from}
          where ${messageWhere(f)}${kinds} and m.id > ${after} order by m.id limit ${batchSize}`,
    );
    const batch = rows.map((r) => new ScannedMessage(r));
    for (const v of visitors) {
      await v.visit(batch);
      // One visitor's work on a batch at a time: other requests get the event loop between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (rows.length < batchSize) break;
    after = Number(rows[rows.length - 1]!.id);
  }
}
