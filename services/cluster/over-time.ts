/**
 * Topics over time: each cluster's share of the chunks in every calendar week
 * (ISO weeks, Monday 00:00 UTC) or month (UTC). Periods between the first and
 * last one that have no chunks are kept with zero counts, so a chart's time axis
 * shows the silence instead of joining its edges.
 */

export type Granularity = "week" | "month";

export interface PeriodShares {
  /** First day of the period, YYYY-MM-DD (UTC). */
  start: string;
  total: number;
  /** Chunks per cluster, indexed by cluster id. */
  counts: number[];
  /** counts / total (all zero for an empty period); sums to 1 otherwise. */
  shares: number[];
}

export interface TopicsOverTime {
  granularity: Granularity;
  periods: PeriodShares[];
}

const DAY_MS = 86_400_000;

export function periodStart(timestamp: number, granularity: Granularity): number {
  const date = new Date(timestamp);
  if (granularity === "month") return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const daysSinceMonday = (date.getUTCDay() + 6) % 7;
  return midnight - daysSinceMonday * DAY_MS;
}

function nextPeriod(start: number, granularity: Granularity): number {
  if (granularity === "week") return start + 7 * DAY_MS;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** Weekly for spans up to six months, monthly beyond: a readable number of bars either way. */
export function defaultGranularity(timestamps: ArrayLike<number>): Granularity {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (!Number.isFinite(t)) continue;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return max - min <= 183 * DAY_MS ? "week" : "month";
}

/**
 * @param labels cluster id per chunk (0..k-1)
 * @param timestamps ms since epoch per chunk; chunks with a non-finite timestamp are left out
 */
export function topicsOverTime(
  labels: ArrayLike<number>,
  timestamps: ArrayLike<number>,
  k: number,
  granularity: Granularity,
): TopicsOverTime {
  if (labels.length !== timestamps.length) throw new Error("topicsOverTime: labels and timestamps differ in length");
  const byPeriod = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const t = timestamps[i];
    if (!Number.isFinite(t)) continue;
    const start = periodStart(t, granularity);
    let counts = byPeriod.get(start);
    if (!counts) byPeriod.set(start, (counts = new Array<number>(k).fill(0)));
    counts[labels[i]]++;
  }
  if (byPeriod.size === 0) return { granularity, periods: [] };

  const starts = [...byPeriod.keys()];
  const last = Math.max(...starts);
  const periods: PeriodShares[] = [];
  for (let start = Math.min(...starts); start <= last; start = nextPeriod(start, granularity)) {
    const counts = byPeriod.get(start) ?? new Array<number>(k).fill(0);
    const total = counts.reduce((a, b) => a + b, 0);
    periods.push({
      start: new Date(start).toISOString().slice(0, 10),
      total,
      counts,
      shares: counts.map((n) => (total === 0 ? 0 : n / total)),
    });
  }
  return { granularity, periods };
}
