import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AutoTokenizer, env } from "@huggingface/transformers";
import * as ort from "onnxruntime-node";
import { ensureUseLite, USE_LITE_INT8_ID } from "../../../../services/embedder/use-lite/convert.ts";
import { chatCorpus } from "../../../../bench/embed-corpus.ts";
import { MODEL_METADATA_FILE } from "../../../../services/embedder/model-metadata.ts";
import { convertedUseLite, cosine, referenceModelDir, sentences } from "../fixtures.ts";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";

env.allowRemoteModels = false;

async function runModel(dir: string, ids: number[][]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(path.join(dir, "onnx", "model.onnx"), {
    intraOpNumThreads: 1,
  });
  try {
    const S = Math.max(1, ...ids.map((r) => r.length));
    const inputIds = new BigInt64Array(ids.length * S);
    const mask = new BigInt64Array(ids.length * S);
    ids.forEach((row, i) =>
      row.forEach((id, j) => {
        inputIds[i * S + j] = BigInt(id);
        mask[i * S + j] = 1n;
      }),
    );
    const out = await session.run({
      input_ids: new ort.Tensor("int64", inputIds, [ids.length, S]),
      attention_mask: new ort.Tensor("int64", mask, [ids.length, S]),
    });
    const data = out.sentence_embedding!.data as Float32Array;
    return ids.map((_, i) => data.slice(i * 512, (i + 1) * 512));
  } finally {
    await session.release();
  }
}

const sha256 = async (p: string) =>
  createHash("sha256")
    .update(await readFile(p))
    .digest("hex");

describe("USE-lite converter", function () {
  let modelDir: string;

  // Conversion speed is not asserted here (bench/ measures speed); the timeout is a hang guard.
  before(async function () {
    this.timeout(180_000);
    ({ path: modelDir } = await convertedUseLite());
  });

  it("writes the Hugging Face layout plus chatlens.json", async function () {
    expect((await readdir(modelDir)).sort()).to.deep.equal(
      [
        MODEL_METADATA_FILE,
        "config.json",
        "onnx",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
      ].sort(),
    );
    const meta = JSON.parse(await readFile(path.join(modelDir, MODEL_METADATA_FILE), "utf8"));
    expect(meta).to.include({ license: "Apache-2.0", dimension: 512, maxTokens: 128, matryoshka: false });
    expect(meta.languages).to.deep.equal(["en"]);
  });

  it("writes tokenizer and config files equal to the reference", async function () {
    for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json"]) {
      const ours = JSON.parse(await readFile(path.join(modelDir, f), "utf8"));
      const ref = JSON.parse(await readFile(path.join(referenceModelDir, f), "utf8"));
      expect(ours, f).to.deep.equal(ref);
    }
  });

  it("writes an ONNX file byte-identical to the reference graph", async function () {
    expect(await sha256(path.join(modelDir, "onnx", "model.onnx"))).to.equal(
      await sha256(path.join(referenceModelDir, "onnx", "model.onnx")),
    );
  });

  it("tokenizes the test sentences to identical ids (with and without truncation)", async function () {
    const ours = await AutoTokenizer.from_pretrained(modelDir);
    const ref = await AutoTokenizer.from_pretrained(referenceModelDir);
    for (const s of sentences) {
      expect(ours.encode(s), s).to.deep.equal(ref.encode(s));
    }
    const opts = { truncation: true, max_length: 128, return_tensor: false } as const;
    const a = ours(sentences, opts) as { input_ids: number[][] };
    const b = ref(sentences, opts) as { input_ids: number[][] };
    expect(a.input_ids).to.deep.equal(b.input_ids);
    expect(
      Math.max(...ref(sentences, { return_tensor: false }).input_ids.map((r: number[]) => r.length)),
    ).to.be.greaterThan(128);
    expect(a.input_ids.at(-1)).to.have.length(128);
  });

  it("produces embeddings with cosine >= 0.9999 to the reference model", async function () {
    const tok = await AutoTokenizer.from_pretrained(referenceModelDir);
    const ids = (
      tok(sentences, { truncation: true, max_length: 128, return_tensor: false }) as { input_ids: number[][] }
    ).input_ids;
    const [ours, ref] = [await runModel(modelDir, ids), await runModel(referenceModelDir, ids)];
    sentences.forEach((s, i) => expect(cosine(ours[i]!, ref[i]!), s).to.be.at.least(0.9999));
  });

  it("ensureUseLite converts once into a models folder and reuses it", async function () {
    const models = await mkdtemp(path.join(os.tmpdir(), "chatlens-models-"));
    try {
      let conversions = 0;
      const [a, b] = await Promise.all([
        ensureUseLite(models, () => conversions++),
        ensureUseLite(models, () => conversions++),
      ]);
      expect(a).to.equal(b);
      expect(await ensureUseLite(models, () => conversions++)).to.equal(a);
      expect(conversions).to.equal(1);
      expect(await readdir(models)).to.deep.equal(["use-lite"]);
    } finally {
      await rm(models, { recursive: true, force: true });
    }
  });

  it("builds the int8 variant as a model of its own whose vectors keep cosine >= 0.99 to fp32", async function () {
    this.timeout(300_000);
    const models = await mkdtemp(path.join(os.tmpdir(), "chatlens-models-"));
    try {
      const dir = await ensureUseLite(models, undefined, "int8");
      expect(path.basename(dir)).to.equal(USE_LITE_INT8_ID);
      const meta = JSON.parse(await readFile(path.join(dir, MODEL_METADATA_FILE), "utf8"));
      expect(meta).to.include({ id: USE_LITE_INT8_ID, quantization: "int8", dimension: 512, maxTokens: 128 });
      // The chat-like corpus as well as the test sentences: one-word replies to 128-token paragraphs.
      const texts = [...sentences, ...chatCorpus(200, 11)];
      const tok = await AutoTokenizer.from_pretrained(referenceModelDir);
      const ids = (tok(texts, { truncation: true, max_length: 128, return_tensor: false }) as { input_ids: number[][] })
        .input_ids;
      const [int8, fp32] = [await runModel(dir, ids), await runModel(modelDir, ids)];
      texts.forEach((t, i) => expect(cosine(int8[i]!, fp32[i]!), t).to.be.at.least(0.99));
    } finally {
      await rm(models, { recursive: true, force: true });
    }
  });
});
