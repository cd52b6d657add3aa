/**
 * Search analytics from `search_log`, scoped to one org: volume over time, top queries,
 * queries that found nothing, and latency percentiles, each split by search mode.
 * Queries are compared case- and whitespace-insensitively ("Pizza " = "pizza").
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { instant, num, rowsOf } from "../../models/sql.ts";

export interface SearchFilter {
  orgId: string;
  from?: Date;
  to?: Date;
  mode?: string;
  /** Only searches that included this dataset. */
  datasetId?: string;
  timeZone: string;
}

function where(f: SearchFilter): SQL {
  const parts: SQL[] = [sql`s.org_id = ${f.orgId}`];
  if (f.from) parts.push(sql`s.created_at >= ${instant(f.from)}`);
  if (f.to) parts.push(sql`s.created_at < ${instant(f.to)}`);
  if (f.mode) parts.push(sql`s.mode = ${f.mode}`);
  if (f.datasetId) parts.push(sql`s.dataset_ids @> ${JSON.stringify([f.datasetId])}::jsonb`);
  return sql.join(parts, sql` and `);
}

const normalised = sql`lower(btrim(regexp_replace(s.query, '\\s+', ' ', 'g')))`;

export interface SearchVolume {
  period: string;
  mode: string;
  searches: number;
}

export async function searchVolume(
  db: Db,
  f: SearchFilter,
  granularity: "day" | "week" | "month",
): Promise<SearchVolume[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`select to_char(date_trunc(${granularity}, s.created_at at time zone ${f.timeZone}), 'YYYY-MM-DD') as period, s.mode, count(*) as n
        from search_log s where ${where(f)} group by 1, 2 order by 1, 2`,
  );
  return rows.map((r) => ({ period: String(r.period), mode: String(r.mode), searches: num(r.n) }));
}

export interface QueryCount {
  query: string;
  searches: number;
  avgResults: number;
  zeroResultSearches: number;
}

export async function topQueries(
  db: Db,
  f: SearchFilter,
  limit: number,
  onlyZeroResults = false,
): Promise<QueryCount[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`select ${normalised} as q, count(*) as n, avg(s.result_count) as avg_results, count(*) filter (where s.result_count = 0) as zero
        from search_log s where ${where(f)} ${onlyZeroResults ? sql`and s.result_count = 0` : sql``}
        group by 1 order by n desc, q limit ${limit}`,
  );
  return rows.map((r) => ({
    query: String(r.q),
    searches: num(r.n),
    avgResults: Math.round(num(r.avg_results) * 100) / 100,
    zeroResultSearches: num(r.zero),
  }));
}

export interface LatencyByMode {
  /** "all" for every mode together. */
  mode: string;
  searches: number;
  zeroResultRate: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function latencyPercentiles(db: Db, f: SearchFilter): Promise<LatencyByMode[]> {
  const rows = await rowsOf<Record<string, unknown>>(
    db,
    sql`select coalesce(s.mode, 'all') as mode, count(*) as n, avg((s.result_count = 0)::int) as zero_rate,
               percentile_cont(0.5) within group (order by s.latency_ms) as p50,
               percentile_cont(0.95) within group (order by s.latency_ms) as p95,
               percentile_cont(0.99) within group (order by s.latency_ms) as p99
        from search_log s where ${where(f)} group by rollup (s.mode) order by (s.mode is null), s.mode`,
  );
  const r2 = (v: unknown) => Math.round(num(v) * 100) / 100;
  return rows.map((r) => ({
    mode: String(r.mode),
    searches: num(r.n),
    zeroResultRate: Math.round(num(r.zero_rate) * 1e4) / 1e4,
    p50: r2(r.p50),
    p95: r2(r.p95),
    p99: r2(r.p99),
  }));
}
