import type { Worker } from "node:worker_threads";
import { startTsWorker } from "../../core/worker-thread.ts";
import { EmbedderError } from "./errors.ts";
import { closeOnProcessExit, NativeCallGate } from "./native-gate.ts";
import type { Device } from "./runtime-spec.ts";
import type { WireError, WorkerInit, WorkerReply, WorkerRequest } from "./runtime-worker.ts";

const WORKER_ENTRY = new URL("./runtime-worker.ts", import.meta.url);
/** Longest wait for an onnxruntime call to come back before its worker is ended anyway. */
const GATE_CLOSE_MS = 60_000;

export function fromWire(error: WireError): Error {
  return error.code ? new EmbedderError(error.code, error.message, error.data) : new Error(error.message);
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

/**
 * One worker thread holding one onnxruntime session of a model (runtime-worker.ts), and the
 * bookkeeping of the calls it owes an answer. The NativeCallGate keeps an exiting process from
 * ending the worker inside a native call.
 */
export class ModelThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is gone; later calls fail with it. */
  private deadWith: Error | undefined;

  private constructor(
    private readonly modelId: string,
    readonly device: Device,
    private readonly worker: Worker,
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
      this.deadWith ??= error;
      for (const [id, waiter] of this.pending) {
        this.settle(id);
        waiter.reject(this.deadWith);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`embedder worker for ${modelId} exited with code ${code}`)));
    // An idle worker must not keep the process alive (an in-process session never did).
    worker.unref();
  }

  /** Starts the worker and waits until its session is loaded; warnings go to `warn`. */
  static async start(init: Omit<WorkerInit, "gate">, warn: (message: string) => void): Promise<ModelThread> {
    // The worker enters it around every onnxruntime call; an exiting process closes it first.
    const gate = NativeCallGate.create();
    const forgetGate = closeOnProcessExit(gate);
    const worker = startTsWorker(WORKER_ENTRY, { workerData: { ...init, gate: gate.state } satisfies WorkerInit });
    let onMessage: ((reply: WorkerReply) => void) | undefined;
    let onGone: ((error: Error) => void) | undefined;
    const onExit = (code: number) =>
      onGone?.(new Error(`embedder worker for ${init.spec.id} exited with code ${code}`));
    const started = new Promise<Extract<WorkerReply, { type: "ready" }>>((resolve, reject) => {
      onGone = reject;
      onMessage = (reply) => {
        if (reply.type !== "ready" && reply.type !== "loadError") return;
        for (const warning of reply.warnings) warn(warning);
        if (reply.type === "ready") resolve(reply);
        else reject(fromWire(reply.error));
      };
    });
    worker.on("message", onMessage!).on("error", onGone!).on("exit", onExit);
    try {
      const ready = await started;
      return new ModelThread(init.spec.id, ready.device, worker, gate, forgetGate);
    } catch (err) {
      await ModelThread.end(worker, gate, forgetGate);
      throw err;
    } finally {
      // Only the start's own listeners: removeAllListeners would also drop the ones Node uses
      // to ref/unref the worker's message port.
      worker.off("message", onMessage!).off("error", onGone!).off("exit", onExit);
    }
  }

  get dead(): Error | undefined {
    return this.deadWith;
  }

  /** Sends a request (its id is filled in here) and resolves with the worker's answer. */
  request(message: WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never) {
    if (this.deadWith) return Promise.reject(this.deadWith);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      // Keep the process alive only while the worker owes an answer.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as WorkerRequest);
    });
  }

  /** Releases the session after the calls already queued, then ends the worker. */
  async dispose(): Promise<void> {
    if (this.deadWith) return;
    try {
      await this.request({ type: "dispose" });
    } finally {
      this.deadWith ??= new Error(`embedder for ${this.modelId} was disposed`);
      await ModelThread.end(this.worker, this.gate, this.forgetGate);
    }
  }

  /** Ends a worker, never inside a native call (bounded wait). */
  private static async end(worker: Worker, gate: NativeCallGate, forgetGate: () => void): Promise<void> {
    await gate.close(GATE_CLOSE_MS);
    forgetGate();
    await worker.terminate();
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }
}
