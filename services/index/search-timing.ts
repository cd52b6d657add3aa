// Latency of sequential single-query searches, shared by the index benchmark and the gateway
// benchmark (which passes a function that goes through HTTP instead).
import { performance } from "node:perf_hooks";

export interface SearchTiming {
  queries: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Sequential queries per second (one in flight at a time). */
  qps: number;
}

export async function timeSearches<Q>(search: (query: Q) => Promise<unknown>, queries: Q[], warmup = Math.min(20, queries.length)): Promise<SearchTiming> {
  for (let i = 0; i < warmup; i++) await search(queries[i]!);
  const times: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await search(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((sum, t) => sum + t, 0);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { queries: times.length, meanMs: total / times.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times[times.length - 1]!, qps: (1000 * times.length) / total };
}
