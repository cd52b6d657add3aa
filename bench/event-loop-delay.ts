// Event-loop delay while the heavy work runs off the loop: exact vector search over a big index
// (the native thread pool) and embedding on the worker thread. The tests only check that the
// loop keeps turning (test/helpers/loop-turns.ts); the delay in milliseconds depends on the
// machine and its load, so it is measured here and recorded with both.
//
//   node --import tsx bench/event-loop-delay.ts
//
// Prints a JSON summary (machine, load average, p50/p99/max delay per workload).
import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { clusteredQueries, clusteredVectors } from "./index-clustered-data.ts";
import { chatCorpus } from "./embed-corpus.ts";
import { VectorIndex } from "../services/index/vector-index.ts";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { ensureUseLite } from "../services/embedder/use-lite/convert.ts";

async function delayDuring(work: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  h.disable();
  const f = (ns: number) => Math.round(ns / 1e4) / 100;
  return { wallMs: Math.round(ms), p50Ms: f(h.percentile(50)), p99Ms: f(h.percentile(99)), maxMs: f(h.max) };
}

const shape = { count: 80_000, dim: 512, clusters: 200 };
const data = clusteredVectors(shape);
const index = await VectorIndex.rebuild(
  (function* () {
    for (let i = 0; i < shape.count; i++)
      yield { chunkId: `c${i}`, vector: data.vectors.subarray(i * shape.dim, (i + 1) * shape.dim) };
  })(),
  { dim: shape.dim, exactThreshold: 1e9 },
);
const queries = clusteredQueries(shape, 30);
const search = await delayDuring(async () => {
  for (let q = 0; q < 30; q++) await index.search(queries.subarray(q * shape.dim, (q + 1) * shape.dim), 10);
});
await index.dispose();

const dir = await ensureUseLite(os.tmpdir() + "/chatlens-bench-models");
const embedder = await OnnxEmbedder.load(
  { id: "use-lite", path: dir, onnxFile: "onnx/model.onnx", dimension: 512, maxTokens: 128, matryoshka: false },
  { intraOpThreads: 2, logger: { info() {}, warn() {} } },
);
const texts = chatCorpus().slice(0, 512);
await embedder.embed(texts.slice(0, 64));
const embed = await delayDuring(() => embedder.embed(texts));
await embedder.dispose();

console.log(
  JSON.stringify(
    {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      loadavg: os.loadavg().map((l) => Math.round(l * 10) / 10),
      search80kExact: search,
      embed512: embed,
    },
    null,
    2,
  ),
);
