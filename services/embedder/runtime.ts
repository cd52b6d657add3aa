import os from "node:os";
import type { Worker } from "node:worker_threads";
import { AutoTokenizer, env as transformersEnv, type PreTrainedTokenizer } from "@huggingface/transformers";
import { startTsWorker } from "../../core/worker-thread.ts";
import { EmbedderError } from "./errors.ts";
import type { Lane } from "./lanes.ts";
import { closeOnProcessExit, NativeCallGate } from "./native-gate.ts";
import type { Device, DeviceChoice, RuntimeModelSpec } from "./runtime-spec.ts";
import type { WireError, WorkerInit, WorkerReply, WorkerRequest } from "./runtime-worker.ts";

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
  logger?: Logger;
}

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

const WORKER_ENTRY = new URL("./runtime-worker.ts", import.meta.url);
/** Longest wait for an onnxruntime call to come back before its worker is ended anyway. */
const GATE_CLOSE_MS = 60_000;

function fromWire(error: WireError): Error {
  return error.code ? new EmbedderError(error.code, error.message, error.data) : new Error(error.message);
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

/**
 * One loaded ONNX sentence-embedding model. Inference runs on a worker thread that owns the
 * onnxruntime session and its own tokenizer (runtime-worker.ts): onnxruntime-node's session.run
 * executes on the calling thread, and on the main thread it blocked every other service for a
 * whole batch. The worker sorts inputs by token length, batches them by a token budget, runs
 * them one batch at a time, pools and normalises; vectors come back in input order in a
 * transferred buffer. A tokenizer stays on this thread for the synchronous tokenize/countTokens.
 */
export class OnnxEmbedder {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is gone; later calls fail with it. */
  private dead: Error | undefined;

  private constructor(
    readonly spec: RuntimeModelSpec,
    readonly device: Device,
    private readonly worker: Worker,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly gate: NativeCallGate,
    private readonly forgetGate: () => void,
  ) {
    worker.on("message", (reply: WorkerReply) => {
      if (reply.type === "ready" || reply.type === "loadError") return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.settle(reply.id);
      if (reply.type === "error") waiter.reject(fromWire(reply.error));
      else waiter.resolve(reply);
    });
    const fail = (error: Error) => {
      this.dead ??= error;
      for (const [id, waiter] of this.pending) {
        this.settle(id);
        waiter.reject(this.dead);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`embedder worker for ${spec.id} exited with code ${code}`)));
    // An idle worker must not keep the process alive (an in-process session never did).
    worker.unref();
  }

  static async load(spec: RuntimeModelSpec, options: RuntimeOptions = {}): Promise<OnnxEmbedder> {
    const logger = options.logger ?? console;
    const threads = options.intraOpThreads ?? Math.min(4, os.availableParallelism());
    // The worker enters it around every onnxruntime call; an exiting process closes it first.
    const gate = NativeCallGate.create();
    const forgetGate = closeOnProcessExit(gate);
    const init: WorkerInit = {
      gate: gate.state,
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
    };
    const worker = startTsWorker(WORKER_ENTRY, { workerData: init });
    let onMessage: ((reply: WorkerReply) => void) | undefined;
    let onGone: ((error: Error) => void) | undefined;
    const onExit = (code: number) => onGone?.(new Error(`embedder worker for ${spec.id} exited with code ${code}`));
    const started = new Promise<Extract<WorkerReply, { type: "ready" }>>((resolve, reject) => {
      onGone = reject;
      onMessage = (reply) => {
        if (reply.type !== "ready" && reply.type !== "loadError") return;
        for (const warning of reply.warnings) logger.warn(warning);
        if (reply.type === "ready") resolve(reply);
        else reject(fromWire(reply.error));
      };
    });
    worker.on("message", onMessage!).on("error", onGone!).on("exit", onExit);
    try {
      const [ready, tokenizer] = await Promise.all([started, AutoTokenizer.from_pretrained(spec.path)]);
      logger.info(`embedder: loaded ${spec.id} on ${ready.device} (${threads} threads)`);
      return new OnnxEmbedder(spec, ready.device, worker, tokenizer, gate, forgetGate);
    } catch (err) {
      // The session may still be loading (the tokenizer failed first): never end the worker inside it.
      await gate.close(GATE_CLOSE_MS);
      forgetGate();
      await worker.terminate();
      throw err;
    } finally {
      // Only the load's own listeners: removeAllListeners would also drop the ones Node uses
      // to ref/unref the worker's message port.
      worker.off("message", onMessage!).off("error", onGone!).off("exit", onExit);
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
    const reply = await this.request({ type: "embed", id: this.nextId++, texts, dimension, lane: options.lane });
    if (reply.type !== "embedded") throw new Error(`embedder worker answered ${reply.type} to embed`);
    const { data, tokenCounts } = reply;
    return {
      data,
      vectors: texts.map((_, i) => data.subarray(i * dimension, (i + 1) * dimension)),
      tokenCounts,
      dimension,
    };
  }

  /** Releases the session after the calls already queued, then ends the worker. */
  async dispose(): Promise<void> {
    if (this.dead) return;
    try {
      await this.request({ type: "dispose", id: this.nextId++ });
    } finally {
      this.dead ??= new Error(`embedder for ${this.spec.id} was disposed`);
      await this.gate.close(GATE_CLOSE_MS);
      this.forgetGate();
      await this.worker.terminate();
    }
  }

  private request(message: WorkerRequest): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      // Keep the process alive only while the worker owes an answer.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
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
