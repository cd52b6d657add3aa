/**
 * Worker-thread entry for clusterChunks (see worker.ts): receives the chunks and
 * options, posts progress messages, then the result or the error message.
 */
import { parentPort, workerData } from "node:worker_threads";
import { clusterChunks, type ClusteringOptions } from "./pipeline.ts";
import type { ChunkInput } from "./types.ts";

export type WorkerMessage =
  | { type: "progress"; fraction: number; stage: string }
  | { type: "result"; result: Awaited<ReturnType<typeof clusterChunks>> }
  | { type: "error"; message: string };

const { chunks, options } = workerData as { chunks: ChunkInput[]; options: ClusteringOptions };
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
clusterChunks(chunks, options, (fraction, stage) => post({ type: "progress", fraction, stage })).then(
  (result) => post({ type: "result", result }),
  (error: unknown) => post({ type: "error", message: error instanceof Error ? error.message : String(error) }),
);
