// Latency of sequential single-query searches, shared by the index benchmark and the gateway
// benchmark (which passes a function that goes through HTTP instead).
import { performance } from "node:perf_hooks";

export interface SearchTiming {
  queries: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Queries per second: one in flight at a time (timeSearches), or all callers together (timeConcurrentSearches). */
  qps: number;
}

function summarise(times: number[], wallMs: number): SearchTiming {
  times.sort((a, b) => a - b);
  const total = times.reduce((sum, t) => sum + t, 0);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return {
    queries: times.length,
    meanMs: total / times.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: times[times.length - 1]!,
    qps: (1000 * times.length) / wallMs,
  };
}

/**
 * Latency percentiles and throughput with `concurrency` callers searching back to back for
 * `durationMs` (each caller cycles through the queries from its own offset and is told its number,
 * to use a connection of its own, say). qps is the
 * throughput of all callers together.
 */
export async function timeConcurrentSearches<Q>(
  search: (query: Q, caller: number) => Promise<unknown>,
  queries: Q[],
  concurrency: number,
  durationMs: number,
): Promise<SearchTiming> {
  const times: number[] = [];
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, caller) => {
      for (let i = caller; performance.now() < until; i++) {
        const t = performance.now();
        await search(queries[i % queries.length]!, caller);
        times.push(performance.now() - t);
      }
    }),
  );
  return summarise(times, performance.now() - started);
}

export async function timeSearches<Q>(
  search: (query: Q) => Promise<unknown>,
  queries: Q[],
  warmup = Math.min(20, queries.length),
): Promise<SearchTiming> {
  for (let i = 0; i < warmup; i++) await search(queries[i]!);
  const times: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await search(query);
    times.push(performance.now() - started);
  }
  return summarise(
    times,
    times.reduce((sum, t) => sum + t, 0),
  );
}
