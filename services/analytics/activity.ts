/**
 * Activity analytics of one dataset as SQL aggregates (PostgreSQL syntax that PGlite runs
 * unchanged): counts, time series, heatmaps, reply delays, starters and streaks are computed
 * by the database, so only their small results cross the wire. Text statistics (emoji,
 * links, words) need the text itself and live in text-stats.ts.
 *
 * Every query is scoped by org and dataset first; the filters narrow it further.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { instant, list, num, rowsOf } from "../../models/sql.ts";

export interface ActivityFilter {
  orgId: string;
  datasetId: string;
  conversationId?: string;
  participantIds?: string[];
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** IANA zone that days, weeks, hours and weekdays are counted in. */
  timeZone: string;
}

export type Granularity = "day" | "week" | "month";

/** Filters on `m` (messages); `withParticipants: false` leaves the author filter to the caller. */
export function messageWhere(f: ActivityFilter, withParticipants = true): SQL {
  const parts: SQL[] = [sql`m.org_id = ${f.orgId}`, sql`m.dataset_id = ${f.datasetId}`];
  if (f.conversationId) parts.push(sql`m.conversation_id = ${f.conversationId}`);
  if (f.from) parts.push(sql`m.ts >= ${instant(f.from)}`);
  if (f.to) parts.push(sql`m.ts < ${instant(f.to)}`);
  if (withParticipants && f.participantIds?.length) parts.push(sql`m.participant_id in (${list(f.participantIds)})`);
  return sql.join(parts, sql` and `);
}

const local = (f: ActivityFilter) => sql`(m.ts at time zone ${f.timeZone})`;

export interface PeriodCount {
  /** First day of the period in the requested zone, YYYY-MM-DD (weeks start on Monday). */
  period: string;
  messages: number;
}

export async function messagesOverTime(db: Db, f: ActivityFilter, granularity: Granularity): Promise<PeriodCount[]> {
  const rows = await rowsOf<{ period: string; messages: unknown }>(
    db,
    sql`select to_char(date_trunc(${granularity}, ${local(f)}), 'YYYY-MM-DD') as period, count(*) as messages
        from messages m where ${messageWhere(f)} group by 1 order by 1`,
  );
  return rows.map((r) => ({ period: r.period, messages: num(r.messages) }));
}

export interface HeatmapCell {
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  hour: number;
  messages: number;
}

/** All 7 × 24 cells, zeros included, Monday 00h first. */
export async function weekdayHourHeatmap(db: Db, f: ActivityFilter): Promise<HeatmapCell[]> {
  const rows = await rowsOf<{ weekday: unknown; hour: unknown; messages: unknown }>(
    db,
    sql`select extract(isodow from ${local(f)})::int as weekday, extract(hour from ${local(f)})::int as hour, count(*) as messages
        from messages m where ${messageWhere(f)} group by 1, 2`,
  );
  const grid = new Map(rows.map((r) => [`${num(r.weekday)}:${num(r.hour)}`, num(r.messages)]));
  const cells: HeatmapCell[] = [];
  for (let weekday = 1; weekday <= 7; weekday++)
    for (let hour = 0; hour < 24; hour++) cells.push({ weekday, hour, messages: grid.get(`${weekday}:${hour}`) ?? 0 });
  return cells;
}

export interface ParticipantActivity {
  participantId: string;
  name: string;
  messages: number;
  /** Characters per text message. */
  avgLength: number;
  first: string;
  last: string;
}

export async function topParticipants(db: Db, f: ActivityFilter, limit: number): Promise<ParticipantActivity[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`select m.participant_id as id, p.display_name as name, count(*) as messages,
               coalesce(avg(char_length(m.text)) filter (where m.kind = 'text'), 0) as avg_length,
               min(m.ts) as first, max(m.ts) as last
        from messages m join participants p on p.id = m.participant_id
        where ${messageWhere(f)} group by m.participant_id, p.display_name
        order by messages desc, name limit ${limit}`,
  );
  return rows.map((r) => ({
    participantId: String(r.id),
    name: String(r.name),
    messages: num(r.messages),
    avgLength: round(num(r.avg_length)),
    first: new Date(r.first as string).toISOString(),
    last: new Date(r.last as string).toISOString(),
  }));
}

/** Length buckets in characters: [min, max) with max null for the open last one. */
export const LENGTH_BUCKETS: [number, number | null][] = [
  [0, 10],
  [10, 20],
  [20, 50],
  [50, 100],
  [100, 200],
  [200, 500],
  [500, null],
];

export interface MessageLengths {
  textMessages: number;
  avg: number;
  median: number;
  p90: number;
  max: number;
  buckets: { min: number; max: number | null; messages: number }[];
}

/** Over text messages only: media placeholders and system lines would skew the figures. */
export async function messageLengths(db: Db, f: ActivityFilter): Promise<MessageLengths> {
  const bucketCase = sql.join(
    LENGTH_BUCKETS.map(([min, max], i) =>
      max === null
        ? sql`count(*) filter (where char_length(m.text) >= ${min}) as b${sql.raw(String(i))}`
        : sql`count(*) filter (where char_length(m.text) >= ${min} and char_length(m.text) < ${max}) as b${sql.raw(String(i))}`,
    ),
    sql`, `,
  );
  const [r] = await rowsOf<Record<string, unknown>>(
    db,
    sql`select count(*) as n, coalesce(avg(char_length(m.text)), 0) as avg,
               coalesce(percentile_cont(0.5) within group (order by char_length(m.text)), 0) as median,
               coalesce(percentile_cont(0.9) within group (order by char_length(m.text)), 0) as p90,
               coalesce(max(char_length(m.text)), 0) as max, ${bucketCase}
        from messages m where ${messageWhere(f)} and m.kind = 'text'`,
  );
  return {
    textMessages: num(r!.n),
    avg: round(num(r!.avg)),
    median: num(r!.median),
    p90: num(r!.p90),
    max: num(r!.max),
    buckets: LENGTH_BUCKETS.map(([min, max], i) => ({ min, max, messages: num(r![`b${i}`]) })),
  };
}

