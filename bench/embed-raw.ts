/**
 * Embedding throughput: raw onnxruntime (pre-tokenised, fixed batches in input order, no
 * normalisation) against OnnxEmbedder.embed() (tokenising, length-sorted token-budget batches,
 * normalisation, input order restored) on the same model, threads and 2,000 chat messages.
 * Runs alternate so machine noise hits both; the ratio is what to compare across machines.
 *
 *   npx tsx bench/embed-raw.ts [--threads 2] [--batch 32] [--rounds 3]
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { planBatches } from "../services/embedder/batching.ts";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { ensureUseLite } from "../services/embedder/use-lite/convert.ts";
import { chatCorpus } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
  },
});
const threads = Number(values.threads);
const batchSize = Number(values.batch);
const rounds = Number(values.rounds);

const modelDir = await ensureUseLite(path.join(os.tmpdir(), "chatlens-bench-models"));
const texts = chatCorpus();
const quiet = { info() {}, warn() {} };
const embedder = await OnnxEmbedder.load(
  { id: "use-lite", path: modelDir, onnxFile: "onnx/model.onnx", dimension: 512, maxTokens: 128, matryoshka: false },
  { intraOpThreads: threads, logger: quiet },
);
const session = await ort.InferenceSession.create(path.join(modelDir, "onnx", "model.onnx"), {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
});
const ids = embedder.tokenize(texts);
const tokens = ids.reduce((n, r) => n + r.length, 0);

function feeds(rows: number[][]) {
  const S = Math.max(1, ...rows.map((r) => r.length));
  const input = new BigInt64Array(rows.length * S);
  const mask = new BigInt64Array(rows.length * S);
  rows.forEach((row, i) => row.forEach((id, j) => ((input[i * S + j] = BigInt(id)), (mask[i * S + j] = 1n))));
  return {
    input_ids: new ort.Tensor("int64", input, [rows.length, S]),
    attention_mask: new ort.Tensor("int64", mask, [rows.length, S]),
  };
}
// Raw: batches of `batchSize` in input order, padded to each batch's longest row.
const rawBatches = Array.from({ length: Math.ceil(ids.length / batchSize) }, (_, b) =>
  feeds(ids.slice(b * batchSize, (b + 1) * batchSize)),
);
// Raw with embed()'s own batch plan: isolates the wrapper's overhead from the batching gain.
const sortedBatches = planBatches(
  ids.map((r) => r.length),
  { tokenBudget: 4096, maxBatchSize: 64 },
).map((batch) => feeds(batch.map((i) => ids[i]!)));
const padded = (bs: ReturnType<typeof feeds>[]) =>
  bs.reduce((n, f) => n + f.input_ids.dims[0]! * f.input_ids.dims[1]!, 0);

async function run(batches: ReturnType<typeof feeds>[]): Promise<number> {
  const t = performance.now();
  for (const f of batches) await session.run(f, ["sentence_embedding"]);
  return performance.now() - t;
}
async function ours(): Promise<number> {
  const t = performance.now();
  await embedder.embed(texts);
  return performance.now() - t;
}

await run(rawBatches);
await run(sortedBatches);
await ours();
const rawMs: number[] = [];
const sortedMs: number[] = [];
const oursMs: number[] = [];
for (let i = 0; i < rounds; i++) {
  rawMs.push(await run(rawBatches));
  sortedMs.push(await run(sortedBatches));
  oursMs.push(await ours());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (ms: number) => (texts.length / (ms / 1000)).toFixed(0);
const [r, sr, o] = [median(rawMs), median(sortedMs), median(oursMs)];

console.log(
  `machine: ${os.cpus()[0]?.model} × ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? ""}`,
);
console.log(
  `corpus: ${texts.length} messages, ${tokens} tokens (mean ${(tokens / texts.length).toFixed(1)}), threads ${threads}, raw batch ${batchSize}, rounds ${rounds} (median)`,
);
console.log(`| path | sentences/s | ms | padded tokens |`);
console.log(`|---|---:|---:|---:|`);
console.log(
  `| raw onnxruntime (pre-tokenised, batch ${batchSize}, input order) | ${rate(r)} | ${r.toFixed(0)} | ${padded(rawBatches)} |`,
);
console.log(
  `| raw onnxruntime (pre-tokenised, embed()'s sorted batches) | ${rate(sr)} | ${sr.toFixed(0)} | ${padded(sortedBatches)} |`,
);
console.log(
  `| OnnxEmbedder.embed() (tokenise + sort + budget batches + normalise) | ${rate(o)} | ${o.toFixed(0)} | ${padded(sortedBatches)} |`,
);
console.log(`embed() vs raw fixed batch: ${(r / o).toFixed(2)}×; embed() vs raw same batches: ${(sr / o).toFixed(2)}×`);
await embedder.dispose();
await session.release();
