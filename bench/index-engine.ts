// Vector index benchmark: build time, memory per vector, recall@10 against exact search and
// single-query latency, through VectorIndex (what the index service uses) on clustered data.
//
//   npx tsx bench/index-engine.ts [count=1000000] [dim=512] [kind=hnsw|ivf] [engine=faiss|usearch]
//
// bench/index-engines.ts runs it once per engine (each in its own process, so that memory is
// measured cleanly) and prints both side by side.
//
// Prints a JSON summary (paste into bench/RESULTS-index.md). The built index is saved where
// bench/index-gateway.ts looks for one of the same shape (benchIndexDir), replacing any there.
// FAISS builds HNSW with OpenMP on every core unless OMP_NUM_THREADS says otherwise.
import os from "node:os";
import path from "node:path";
import { stat } from "node:fs/promises";
import { benchIndexDir, clusteredQueries, clusteredVectors } from "./index-clustered-data.ts";
import { createEngine, type IndexBackend } from "../services/index/engines.ts";
import { timeSearches } from "../services/index/search-timing.ts";
import { VectorIndex, type VectorEntry } from "../services/index/vector-index.ts";

const count = Number(process.argv[2] ?? 1_000_000);
const dim = Number(process.argv[3] ?? 512);
const kind = (process.argv[4] ?? "hnsw") as "hnsw" | "ivf";
const backend = (process.argv[5] ?? "faiss") as IndexBackend;
const shape = { count, dim, clusters: Math.max(10, Math.round(count / 300)) };
const queryCount = 200;
const k = 10;

function* entries(vectors: Float32Array): Generator<VectorEntry> {
  for (let i = 0; i < count; i++) yield { chunkId: `c${i}`, vector: vectors.subarray(i * dim, (i + 1) * dim) };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const log = (...args: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const loadBefore = os.loadavg();
log(`generating ${count} × ${dim} around ${shape.clusters} centres`);
const data = clusteredVectors(shape);
const queries = clusteredQueries(shape, queryCount);
const query = (q: number) => queries.subarray(q * dim, (q + 1) * dim);

// Ground truth from the engine's exact inner-product search (labels are row numbers).
log("exact ground truth");
const exact = createEngine(backend, { dim, kind: "flat" });
await exact.add(
  data.vectors,
  BigInt64Array.from({ length: count }, (_, i) => BigInt(i)),
);
const truth: Set<string>[] = [];
for (let q = 0; q < queryCount; q++) {
  const { labels } = await exact.search(query(q), k);
  truth.push(new Set(Array.from(labels, (label) => `c${label}`)));
}
const exactTiming = await timeSearches(
  (q: number) => exact.search(query(q), k),
  Array.from({ length: 50 }, (_, i) => i),
  5,
);
await exact.dispose();

log(`building ${kind} through VectorIndex`);
const rssBefore = process.memoryUsage().rss;
const buildStarted = performance.now();
const index = await VectorIndex.rebuild(entries(data.vectors), {
  dim,
  backend,
  exactThreshold: 20_000,
  ann: kind === "hnsw" ? { kind, M: 32, efConstruction: 100 } : { kind, nlist: 4096 },
});
const buildMs = performance.now() - buildStarted;
const rssAfter = process.memoryUsage().rss;
log(`built in ${seconds(buildMs)} s`);

const sweep = kind === "hnsw" ? [32, 64, 128, 256] : [8, 16, 32, 64];
const results = [];
for (const param of sweep) {
  const options = kind === "hnsw" ? { efSearch: param } : { nprobe: param };
  let found = 0;
  for (let q = 0; q < queryCount; q++) {
    found += (await index.search(query(q), k, options)).filter((h) => truth[q]!.has(h.chunkId)).length;
  }
  const timing = await timeSearches(
    (q: number) => index.search(query(q), k, options),
    Array.from({ length: queryCount }, (_, i) => i),
  );
  results.push({
    ...options,
    recallAt10: found / (queryCount * k),
    p50Ms: round(timing.p50Ms),
    p99Ms: round(timing.p99Ms),
    qps: Math.round(timing.qps),
  });
  log(JSON.stringify(results.at(-1)));
}

// Persistence: read the saved files back versus rebuilding the ANN structure from raw vectors.
// bench/index-gateway.ts reads the FAISS one; the usearch one goes beside it.
const dir = backend === "faiss" ? benchIndexDir(count, dim) : `${benchIndexDir(count, dim)}-usearch`;
let t = performance.now();
await index.save(dir);
const saveMs = performance.now() - t;
const builtKind = index.engineKind;
let fileBytes = 0;
for (const file of index.engineFiles()) fileBytes += (await stat(path.join(dir, file))).size;
await index.dispose();
t = performance.now();
const loaded = await VectorIndex.load(dir);
const loadMs = performance.now() - t;
await loaded.dispose();
log(`kept in ${dir}`);

console.log(
  JSON.stringify(
    {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      node: process.version,
      engine:
        backend === "faiss"
          ? `faiss ${builtKind} (native/faiss, libfaiss 1.7.3)`
          : `usearch ${builtKind} (usearch 2.25.3, f32)`,
      count,
      dim,
      clusters: shape.clusters,
      buildSeconds: seconds(buildMs),
      bytesPerVectorRss: Math.round((rssAfter - rssBefore) / count),
      bytesPerVectorFile: Math.round(fileBytes / count),
      exactSearch: { p50Ms: round(exactTiming.p50Ms), p99Ms: round(exactTiming.p99Ms) },
      sweep: results,
      saveSeconds: seconds(saveMs),
      loadSeconds: seconds(loadMs),
      ompThreads: process.env.OMP_NUM_THREADS ?? `default (${os.cpus().length})`,
      loadAverage: { before: loadBefore.map(round), after: os.loadavg().map(round) },
    },
    null,
    2,
  ),
);

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