export interface ResponseTime {
  fromParticipantId: string;
  fromName: string;
  toParticipantId: string;
  toName: string;
  replies: number;
  medianSeconds: number;
}

/**
 * A reply is a message whose author differs from the previous message's in the same
 * conversation, sent within `gapHours` of it (after a longer silence it starts a new
 * conversation instead, see `conversationStarters`). System messages are left out of the
 * sequence. With a participant filter, pairs where either side is one of them are kept.
 */
export async function responseTimes(db: Db, f: ActivityFilter, gapHours: number): Promise<ResponseTime[]> {
  const pairFilter = f.participantIds?.length
    ? sql`and (o.prev_participant in (${list(f.participantIds)}) or o.participant_id in (${list(f.participantIds)}))`
    : sql``;
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`with o as (
          select m.participant_id, m.ts,
                 lag(m.participant_id) over w as prev_participant, lag(m.ts) over w as prev_ts
          from messages m where ${messageWhere(f, false)} and m.kind <> 'system' and m.participant_id is not null
          window w as (partition by m.conversation_id order by m.ts, m.id))
        select o.prev_participant as from_id, pf.display_name as from_name, o.participant_id as to_id, pt.display_name as to_name,
               count(*) as replies,
               percentile_cont(0.5) within group (order by extract(epoch from (o.ts - o.prev_ts))) as median_s
        from o join participants pf on pf.id = o.prev_participant join participants pt on pt.id = o.participant_id
        where o.participant_id <> o.prev_participant and o.ts - o.prev_ts <= ${gapHours}::float8 * interval '1 hour' ${pairFilter}
        group by 1, 2, 3, 4 order by replies desc, from_name, to_name`,
  );
  return rows.map((r) => ({
    fromParticipantId: String(r.from_id),
    fromName: String(r.from_name),
    toParticipantId: String(r.to_id),
    toName: String(r.to_name),
    replies: num(r.replies),
    medianSeconds: round(num(r.median_s)),
  }));
}

export interface Starter {
  participantId: string;
  name: string;
  conversationsStarted: number;
}

/** Who opens a conversation: the first message of each conversation and every message after a silence of more than `gapHours`. */
export async function conversationStarters(
  db: Db,
  f: ActivityFilter,
  gapHours: number,
  limit: number,
): Promise<Starter[]> {
  const participantFilter = f.participantIds?.length ? sql`and o.participant_id in (${list(f.participantIds)})` : sql``;
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`with o as (
          select m.participant_id, m.ts, lag(m.ts) over w as prev_ts
          from messages m where ${messageWhere(f, false)} and m.kind <> 'system'
          window w as (partition by m.conversation_id order by m.ts, m.id))
        select o.participant_id as id, p.display_name as name, count(*) as started
        from o join participants p on p.id = o.participant_id
        where (o.prev_ts is null or o.ts - o.prev_ts > ${gapHours}::float8 * interval '1 hour') ${participantFilter}
        group by 1, 2 order by started desc, name limit ${limit}`,
  );
  return rows.map((r) => ({ participantId: String(r.id), name: String(r.name), conversationsStarted: num(r.started) }));
}

export interface Streak {
  /** First and last active day (YYYY-MM-DD in the requested zone). */
  start: string;
  end: string;
  days: number;
}

/** Longest runs of consecutive days with at least one message (gaps and islands over distinct local days). */
export async function longestStreaks(db: Db, f: ActivityFilter, limit: number): Promise<Streak[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`with d as (select distinct (${local(f)})::date as day from messages m where ${messageWhere(f)}),
             g as (select day, day - (row_number() over (order by day))::int as island from d)
        select to_char(min(day), 'YYYY-MM-DD') as start, to_char(max(day), 'YYYY-MM-DD') as "end", count(*) as days
        from g group by island order by days desc, start limit ${limit}`,
  );
  return rows.map((r) => ({ start: String(r.start), end: String(r.end), days: num(r.days) }));
}

export interface KindCounts {
  total: number;
  /** Messages per kind (text, media, system, deleted, sticker, …). */
  byKind: Record<string, number>;
  media: number;
  system: number;
  deleted: number;
  edited: number;
  participants: number;
  conversations: number;
  first: string | null;
  last: string | null;
}

export async function kindCounts(db: Db, f: ActivityFilter): Promise<KindCounts> {
  const byKindRows = await rowsOf<{ kind: string; n: unknown }>(
    db,
    sql`select m.kind, count(*) as n from messages m where ${messageWhere(f)} group by 1 order by 1`,
  );
  const [t] = await rowsOf<Record<string, unknown>>(
    db,
    sql`select count(*) as total, count(*) filter (where m.edited) as edited, count(distinct m.participant_id) as participants,
               count(distinct m.conversation_id) as conversations, min(m.ts) as first, max(m.ts) as last
        from messages m where ${messageWhere(f)}`,
  );
  const byKind = Object.fromEntries(byKindRows.map((r) => [r.kind, num(r.n)]));
  return {
    total: num(t!.total),
    byKind,
    media: byKind.media ?? 0,
    system: byKind.system ?? 0,
    deleted: byKind.deleted ?? 0,
    edited: num(t!.edited),
    participants: num(t!.participants),
    conversations: num(t!.conversations),
    first: t!.first ? new Date(t!.first as string).toISOString() : null,
    last: t!.last ? new Date(t!.last as string).toISOString() : null,
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
