/**
 * The default model on a GPU provider and on CPU, side by side: sentences/s on the chat-like
 * corpus (bench/embed-corpus.ts) and the cosine between each text's GPU and CPU vectors.
 * The device that actually loaded is reported (a provider that cannot load falls back to CPU).
 *
 *   npx tsx bench/embed-device.ts [--device webgpu|cuda|auto] [--texts 4000] [--threads 2]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { OnnxEmbedder, type DeviceChoice, type RuntimeModelSpec } from "../services/embedder/runtime.ts";
import { convertedUseLite } from "../test/unit/embedder/fixtures.ts";
import { chatCorpus } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: {
    device: { type: "string", default: "webgpu" },
    texts: { type: "string", default: "4000" },
    threads: { type: "string", default: "2" },
  },
});
const texts = chatCorpus(Number(values.texts), 42);
// bench/gpu-check.sh carries the converted model (the converter's TF.js weights stay behind).
const dir = process.env.CHATLENS_USE_LITE_DIR ?? (await convertedUseLite()).path;
const spec: RuntimeModelSpec = {
  id: "use-lite",
  path: dir,
  onnxFile: "onnx/model.onnx",
  dimension: 512,
  maxTokens: 128,
  matryoshka: false,
};
const logger = { info: (m: string) => console.error(m), warn: (m: string) => console.error(m) };

async function run(device: DeviceChoice) {
  const embedder = await OnnxEmbedder.load(spec, { device, intraOpThreads: Number(values.threads), logger });
  try {
    await embedder.embed(texts.slice(0, 64)); // warm-up (shader compilation on a GPU)
    const started = performance.now();
    const { vectors } = await embedder.embed(texts);
    const seconds = (performance.now() - started) / 1000;
    return { device: embedder.device, sentencesPerSecond: Math.round(texts.length / seconds), vectors };
  } finally {
    await embedder.dispose();
  }
}

const gpu = await run(values.device as DeviceChoice);
const cpu = await run("cpu");
let min = 1;
let sum = 0;
for (let i = 0; i < texts.length; i++) {
  let dot = 0;
  const a = gpu.vectors[i]!;
  const b = cpu.vectors[i]!;
  for (let j = 0; j < a.length; j++) dot += a[j]! * b[j]!;
  min = Math.min(min, dot);
  sum += dot;
}
console.log(
  JSON.stringify({
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
    requested: values.device,
    gpu: { device: gpu.device, sentencesPerSecond: gpu.sentencesPerSecond },
    cpu: { device: cpu.device, sentencesPerSecond: cpu.sentencesPerSecond, threads: Number(values.threads) },
    cosineGpuVsCpu: { min: Math.round(min * 1e6) / 1e6, mean: Math.round((sum / texts.length) * 1e6) / 1e6 },
    texts: texts.length,
  }),
);
