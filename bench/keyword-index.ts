// The in-memory keyword (BM25) index alone, in process, at 10k … 1M messages of
// bench/search-corpus.ts: build time, heap it holds, and query latency (the 52 labelled Ubuntu
// queries, unfiltered and filtered by one participant and a date range), so the index's own share
// of bench/search-latency.ts is known. CPU time is printed beside wall time: on a machine shared
// with other work, wall time says more about the neighbours than about the index.
//
//   node --expose-gc --import tsx bench/keyword-index.ts [--sizes=10000,100000,1000000]
import os from "node:os";
import { performance } from "node:perf_hooks";
import { analyzer } from "../services/index/keyword/analyzer.ts";
import { KeywordIndex, type IndexedMessage } from "../services/index/keyword/bm25-index.ts";
import { parseKeywordQuery } from "../services/index/keyword/query.ts";
import { loadQuerySet } from "../test/fixtures/search-quality/corpora.ts";
import { searchCorpus } from "./search-corpus.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const sizes = arg("sizes", "10000,100000,1000000").split(",").map(Number);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const en = analyzer("en");
const queries = loadQuerySet("ubuntu").queries.map((q) => parseKeywordQuery(q.query, en));

console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
for (const size of sizes) {
  const messages: IndexedMessage[] = [];
  const texts: string[] = [];
  for (const page of searchCorpus(size))
    page.text.forEach((t, i) => {
      messages.push({
        id: messages.length,
        conversation: page.conversation[i]!,
        participant: page.author[i]!,
        ts: page.ts[i]!,
        kind: 0,
      });
      texts.push(t);
    });
  const before = heapMb();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let index: KeywordIndex | undefined = new KeywordIndex(en, messages, texts, { k1: 1.2, b: 0.75 }, 40, 30 * 60_000);
  const buildMs = performance.now() - t0;
  const buildCpu = process.cpuUsage(c0);
  const heldMb = heapMb() - before;
  const from = Date.parse("2020-03-01T00:00:00Z");
  const to = Date.parse("2020-09-01T00:00:00Z");
  const cols = index.columns;
  const accept = (m: number) => cols.participant[m] === 7 && cols.ts[m]! >= from && cols.ts[m]! <= to;
  const { windows, terms } = index.size;
  const row: Record<string, unknown> = {
    messages: size,
    buildMs: Math.round(buildMs),
    buildCpuMs: Math.round((buildCpu.user + buildCpu.system) / 1000),
    heldMb: Math.round(heldMb),
    arraysMb: Math.round(index.bytes / 2 ** 20),
    windows,
    terms,
  };
  for (const [name, options] of [
    ["unfiltered", { limit: 40 }],
    ["filtered", { limit: 40, accept }],
  ] as const) {
    for (const q of queries.slice(0, 10)) index.search(q, options);
    const cpu: number[] = [];
    const times = queries.map((q) => {
      const t = performance.now();
      const c = process.cpuUsage();
      index!.search(q, options);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1000);
      return performance.now() - t;
    });
    row[`${name}P50`] = +pct(times, 0.5).toFixed(1);
    row[`${name}P95`] = +pct(times, 0.95).toFixed(1);
    row[`${name}Max`] = +Math.max(...times).toFixed(1);
    row[`${name}CpuP50`] = +pct(cpu, 0.5).toFixed(1);
    row[`${name}CpuP95`] = +pct(cpu, 0.95).toFixed(1);
  }
  console.log(JSON.stringify(row));
  index = undefined;
}
console.log(
  `load after: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
