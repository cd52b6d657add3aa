import { Worker, type WorkerOptions } from "node:worker_threads";

const TSX_API = import.meta.resolve("tsx/esm/api");

/**
 * Starts a worker thread on a TypeScript entry module. Node 20 does not apply the parent's
 * --import hooks to a worker's entry module, so a tiny script registers tsx in the worker first.
 * A failure to load the entry surfaces as the worker's "error" event.
 */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  const bootstrap = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
