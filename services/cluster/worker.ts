/**
 * Runs clusterChunks on a worker thread, so a node that also serves requests
 * (the embedded shape runs everything in one process) never blocks its event
 * loop on a minute of k-means and UMAP.
 */
import { startTsWorker } from "../../core/worker-thread.ts";
import type { WorkerMessage } from "./pipeline-worker.ts";
import type { ClusteringOptions } from "./pipeline.ts";
import type { ProgressFn } from "./progress.ts";
import type { ChunkInput, ClusteringResult } from "./types.ts";

const ENTRY = new URL("./pipeline-worker.ts", import.meta.url);

export interface WorkerRunOptions {
  /** Aborting terminates the worker and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export function clusterChunksInWorker(
  chunks: readonly ChunkInput[],
  options: ClusteringOptions = {},
  onProgress?: ProgressFn,
  run: WorkerRunOptions = {},
): Promise<ClusteringResult> {
  return new Promise((resolve, reject) => {
    run.signal?.throwIfAborted();
    const worker = startTsWorker(ENTRY, { workerData: { chunks, options } });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener("abort", abort);
      action();
      void worker.terminate();
    };
    const abort = () => finish(() => reject(run.signal!.reason));
    run.signal?.addEventListener("abort", abort, { once: true });
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") onProgress?.(message.fraction, message.stage);
      else if (message.type === "result") finish(() => resolve(message.result));
      else finish(() => reject(new Error(message.message)));
    });
    worker.on("error", (error) => finish(() => reject(error)));
    worker.on("exit", (code) => finish(() => reject(new Error(`cluster worker exited with code ${code}`))));
  });
}
