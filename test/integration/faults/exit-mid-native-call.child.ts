// Child process of exit-mid-native-call.test.ts: starts native work on a worker thread, then
// ends the process the way FAULT says while that work is inside native code.
//   FAULT=exit|throw|reject  WORK=embedder (MODEL_DIR: USE-lite) | faiss
import { Worker } from "node:worker_threads";
import { chatCorpus } from "../../../bench/embed-corpus.ts";
import { OnnxEmbedder } from "../../../services/embedder/runtime.ts";

function fault(): void {
  console.log("FAULT");
  if (process.env.FAULT === "exit") process.exit(7);
  if (process.env.FAULT === "reject") void Promise.reject(new Error("aborted (rejection)"));
  else
    setImmediate(() => {
      throw new Error("aborted (exception)");
    });
}

if (process.env.WORK === "faiss") {
  // The binding's add runs on the libuv pool of the worker; its completion comes during teardown.
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const { FaissIndex } = require("@chatlens/faiss");
     const dim = 128, n = 20000;
     const index = new FaissIndex({ dim, kind: "hnsw", M: 16, efConstruction: 100 });
     const x = new Float32Array(n * dim).map(() => Math.random());
     const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
     index.add(x, ids);
     parentPort.postMessage("adding");`,
    { eval: true },
  );
  worker.once("message", fault);
} else {
  // Long rows, one thread: the worker spends nearly all its time inside onnxruntime's run.
  const embedder = await OnnxEmbedder.load(
    {
      id: "use-lite",
      path: process.env.MODEL_DIR!,
      onnxFile: "onnx/model.onnx",
      dimension: 512,
      maxTokens: 128,
      matryoshka: false,
    },
    { intraOpThreads: 1, tokenBudget: 128 * 64, logger: { info() {}, warn() {} } },
  );
  const texts = chatCorpus(4000, 3)
    .filter((t) => t.length > 200)
    .slice(0, 128);
  const first = embedder.embed(texts);
  void embedder.embed(texts).catch(() => undefined);
  // Once the first call is back the second is running: the fault lands inside a batch.
  await first;
  fault();
}
