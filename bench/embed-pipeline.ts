/**
 * The whole embedding path against raw onnxruntime, in one run, on the same model, texts,
 * batches and threads:
 *   pipeline: pending chunks found in the database → job messages on the channel (embedded:
 *             @moleculer/channels' Fake adapter) → job handler → embedder.embedBatch
 *             (tokenise, length-sorted token-budget batches, normalise) → vectors inserted
 *             (ON CONFLICT DO NOTHING) → embeddings.stored; timed until the last vector is committed.
 *   raw:      onnxruntime session.run on the same pre-tokenised batches (each job's texts
 *             planned exactly as embed() plans them), nothing else.
 * Rounds alternate so machine noise hits both; peak RSS is sampled every 20 ms per phase.
 *
 *   npx tsx bench/embed-pipeline.ts [--threads 2] [--batch 64] [--rounds 3] [--copies 1]
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { count, eq } from "drizzle-orm";
import * as ort from "onnxruntime-node";
import { loadConfig } from "../config/index.ts";
import { openDatabase } from "../models/db.ts";
import { chunks, conversations, datasets, embeddings, orgs } from "../models/schema.ts";
import { planBatches } from "../services/embedder/batching.ts";
import { createPlatform } from "../platform/platform.ts";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { ensureUseLite } from "../services/embedder/use-lite/convert.ts";
import { chatCorpus } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    copies: { type: "string", default: "1" },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
const rounds = Number(values.rounds);

const modelsDir = path.join(os.tmpdir(), "chatlens-bench-models");
const modelDir = await ensureUseLite(modelsDir);
const texts = Array.from({ length: Number(values.copies) }, () => chatCorpus()).flat();

// ── the platform: one embedded node running the embedder, in-memory PGlite ──────────────────
const database = await openDatabase({});
const config = loadConfig(
  {
    NODE_ENV: "test",
    DATA_DIR: path.join(os.tmpdir(), `chatlens-bench-${process.pid}`),
    MODELS_DIR: modelsDir,
    METRICS_ENABLED: "false",
    LOG_LEVEL: "warn",
    EMBEDDER_THREADS: String(threads),
    EMBED_BATCH_CHUNKS: String(batch),
    // bench/gpu-check.sh runs the whole path with EMBEDDER_DEVICE=webgpu on a GPU host.
    EMBEDDER_DEVICE: process.env.EMBEDDER_DEVICE ?? "cpu",
  },
  { dotenv: false },
);
const platform = await createPlatform(config, { services: ["embedder"], database });
await platform.start();
const db = database.db;
const orgId = randomUUID();
await db.insert(orgs).values({ id: orgId, name: "bench" });
const [ds] = await db.insert(datasets).values({ orgId, name: "bench", modelId: "use-lite" }).returning();
const [conv] = await db
  .insert(conversations)
  .values({ orgId, datasetId: ds!.id, sourceKey: "c", name: "c", platform: "generic" })
  .returning();
// One chunk per corpus text, ids in corpus order (jobs take pending chunks in id order).
const ids = texts.map((_, i) => `bench-${String(i).padStart(6, "0")}`);
for (let i = 0; i < texts.length; i += 500)
  await db.insert(chunks).values(
    texts.slice(i, i + 500).map((text, j) => ({
      id: ids[i + j]!,
      orgId,
      datasetId: ds!.id,
      conversationId: conv!.id,
      chunkingVersion: "bench",
      messageIds: [i + j],
      text,
      startTs: new Date(),
      endTs: new Date(),
    })),
  );
const service = platform.broker.getLocalService("embedder") as unknown as { requeue: { forget(id: string): void } };
const embedded = async () =>
  Number((await db.select({ n: count() }).from(embeddings).where(eq(embeddings.datasetId, ds!.id)))[0]!.n);

// The clock stops on the event the service emits after each committed batch: polling the table
// instead would put count queries on PGlite's single connection and main thread inside the timing.
let stored = 0;
let onStored: (() => void) | undefined;
platform.broker.createService({
  name: "bench-listener",
  events: {
    "embeddings.stored"(ctx: { params: { chunkIds: string[] } }) {
      stored += ctx.params.chunkIds.length;
      if (stored >= texts.length) onStored?.();
    },
  },
});
await platform.broker.waitForServices("bench-listener");

async function pipeline(): Promise<number> {
  await db.delete(embeddings).where(eq(embeddings.datasetId, ds!.id));
  service.requeue.forget(ds!.id);
  stored = 0;
  const done = new Promise<void>((resolve) => (onStored = resolve));
  const t = performance.now();
  await platform.broker.call("embedder.enqueuePending");
  await done;
  const ms = performance.now() - t;
  if ((await embedded()) !== texts.length) throw new Error("not every chunk got exactly one vector");
  return ms;
}

// ── raw onnxruntime on the same batches ─────────────────────────────────────────────────────
const quiet = { info() {}, warn() {} };
const tokenizer = await OnnxEmbedder.load(
  { id: "use-lite", path: modelDir, onnxFile: "onnx/model.onnx", dimension: 512, maxTokens: 128, matryoshka: false },
  { intraOpThreads: 1, logger: quiet },
);
const session = await ort.InferenceSession.create(path.join(modelDir, "onnx", "model.onnx"), {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
});
const tokenIds = tokenizer.tokenize(texts);
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
const rawBatches: ReturnType<typeof feeds>[] = [];
for (let j = 0; j < tokenIds.length; j += batch) {
  const job = tokenIds.slice(j, j + batch);
  for (const b of planBatches(
    job.map((r) => r.length),
    { tokenBudget: 4096, maxBatchSize: 64 },
  ))
    rawBatches.push(feeds(b.map((i) => job[i]!)));
}
async function raw(): Promise<number> {
  const t = performance.now();
  for (const f of rawBatches) await session.run(f, ["sentence_embedding"]);
  return performance.now() - t;
}
// A raw program that embeds texts must tokenise them too: the same tokenizer, same batches, no platform.
const textJobs: string[][][] = [];
for (let j = 0; j < texts.length; j += batch) {
  const job = texts.slice(j, j + batch);
  const lengths = tokenIds.slice(j, j + batch).map((r) => r.length);
  textJobs.push(planBatches(lengths, { tokenBudget: 4096, maxBatchSize: 64 }).map((b) => b.map((i) => job[i]!)));
}
async function rawWithTokenizer(): Promise<number> {
  const t = performance.now();
  for (const job of textJobs)
    for (const b of job) await session.run(feeds(tokenizer.tokenize(b)), ["sentence_embedding"]);
  return performance.now() - t;
}

async function measured(fn: () => Promise<number>): Promise<{ ms: number; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const ms = await fn();
    return { ms, peakMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

await raw();
await rawWithTokenizer();
await pipeline();
const rawRuns: { ms: number; peakMiB: number }[] = [];
const textRuns: { ms: number; peakMiB: number }[] = [];
const pipeRuns: { ms: number; peakMiB: number }[] = [];
for (let i = 0; i < rounds; i++) {
  rawRuns.push(await measured(raw));
  textRuns.push(await measured(rawWithTokenizer));
  pipeRuns.push(await measured(pipeline));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r = median(rawRuns.map((x) => x.ms));
const rt = median(textRuns.map((x) => x.ms));
const p = median(pipeRuns.map((x) => x.ms));
const rate = (ms: number) => (texts.length / (ms / 1000)).toFixed(0);
const tokens = tokenIds.reduce((n, t) => n + t.length, 0);
console.log(
  `machine: ${os.cpus()[0]?.model} × ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, no GPU`,
);
console.log(
  `texts: ${texts.length} (${tokens} tokens), threads ${threads}, ${batch} chunks per job, rounds ${rounds} (median), database PGlite in memory, channel: Fake adapter`,
);
console.log(`| path | sentences/s | ms | peak RSS MiB |`);
console.log(`|---|---:|---:|---:|`);
console.log(
  `| raw onnxruntime (pre-tokenised, same batches) | ${rate(r)} | ${r.toFixed(0)} | ${Math.max(...rawRuns.map((x) => x.peakMiB)).toFixed(0)} |`,
);
console.log(
  `| raw onnxruntime, text in (same tokenizer + same batches) | ${rate(rt)} | ${rt.toFixed(0)} | ${Math.max(...textRuns.map((x) => x.peakMiB)).toFixed(0)} |`,
);
console.log(
  `| whole path (channel → embedBatch → vectors committed) | ${rate(p)} | ${p.toFixed(0)} | ${Math.max(...pipeRuns.map((x) => x.peakMiB)).toFixed(0)} |`,
);
console.log(`whole path / raw text in: ${(rt / p).toFixed(3)}; whole path / raw pre-tokenised: ${(r / p).toFixed(3)}`);
await tokenizer.dispose();
await session.release();
await platform.stop();
await database.close();
