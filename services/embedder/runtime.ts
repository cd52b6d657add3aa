import os from "node:os";
import { AutoTokenizer, env as transformersEnv, type PreTrainedTokenizer } from "@huggingface/transformers";
import { EmbedderError } from "./errors.ts";
import type { Lane } from "./lanes.ts";
import { ModelThread } from "./model-thread.ts";
import type { Device, DeviceChoice, RuntimeModelSpec } from "./runtime-spec.ts";
import type { WorkerInit } from "./runtime-worker.ts";

export type { Device, DeviceChoice, RuntimeModelSpec } from "./runtime-spec.ts";

// Whether to touch the network is the registry's decision (it downloads hub models itself);
// the tokenizer loader must only ever read the local folder.
transformersEnv.allowRemoteModels = false;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RuntimeOptions {
  /** "cuda" / "webgpu" try that execution provider, "auto" each GPU provider; all fall back to CPU when it cannot load. */
  device?: DeviceChoice;
  /** Threads one model call may use; default min(4, cores). */
  intraOpThreads?: number;
  /** Most padded tokens per model call; default 4096. */
  tokenBudget?: number;
  /** Most texts per model call; default 64. */
  maxBatchSize?: number;
  /**
   * Nice value of the batch worker's threads (Linux; 0 = as the process), so that searches, the
   * gateway and the database come first while an import is embedded; default 10.
   */
  batchNice?: number;
  /** A second session, one thread at normal priority, for the query lane; default true. */
  queryThread?: boolean;
  logger?: Logger;
}

const DEFAULT_BATCH_NICE = 10;

export interface EmbedOptions {
  /** Truncate vectors to this many dimensions and renormalise (Matryoshka models only). */
  dimensions?: number;
  /** "query": a search waits on it, so it runs before batch work waiting for the model. */
  lane?: Lane;
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

/**
 * One loaded ONNX sentence-embedding model. Inference runs on worker threads that own the
 * onnxruntime sessions and their own tokenizers (runtime-worker.ts): onnxruntime-node's
 * session.run executes on the calling thread, and on the main thread it blocked every other
 * service for a whole batch. A worker sorts inputs by token length, batches them by a token
 * budget, runs them one batch at a time, pools and normalises; vectors come back in input order
 * in a transferred buffer. A tokenizer stays on this thread for the synchronous
 * tokenize/countTokens.
 *
 * Search must not wait behind an import being embedded (issue 13 point 6). The batch worker runs
 * at a lower scheduling priority (its onnxruntime threads inherit it), so whatever else the
 * process and the machine do comes first; a query's embedding runs on a second session of its
 * own, one thread at normal priority, started on the first query (until it is up, queries take
 * the batch worker's query lane, ahead of waiting batches but behind the running one).
 */
export class OnnxEmbedder {
  private query: ModelThread | undefined;
  private queryStarting: Promise<void> | undefined;
  private disposed = false;

  private constructor(
    readonly spec: RuntimeModelSpec,
    readonly device: Device,
    private readonly batch: ModelThread,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly startQueryThread: (() => Promise<ModelThread>) | undefined,
    private readonly logger: Logger,
  ) {}

  static async load(spec: RuntimeModelSpec, options: RuntimeOptions = {}): Promise<OnnxEmbedder> {
    const logger = options.logger ?? console;
    const threads = options.intraOpThreads ?? Math.min(4, os.availableParallelism());
    const init: Omit<WorkerInit, "gate"> = {
      // Only the runtime's fields: the caller may pass a richer object that need not be cloneable.
      spec: {
        id: spec.id,
        path: spec.path,
        onnxFile: spec.onnxFile,
        dimension: spec.dimension,
        maxTokens: spec.maxTokens,
        matryoshka: spec.matryoshka,
      },
      device: options.device,
      threads,
      limits: { tokenBudget: options.tokenBudget ?? 4096, maxBatchSize: options.maxBatchSize ?? 64 },
      nice: options.batchNice ?? DEFAULT_BATCH_NICE,
    };
    const warn = (message: string) => logger.warn(message);
    const batch = ModelThread.start(init, warn);
    try {
      const [thread, tokenizer] = await Promise.all([batch, AutoTokenizer.from_pretrained(spec.path)]);
      logger.info(`embedder: loaded ${spec.id} on ${thread.device} (${threads} threads)`);
      const startQueryThread =
        options.queryThread === false
          ? undefined
          : () => ModelThread.start({ ...init, device: thread.device, threads: 1, nice: 0 }, warn);
      return new OnnxEmbedder(spec, thread.device, thread, tokenizer, startQueryThread, logger);
    } catch (err) {
      // The session may still be loading (the tokenizer failed first): ended once it is up.
      void batch.then((thread) => thread.dispose()).catch(() => undefined);
      throw err;
    }
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
    const lane = options.lane ?? "batch";
    const thread = lane === "query" ? this.queryThread() : this.batch;
    const reply = await thread.request({ type: "embed", texts, dimension, lane });
    if (reply.type !== "embedded") throw new Error(`embedder worker answered ${reply.type} to embed`);
    const { data, tokenCounts } = reply;
    return {
      data,
      vectors: texts.map((_, i) => data.subarray(i * dimension, (i + 1) * dimension)),
      tokenCounts,
      dimension,
    };
  }

  /** Releases the sessions after the calls already queued, then ends the workers. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queryStarting;
    await Promise.all([this.batch.dispose(), this.query?.dispose()]);
  }

  /** Whether queries run on their own session now (it starts on the first query). */
  get hasQuerySession(): boolean {
    return !!this.query && !this.query.dead;
  }

  /** The query session when it is up; the batch worker (query lane) until then, or for good if it cannot start. */
  private queryThread(): ModelThread {
    if (this.query && !this.query.dead) return this.query;
    if (!this.queryStarting && !this.query && this.startQueryThread && !this.disposed) {
      this.queryStarting = this.startQueryThread().then(
        (thread) => {
          this.queryStarting = undefined;
          if (this.disposed) return thread.dispose();
          this.query = thread;
        },
        (err: unknown) => {
          // Never retried: queries keep the batch worker's query lane, as before this session existed.
          this.logger.warn(
            `embedder: the query session of ${this.spec.id} did not start (${(err as Error).message}); queries share the batch session`,
          );
        },
      );
    }
    return this.batch;
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
}
