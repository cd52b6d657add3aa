/**
 * Calls over time: the call records the parsers keep as messages of kind "call"
 * (WhatsApp's "Missed voice call", Telegram's phone_call, Messenger and Discord calls),
 * per period, split into missed and answered and into video and voice by their text in
 * the export languages the parsers know.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { num, rowsOf } from "../../models/sql.ts";
import { type ActivityFilter, type Granularity, messageWhere } from "./activity.ts";

/** "missed", "llamada perdida", "verpasster Anruf", "appel manqué", "chamada perdida", "chiamata persa", "gemiste oproep", "пропущенный". */
const MISSED = "(missed|perdid|verpasst|manqu|persa|gemist|пропущ|discard_reason.?missed)";
const VIDEO = "(video|vídeo|vidéo)";

export interface CallPeriod {
  period: string;
  calls: number;
  missed: number;
  video: number;
}

export async function callsOverTime(db: Db, f: ActivityFilter, granularity: Granularity): Promise<CallPeriod[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`select to_char(date_trunc(${granularity}, m.ts at time zone ${f.timeZone}), 'YYYY-MM-DD') as period, count(*) as calls,
               count(*) filter (where m.text ~* ${MISSED}) as missed, count(*) filter (where m.text ~* ${VIDEO}) as video
        from messages m where ${messageWhere(f)} and m.kind = 'call' group by 1 order by 1`,
  );
  return rows.map((r) => ({
    period: String(r.period),
    calls: num(r.calls),
    missed: num(r.missed),
    video: num(r.video),
  }));
}
