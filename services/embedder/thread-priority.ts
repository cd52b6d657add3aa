import { readlinkSync } from "node:fs";
import os from "node:os";

/**
 * Lowers the scheduling priority of the calling thread (not the process) to `nice`. On Linux a
 * thread's nice value is its own and threads it creates afterwards inherit it, so a worker that
 * calls this before opening an onnxruntime session runs the session's whole thread pool at that
 * priority. Elsewhere (no /proc/thread-self) it does nothing and says so. Raising priority back
 * needs privileges a server does not have, so callers only ever lower it.
 */
export function lowerThreadPriority(nice: number): string | undefined {
  if (nice <= 0) return undefined;
  let tid: number;
  try {
    tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return `thread priority left as it is: this system has no per-thread nice value (${process.platform})`;
  }
  try {
    os.setPriority(tid, Math.min(19, nice));
    return undefined;
  } catch (err) {
    return `thread priority left as it is: ${(err as Error).message}`;
  }
}
