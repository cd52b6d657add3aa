/**
 * Where the CPU of "time to searchable" goes, without the platform around it (issue 18 point 5):
 * the 30,000-message chat of bench/time-to-searchable.ts is chunked with the embedder's chunker,
 * then every chunk is embedded by USE-lite (fp32) and by use-lite-int8 (both converted here by
 * our converter), in calls of 64 chunks as the embed jobs send them. Reports per model the wall
 * time, the CPU seconds of the process (every thread; under load the number to trust), chunks
 * per CPU-second, and the cosine of each int8 vector to its fp32 vector.
 *
 *   npx tsx bench/embed-chunks-cost.ts [--messages 30000] [--threads 2] [--limit 0 (all chunks)]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Chunker } from "../services/embedder/chunking.ts";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { convertUseLite, type UseLiteVariant } from "../services/embedder/use-lite/convert.ts";
import { chatCorpus } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "30000" },
    threads: { type: "string", default: "2" },
    limit: { type: "string", default: "0" },
  },
});
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// The chat as bench/time-to-searchable.ts writes it: one conversation, a message every 83 s, five authors.
const names = ["Anna", "Tom", "Lisa", "Marek", "Sofia"];
let wall = performance.now();
let c0 = cpu();
const chunker = new Chunker();
const chunks: string[] = [];
chatCorpus(Number(values.messages), 42).forEach((text, i) => {
  const message = {
    id: i,
    conversationId: "c",
    authorName: names[(i * 7) % 5],
    text,
    timestamp: new Date(Date.UTC(2024, 0, 1) + i * 83_000),
    kind: "text",
  };
  for (const c of chunker.push(message)) chunks.push(c.text);
});
for (const c of chunker.flush()) chunks.push(c.text);
const chunking = {
  chunks: chunks.length,
  wallMs: Math.round(performance.now() - wall),
  cpuSeconds: round(cpu() - c0, 2),
};
const todo = Number(values.limit) > 0 ? chunks.slice(0, Number(values.limit)) : chunks;

const root = mkdtempSync(path.join(os.tmpdir(), "chatlens-embed-cost-"));
const runs: Record<string, unknown>[] = [];
const vectors = new Map<UseLiteVariant, Float32Array>();
try {
  for (const variant of ["int8", "fp32"] as const) {
    const dir = (await convertUseLite(path.join(root, variant), undefined, variant)).path;
    const embedder = await OnnxEmbedder.load(
      { id: variant, path: dir, onnxFile: "onnx/model.onnx", dimension: 512, maxTokens: 128, matryoshka: false },
      { intraOpThreads: Number(values.threads), logger: { info() {}, warn: console.warn } },
    );
    const tokens = embedder.tokenize(todo).map((r) => r.length);
    await embedder.embed(todo.slice(0, 64)); // warm-up
    const load = os.loadavg()[0]!;
    const out = new Float32Array(todo.length * 512);
    wall = performance.now();
    c0 = cpu();
    for (let i = 0; i < todo.length; i += 64) out.set((await embedder.embed(todo.slice(i, i + 64))).data, i * 512);
    const seconds = (performance.now() - wall) / 1000;
    const cpuSeconds = cpu() - c0;
    await embedder.dispose();
    vectors.set(variant, out);
    runs.push({
      model: variant === "fp32" ? "use-lite" : "use-lite-int8",
      chunks: todo.length,
      meanTokens: round(tokens.reduce((a, b) => a + b, 0) / tokens.length),
      truncatedAt128: tokens.filter((t) => t >= 128).length,
      wallSeconds: round(seconds),
      cpuSeconds: round(cpuSeconds),
      chunksPerCpuSecond: round(todo.length / cpuSeconds),
      loadAverage: [round(load), round(os.loadavg()[0]!)],
    });
  }
  const [a, b] = [vectors.get("int8")!, vectors.get("fp32")!];
  const cosines = Array.from({ length: todo.length }, (_, i) => {
    let dot = 0;
    for (let j = 0; j < 512; j++) dot += a[i * 512 + j]! * b[i * 512 + j]!;
    return dot; // both L2-normalised
  });
  console.log(
    JSON.stringify(
      {
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
        threads: Number(values.threads),
        chunking,
        runs,
        int8VsFp32Cosine: {
          min: round(Math.min(...cosines), 4),
          mean: round(cosines.reduce((s, x) => s + x, 0) / cosines.length, 4),
        },
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
