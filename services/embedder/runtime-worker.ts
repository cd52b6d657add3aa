/**
 * Worker-thread entry for OnnxEmbedder (see runtime.ts): owns one model's onnxruntime session
 * and tokenizer. onnxruntime-node's session.run executes on the calling thread, so running it
 * here keeps the process's main event loop (gateway, other services, database work) free while
 * a batch is inferred.
 */
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { AutoTokenizer, env as transformersEnv, type PreTrainedTokenizer } from "@huggingface/transformers";
import * as ort from "onnxruntime-node";
import { planBatches, type BatchLimits } from "./batching.ts";
import { EmbedderError, type EmbedderErrorCode } from "./errors.ts";
import { LaneScheduler, type Lane } from "./lanes.ts";
import { NativeCallGate } from "./native-gate.ts";
import { openSession } from "./runtime-device.ts";
import { lowerThreadPriority } from "./thread-priority.ts";
import type { Device, DeviceChoice, RuntimeModelSpec } from "./runtime-spec.ts";
import { l2NormalizeInPlace, meanPoolRow } from "./vectors.ts";

// Whether to touch the network is the registry's decision; this worker only reads the local folder.
transformersEnv.allowRemoteModels = false;

export interface WorkerInit {
  /** State of the NativeCallGate every onnxruntime call enters (shared with the owning thread). */
  gate: Int32Array;
  spec: RuntimeModelSpec;
  device: DeviceChoice | undefined;
  threads: number;
  limits: BatchLimits;
  /** Nice value for this thread and the onnxruntime threads it starts (0: as the process). */
  nice: number;
}

export type WorkerRequest =
  { type: "embed"; id: number; texts: string[]; dimension: number; lane?: Lane } | { type: "dispose"; id: number };

/** An error as it crosses the thread boundary (structured clone drops an Error's own fields). */
export interface WireError {
  message: string;
  code?: EmbedderErrorCode;
  data?: Record<string, unknown>;
}

export type WorkerReply =
  | { type: "ready"; device: Device; warnings: string[] }
  | { type: "loadError"; error: WireError; warnings: string[] }
  | { type: "embedded"; id: number; data: Float32Array; tokenCounts: number[] }
  | { type: "disposed"; id: number }
  | { type: "error"; id: number; error: WireError };

const POOLED_OUTPUT = "sentence_embedding";
const TOKEN_OUTPUT = "last_hidden_state";
const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);

function toWire(err: unknown): WireError {
  if (err instanceof EmbedderError) return { message: err.message, code: err.code, data: err.data };
  return { message: err instanceof Error ? err.message : String(err) };
}

class ModelWorker {
  private readonly lanes = new LaneScheduler();
  private readonly outputName: string;
  private readonly inputTypes = new Map<string, "int64" | "int32">();

  constructor(
    private readonly spec: RuntimeModelSpec,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly limits: BatchLimits,
    private readonly gate: NativeCallGate,
  ) {
    if (session.outputNames.includes(POOLED_OUTPUT)) this.outputName = POOLED_OUTPUT;
    else if (session.outputNames.includes(TOKEN_OUTPUT)) this.outputName = TOKEN_OUTPUT;
    else {
      throw new EmbedderError(
        "MODEL_INVALID",
        `model ${spec.id} has neither ${POOLED_OUTPUT} nor ${TOKEN_OUTPUT} output`,
        { outputs: session.outputNames },
      );
    }
    for (const meta of session.inputMetadata) {
      if (!KNOWN_INPUTS.has(meta.name)) {
        throw new EmbedderError("MODEL_INVALID", `model ${spec.id} takes an unsupported input ${meta.name}`);
      }
      this.inputTypes.set(meta.name, meta.isTensor && meta.type === "int32" ? "int32" : "int64");
    }
  }

  static async load(init: WorkerInit, warnings: string[]): Promise<{ worker: ModelWorker; device: Device }> {
    const { spec, threads } = init;
    // Before the session exists: its thread pool inherits this thread's priority.
    const unchanged = lowerThreadPriority(init.nice);
    if (unchanged) warnings.push(`embedder: ${unchanged}`);
    const gate = new NativeCallGate(init.gate);
    const base: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    };
    const file = path.join(spec.path, spec.onnxFile);
    const { session, device } = await gate.run(() => openSession(file, base, init.device, spec.id, warnings));
    const tokenizer = await AutoTokenizer.from_pretrained(spec.path);
    return { worker: new ModelWorker(spec, session, tokenizer, init.limits, gate), device };
  }

  /** Vectors of `dimension` floats, L2-normalised, row-major in input order. */
  async embed(
    texts: string[],
    dimension: number,
    lane: Lane = "batch",
  ): Promise<{ data: Float32Array; tokenCounts: number[] }> {
    const ids =
      texts.length === 0
        ? []
        : (
            this.tokenizer(texts, {
              truncation: true,
              max_length: this.spec.maxTokens,
              padding: false,
              return_tensor: false,
            }) as { input_ids: number[][] }
          ).input_ids;
    const data = new Float32Array(texts.length * dimension);
    const batches = planBatches(
      ids.map((r) => r.length),
      this.limits,
    );
    for (const batch of batches) {
      // Batches of concurrent embed calls interleave one model call at a time (the session
      // already uses every thread it was given); a query's call overtakes waiting batch calls.
      const rows = await this.lanes.run(lane, () => this.runBatch(batch.map((i) => ids[i]!)));
      batch.forEach((inputIndex, r) => {
        const v = data.subarray(inputIndex * dimension, (inputIndex + 1) * dimension);
        v.set(rows[r]!.subarray(0, dimension));
        l2NormalizeInPlace(v);
      });
    }
    return { data, tokenCounts: ids.map((r) => r.length) };
  }

  release(): Promise<void> {
    return this.lanes.run("batch", () => this.gate.run(() => this.session.release()));
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
    const out = (await this.gate.run(() => this.session.run(feeds, [this.outputName])))[this.outputName]!;
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

const port = parentPort!;
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const warnings: string[] = [];
try {
  const { worker, device } = await ModelWorker.load(workerData as WorkerInit, warnings);
  port.on("message", (request: WorkerRequest) => {
    if (request.type === "embed") {
      worker.embed(request.texts, request.dimension, request.lane).then(
        // The vectors' buffer moves to the main thread instead of being copied.
        ({ data, tokenCounts }) =>
          post({ type: "embedded", id: request.id, data, tokenCounts }, [data.buffer as ArrayBuffer]),
        (err: unknown) => post({ type: "error", id: request.id, error: toWire(err) }),
      );
    } else {
      worker.release().then(
        () => post({ type: "disposed", id: request.id }),
        (err: unknown) => post({ type: "error", id: request.id, error: toWire(err) }),
      );
    }
  });
  post({ type: "ready", device, warnings });
} catch (err) {
  post({ type: "loadError", error: toWire(err), warnings });
}
