import os from "node:os";
import path from "node:path";
import { AutoTokenizer, env as transformersEnv, type PreTrainedTokenizer } from "@huggingface/transformers";
import * as ort from "onnxruntime-node";
import { planBatches } from "./batching.ts";
import { EmbedderError } from "./errors.ts";
import { l2NormalizeInPlace, meanPoolRow } from "./vectors.ts";

// Whether to touch the network is the registry's decision (it downloads hub models itself);
// the tokenizer loader must only ever read the local folder.
transformersEnv.allowRemoteModels = false;

export type Device = "cpu" | "cuda";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RuntimeOptions {
  /** "cuda" tries the CUDA execution provider and falls back to CPU when it cannot load. */
  device?: Device;
  /** Threads one model call may use; default min(4, cores). */
  intraOpThreads?: number;
  /** Most padded tokens per model call; default 4096. */
  tokenBudget?: number;
  /** Most texts per model call; default 64. */
  maxBatchSize?: number;
  logger?: Logger;
}

/** What the runtime needs to know about a model folder (a subset of the registry's ModelInfo). */
export interface RuntimeModelSpec {
  id: string;
  /** Folder in Hugging Face layout. */
  path: string;
  /** ONNX file, relative to `path`. */
  onnxFile: string;
  dimension: number;
  maxTokens: number;
  /** Whether `dimensions` (Matryoshka truncation) is allowed. */
  matryoshka: boolean;
}

export interface EmbedOptions {
  /** Truncate vectors to this many dimensions and renormalise (Matryoshka models only). */
  dimensions?: number;
}

export interface EmbedResult {
  /** Row-major [texts.length × dimension], every row L2-normalised. */
  data: Float32Array;
  /** One view per input, in input order, into `data`. */
  vectors: Float32Array[];
  /** Tokens each input was embedded with, after truncation to the model's max tokens. */
  tokenCounts: number[];
  dimension: number;
}

const POOLED_OUTPUT = "sentence_embedding";
const TOKEN_OUTPUT = "last_hidden_state";
const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);

/**
 * One loaded ONNX sentence-embedding model: tokenizer + onnxruntime session.
 * `embed` sorts inputs by token length, batches them by a token budget, runs them one batch
 * at a time (calls are serialised: the session already uses every thread it was given),
 * pools, normalises and returns vectors in input order.
 */
export class OnnxEmbedder {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly outputName: string;
  private readonly inputTypes: Map<string, "int64" | "int32">;

  private constructor(
    readonly spec: RuntimeModelSpec,
    readonly device: Device,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly limits: { tokenBudget: number; maxBatchSize: number },
  ) {
    if (session.outputNames.includes(POOLED_OUTPUT)) this.outputName = POOLED_OUTPUT;
    else if (session.outputNames.includes(TOKEN_OUTPUT)) this.outputName = TOKEN_OUTPUT;
    else {
      throw new EmbedderError(
        "MODEL_INVALID",
        `model ${spec.id} has neither ${POOLED_OUTPUT} nor ${TOKEN_OUTPUT} output`,
        {
          outputs: session.outputNames,
        },
      );
    }
    this.inputTypes = new Map();
    for (const meta of session.inputMetadata) {
      if (!KNOWN_INPUTS.has(meta.name)) {
        throw new EmbedderError("MODEL_INVALID", `model ${spec.id} takes an unsupported input ${meta.name}`);
      }
      this.inputTypes.set(meta.name, meta.isTensor && meta.type === "int32" ? "int32" : "int64");
    }
  }

