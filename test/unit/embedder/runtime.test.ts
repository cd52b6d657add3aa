import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { EmbedderError } from "../../../services/embedder/errors.ts";
import { OnnxEmbedder, type Logger, type RuntimeModelSpec } from "../../../services/embedder/runtime.ts";
import { chatCorpus } from "../../../bench/embed-corpus.ts";
import { planBatches } from "../../../services/embedder/batching.ts";
import { l2NormalizeInPlace } from "../../../services/embedder/vectors.ts";
import { convertedUseLite, cosine, referenceModelDir, sentences } from "./fixtures.ts";
import { TINY_DIM, tinyTable, writeTinyModel } from "./tiny-model.ts";
import { loopTurnsWhile } from "../../helpers/loop-turns.ts";

const quiet: Logger = { info() {}, warn() {} };

/** Nice values of this process's threads that run below normal priority (Linux). */
function nicedThreads(): number[] {
  return readdirSync("/proc/self/task")
    .map((tid) => {
      try {
        // Field 19 of /proc/<pid>/task/<tid>/stat (the 17th after the command's closing parenthesis).
        return Number(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
      } catch {
        return 0; // the thread ended meanwhile
      }
    })
    .filter((nice) => nice > 0);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
const useLiteSpec = (dir: string): RuntimeModelSpec => ({
  id: "use-lite",
  path: dir,
  onnxFile: "onnx/model.onnx",
  dimension: 512,
  maxTokens: 128,
  matryoshka: false,
});

async function referenceEmbeddings(ids: number[][]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(path.join(referenceModelDir, "onnx", "model.onnx"), {
    intraOpNumThreads: 1,
  });
  try {
    const out: Float32Array[] = [];
    for (const row of ids) {
      const S = Math.max(1, row.length);
      const input = BigInt64Array.from({ length: S }, (_, i) => BigInt(row[i] ?? 0));
      const mask = BigInt64Array.from({ length: S }, (_, i) => (i < row.length ? 1n : 0n));
      const r = await session.run({
        input_ids: new ort.Tensor("int64", input, [1, S]),
        attention_mask: new ort.Tensor("int64", mask, [1, S]),
      });
      out.push((r.sentence_embedding!.data as Float32Array).slice());
    }
    return out;
  } finally {
    await session.release();
  }
}

describe("OnnxEmbedder (runtime)", function () {
  let embedder: OnnxEmbedder;

  before(async function () {
    const { path: dir } = await convertedUseLite();
    // A small token budget forces several batches of mixed lengths.
    embedder = await OnnxEmbedder.load(useLiteSpec(dir), { intraOpThreads: 1, tokenBudget: 256, logger: quiet });
  });

  after(async function () {
    await embedder.dispose();
  });

  it("matches the reference model one sentence at a time (cosine >= 0.9999), in input order", async function () {
    const result = await embedder.embed(sentences);
    const ref = await referenceEmbeddings(embedder.tokenize(sentences));
    expect(result.vectors).to.have.length(sentences.length);
    sentences.forEach((s, i) => expect(cosine(result.vectors[i]!, ref[i]!), s).to.be.at.least(0.9999));
  });

  it("returns unit vectors and a contiguous [n × 512] buffer", async function () {
    const result = await embedder.embed(sentences);
    expect(result.dimension).to.equal(512);
    expect(result.data).to.have.length(sentences.length * 512);
    for (const v of result.vectors) expect(Math.hypot(...v)).to.be.closeTo(1, 1e-5);
  });

  it("restores input order whatever the batching", async function () {
    const shuffled = [...sentences].reverse();
    const [a, b] = [await embedder.embed(sentences), await embedder.embed(shuffled)];
    sentences.forEach((s, i) =>
      expect(cosine(a.vectors[i]!, b.vectors[sentences.length - 1 - i]!), s).to.be.at.least(0.9999),
    );
  });

  it("truncates at the model's max tokens and reports token counts", async function () {
    const result = await embedder.embed(["ok", "", sentences.at(-1)!]);
    expect(result.tokenCounts[0]).to.equal(embedder.countTokens("ok"));
    expect(result.tokenCounts[1]).to.equal(0);
    expect(result.tokenCounts[2]).to.equal(128);
    expect(embedder.countTokens(sentences.at(-1)!)).to.be.greaterThan(128);
  });

  it("embeds related texts closer than unrelated ones", async function () {
    const { vectors } = await embedder.embed([
      "The cat sat on the mat.",
      "A kitten is sitting on a rug.",
      "Quarterly revenue grew by ten percent.",
    ]);
    expect(cosine(vectors[0]!, vectors[1]!)).to.be.greaterThan(cosine(vectors[0]!, vectors[2]!) + 0.2);
  });

  it("returns an empty result for no texts", async function () {
    const result = await embedder.embed([]);
    expect(result.vectors).to.deep.equal([]);
    expect(result.tokenCounts).to.deep.equal([]);
  });

  it("refuses reduced dimensions for USE-lite (not Matryoshka-trained)", async function () {
    const err = await embedder.embed(["hi"], { dimensions: 256 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EmbedderError);
    expect((err as EmbedderError).code).to.equal("DIMENSIONS_NOT_SUPPORTED");
    expect((await embedder.embed(["hi"], { dimensions: 512 })).dimension).to.equal(512);
  });

  it("falls back to CPU with one warning when CUDA cannot load", async function () {
    const warnings: string[] = [];
    const { path: dir } = await convertedUseLite();
    const e = await OnnxEmbedder.load(useLiteSpec(dir), {
      device: "cuda",
      intraOpThreads: 1,
      logger: { info() {}, warn: (m) => warnings.push(m) },
    });
    try {
      if (e.device === "cuda") this.skip();
      expect(e.device).to.equal("cpu");
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/EMBEDDER_DEVICE=cuda could not load.*running on CPU/);
      expect((await e.embed(["still works"])).vectors[0]).to.have.length(512);
    } finally {
      await e.dispose();
    }
  });

  describe("with a model that outputs only last_hidden_state", function () {
    let dir: string;
    let tiny: OnnxEmbedder;

    before(async function () {
      const { path: useLite } = await convertedUseLite();
      dir = await mkdtemp(path.join(os.tmpdir(), "chatlens-tiny-"));
      await writeTinyModel(dir, useLite, { matryoshka: true });
      tiny = await OnnxEmbedder.load(
        {
          id: "tiny",
          path: dir,
          onnxFile: "onnx/model_quantized.onnx",
          dimension: TINY_DIM,
          maxTokens: 64,
          matryoshka: true,
        },
        { intraOpThreads: 1, logger: quiet, maxBatchSize: 2 },
      );
    });

    after(async function () {
      await tiny.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it("mean-pools over the attention mask (padding ignored)", async function () {
      const texts = ["hello there", "a much longer sentence that forces padding of the short one", "x"];
      const ids = tiny.tokenize(texts);
      const table = tinyTable();
      const { vectors } = await tiny.embed(texts);
      ids.forEach((row, i) => {
        const mean = new Float32Array(TINY_DIM);
        for (const id of row) for (let h = 0; h < TINY_DIM; h++) mean[h]! += table[id * TINY_DIM + h]! / row.length;
        expect(cosine(vectors[i]!, mean)).to.be.at.least(0.99999);
      });
    });

    it("truncates to the requested dimensions and renormalises (Matryoshka)", async function () {
      const full = await tiny.embed(["matryoshka dolls"]);
      const cut = await tiny.embed(["matryoshka dolls"], { dimensions: 4 });
      expect(cut.dimension).to.equal(4);
      expect(Math.hypot(...cut.vectors[0]!)).to.be.closeTo(1, 1e-6);
      expect(cosine(cut.vectors[0]!, full.vectors[0]!.subarray(0, 4))).to.be.closeTo(1, 1e-6);
      const err = await tiny.embed(["x"], { dimensions: 9 }).catch((e: unknown) => e);
      expect((err as EmbedderError).code).to.equal("INVALID_DIMENSIONS");
    });
  });

  describe("inference on a worker thread", function () {
    const texts = chatCorpus().slice(0, 512);
    let dir: string;
    let big: OnnxEmbedder;

    before(async function () {
      ({ path: dir } = await convertedUseLite());
      big = await OnnxEmbedder.load(useLiteSpec(dir), { intraOpThreads: 2, logger: quiet });
    });

    after(async function () {
      await big.dispose();
    });

    it("keeps the event loop responsive while a large batch is embedded", async function () {
      await big.embed(texts.slice(0, 64));
      const batches = planBatches(
        big.tokenize(texts).map((r) => r.length),
        { tokenBudget: 4096, maxBatchSize: 64 },
      ).length;
      // In-process inference (onnxruntime-node runs each batch synchronously after a setImmediate)
      // lets the loop turn about once per batch; on the worker thread it turns freely throughout.
      // A count, so a loaded machine cannot fail it; the delay in ms is in bench/event-loop-delay.ts.
      const { value, turns } = await loopTurnsWhile(() => big.embed(texts));
      expect(value.vectors).to.have.length(texts.length);
      expect(turns, `event-loop turns while embedding ${batches} batches`).to.be.at.least(batches * 20);
    });

    it("returns vectors bit-identical to running onnxruntime in-process on the same batches", async function () {
      const result = await big.embed(texts);
      const ids = big.tokenize(texts);
      const session = await ort.InferenceSession.create(path.join(dir, "onnx", "model.onnx"), {
        intraOpNumThreads: 2,
        interOpNumThreads: 1,
        graphOptimizationLevel: "all",
      });
      try {
        const expected = new Float32Array(texts.length * 512);
        for (const batch of planBatches(
          ids.map((r) => r.length),
          { tokenBudget: 4096, maxBatchSize: 64 },
        )) {
          const S = Math.max(1, ...batch.map((i) => ids[i]!.length));
          const input = new BigInt64Array(batch.length * S);
          const mask = new BigInt64Array(batch.length * S);
          batch.forEach((i, b) =>
            ids[i]!.forEach((id, s) => ((input[b * S + s] = BigInt(id)), (mask[b * S + s] = 1n))),
          );
          const out = await session.run({
            input_ids: new ort.Tensor("int64", input, [batch.length, S]),
            attention_mask: new ort.Tensor("int64", mask, [batch.length, S]),
          });
          const data = out.sentence_embedding!.data as Float32Array;
          batch.forEach((i, b) => {
            const v = expected.subarray(i * 512, (i + 1) * 512);
            v.set(data.subarray(b * 512, (b + 1) * 512));
            l2NormalizeInPlace(v);
          });
        }
        expect(result.tokenCounts).to.deep.equal(ids.map((r) => r.length));
        expect(Buffer.from(result.data.buffer).equals(Buffer.from(expected.buffer))).to.equal(true);
      } finally {
        await session.release();
      }
    });

    it("answers a query from a session of its own while an import's batch runs, whose threads yield the CPU (nice)", async function () {
      // A hang guard only: at nice 10 the batch gets a small share of a machine whose cores other
      // work keeps busy (scripts/test-under-load.sh), so it may take minutes to end there.
      this.timeout(900_000);
      // One model call for the whole batch: a query sharing its session would wait for all of it.
      const wide = await OnnxEmbedder.load(useLiteSpec(dir), {
        intraOpThreads: 2,
        tokenBudget: 1_000_000,
        maxBatchSize: 1024,
        logger: quiet,
      });
      try {
        expect(wide.hasQuerySession).to.equal(false);
        await wide.embed(["the first query starts the query session"], { lane: "query" });
        await until(() => wide.hasQuerySession);
        let batchDone = false;
        const batch = wide.embed(texts).then((r) => ((batchDone = true), r));
        // The batch worker is inside its one model call once its threads are busy at nice 10.
        let niced: number[] = [];
        if (process.platform === "linux") {
          await until(() => (niced = nicedThreads()).length >= 2);
          expect(niced.every((nice) => nice === 10)).to.equal(true);
        }
        const query = await wide.embed(["where should we go hiking"], { lane: "query" });
        expect(batchDone, "the query waited for the batch").to.equal(false);
        const alone = await big.embed(["where should we go hiking"]);
        expect(cosine(query.vectors[0]!, alone.vectors[0]!)).to.be.at.least(0.9999);
        expect((await batch).vectors).to.have.length(texts.length);
      } finally {
        await wide.dispose();
      }
    });

    it("surfaces the worker's load errors as EmbedderErrors and fails calls after dispose", async function () {
      const e = await OnnxEmbedder.load(useLiteSpec(dir), { intraOpThreads: 1, logger: quiet });
      await e.dispose();
      expect(((await e.embed(["x"]).catch((x: unknown) => x)) as Error).message).to.match(/disposed/);

      // A model whose only output is neither sentence_embedding nor last_hidden_state.
      const bad = await mkdtemp(path.join(os.tmpdir(), "chatlens-bad-"));
      try {
        await writeTinyModel(bad, dir, {}, "logits");
        const err = await OnnxEmbedder.load(
          {
            id: "bad",
            path: bad,
            onnxFile: "onnx/model_quantized.onnx",
            dimension: TINY_DIM,
            maxTokens: 64,
            matryoshka: false,
          },
          { intraOpThreads: 1, logger: quiet },
        ).catch((x: unknown) => x);
        expect(err).to.be.instanceOf(EmbedderError);
        expect((err as EmbedderError).code).to.equal("MODEL_INVALID");
        expect((err as EmbedderError).data).to.deep.equal({ outputs: ["logits"] });
      } finally {
        await rm(bad, { recursive: true, force: true });
      }
    });
  });
});