  static async load(spec: RuntimeModelSpec, options: RuntimeOptions = {}): Promise<OnnxEmbedder> {
    const logger = options.logger ?? console;
    const threads = options.intraOpThreads ?? Math.min(4, os.availableParallelism());
    const base: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    };
    const file = path.join(spec.path, spec.onnxFile);
    let device: Device = "cpu";
    let session: ort.InferenceSession | undefined;
    if (options.device === "cuda") {
      try {
        session = await ort.InferenceSession.create(file, {
          ...base,
          executionProviders: [{ name: "cuda", deviceId: 0 }, "cpu"],
        });
        device = "cuda";
      } catch (err) {
        // A missing CUDA library throws instead of falling back inside onnxruntime.
        logger.warn(
          `embedder: CUDA unavailable for ${spec.id} (${(err as Error).message.split("\n")[0]}); running on CPU`,
        );
      }
    }
    session ??= await ort.InferenceSession.create(file, { ...base, executionProviders: ["cpu"] });
    const tokenizer = await AutoTokenizer.from_pretrained(spec.path);
    logger.info(`embedder: loaded ${spec.id} on ${device} (${threads} threads)`);
    return new OnnxEmbedder(spec, device, session, tokenizer, {
      tokenBudget: options.tokenBudget ?? 4096,
      maxBatchSize: options.maxBatchSize ?? 64,
    });
  }

  /** Token ids per text, truncated to the model's max tokens (special tokens included). */
  tokenize(texts: string[]): number[][] {
    if (texts.length === 0) return [];
    const out = this.tokenizer(texts, {
      truncation: true,
      max_length: this.spec.maxTokens,
      padding: false,
      return_tensor: false,
    }) as { input_ids: number[][] };
    return out.input_ids;
  }

  /** Untruncated token count of one text, for chunk sizing. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text).length;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    const dimension = this.outputDimension(options.dimensions);
    const ids = this.tokenize(texts);
    const data = new Float32Array(texts.length * dimension);
    const batches = planBatches(
      ids.map((r) => r.length),
      this.limits,
    );
    for (const batch of batches) {
      const rows = await this.serialised(() => this.runBatch(batch.map((i) => ids[i]!)));
      batch.forEach((inputIndex, r) => {
        const v = data.subarray(inputIndex * dimension, (inputIndex + 1) * dimension);
        v.set(rows[r]!.subarray(0, dimension));
        l2NormalizeInPlace(v);
      });
    }
    return {
      data,
      vectors: texts.map((_, i) => data.subarray(i * dimension, (i + 1) * dimension)),
      tokenCounts: ids.map((r) => r.length),
      dimension,
    };
  }

  async dispose(): Promise<void> {
    await this.serialised(() => this.session.release());
  }

  private outputDimension(requested: number | undefined): number {
    if (requested === undefined || requested === this.spec.dimension) return this.spec.dimension;
    if (!this.spec.matryoshka) {
      throw new EmbedderError("DIMENSIONS_NOT_SUPPORTED", `model ${this.spec.id} does not support reduced dimensions`, {
        model: this.spec.id,
        dimension: this.spec.dimension,
      });
    }
    if (!Number.isInteger(requested) || requested < 1 || requested > this.spec.dimension) {
      throw new EmbedderError("INVALID_DIMENSIONS", `dimensions must be an integer in 1..${this.spec.dimension}`, {
        model: this.spec.id,
        requested,
      });
    }
    return requested;
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runBatch(rows: number[][]): Promise<Float32Array[]> {
    const B = rows.length;
    // An all-empty batch still needs one (masked) position: a zero-length axis is not valid input.
    const S = Math.max(1, ...rows.map((r) => r.length));
    const inputIds = new BigInt64Array(B * S);
    const mask = new BigInt64Array(B * S);
    rows.forEach((row, b) =>
      row.forEach((id, s) => {
        inputIds[b * S + s] = BigInt(id);
        mask[b * S + s] = 1n;
      }),
    );
    const values: Record<string, BigInt64Array> = {
      input_ids: inputIds,
      attention_mask: mask,
      token_type_ids: new BigInt64Array(B * S),
    };
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, type] of this.inputTypes) {
      const v = values[name]!;
      feeds[name] =
        type === "int32"
          ? new ort.Tensor(
              "int32",
              Int32Array.from(v, (x) => Number(x)),
              [B, S],
            )
          : new ort.Tensor("int64", v, [B, S]);
    }
    const out = (await this.session.run(feeds, [this.outputName]))[this.outputName]!;
    const data = out.data as Float32Array;
    const hidden = out.dims[out.dims.length - 1]!;
    if (hidden < this.spec.dimension) {
      throw new EmbedderError(
        "MODEL_INVALID",
        `model ${this.spec.id} outputs ${hidden} dimensions, expected ${this.spec.dimension}`,
      );
    }
    if (this.outputName === POOLED_OUTPUT) {
      return rows.map((_, b) => data.subarray(b * hidden, (b + 1) * hidden));
    }
    return rows.map((_, b) => meanPoolRow(data, mask, b, S, hidden));
  }
}
