// The usearch engine: an HNSW index from the usearch npm package (prebuilt binaries for Linux and
// macOS; no compiler, no system library), run on one shared worker thread (usearch-worker.ts) so
// that adds, searches and saves never block the event loop. Below the ANN threshold it searches
// exactly ("flat"), as FAISS does. usearch has no IVF: an IVF request builds HNSW.
import type { Worker } from "node:worker_threads";
import { startTsWorker } from "../../core/worker-thread.ts";
import type {
  EngineKind,
  EngineOptions,
  EngineSearchOptions,
  EngineSearchResult,
  VectorEngine,
} from "./vector-engine.ts";
import type { UsearchSpec } from "./usearch-worker.ts";

export const STORE_FILE = "index.usearch";
export const GRAPH_FILE = "graph.usearch";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

function thread(): Worker {
  if (worker) return worker;
  const started = startTsWorker(new URL("./usearch-worker.ts", import.meta.url));
  started.on("message", (reply: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.error));
  });
  const fail = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`the usearch worker exited (code ${code})`)));
  started.unref();
  worker = started;
  return started;
}

function call<T>(op: string, handle: number | undefined, args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
  const target = thread();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    // A pending call keeps the process alive; an idle worker does not.
    target.ref();
    target.postMessage({ id, op, handle, args }, transfer);
  });
}

interface Info {
  kind: "flat" | "hnsw";
  ntotal: number;
  tombstones: number;
}

export class UsearchEngine implements VectorEngine {
  readonly backend = "usearch" as const;
  private info: Info;
  private disposed = false;

  private constructor(
    private readonly handle: number,
    private readonly spec: UsearchSpec,
  ) {
    this.info = { kind: spec.kind, ntotal: 0, tombstones: 0 };
  }

  /** Synchronous like FAISS's constructor: the worker handles messages in order, so the index exists before any later call. */
  static create(options: EngineOptions): UsearchEngine {
    const spec: UsearchSpec = {
      dim: options.dim,
      kind: (options.kind ?? "flat") === "flat" ? "flat" : "hnsw",
      M: options.M ?? 32,
      efConstruction: options.efConstruction ?? 200,
      efSearch: options.efSearch ?? 128,
    };
    const handle = -nextId++;
    const engine = new UsearchEngine(handle, spec);
    // A failed create surfaces on the next call (the worker then knows no such index).
    call("create", handle, [spec]).catch(() => {});
    return engine;
  }

  static async read(dir: string): Promise<UsearchEngine> {
    const saved = await call<UsearchSpec & Info & { handle: number }>("read", undefined, [dir]);
    const engine = new UsearchEngine(saved.handle, saved);
    engine.info = { kind: saved.kind, ntotal: saved.ntotal, tombstones: saved.tombstones };
    return engine;
  }

  get kind(): EngineKind {
    return this.info.kind;
  }
  get dim(): number {
    return this.spec.dim;
  }
  get ntotal(): number {
    return this.info.ntotal;
  }
  get tombstones(): number {
    return this.info.tombstones;
  }

  async train(): Promise<void> {}

  async add(vectors: Float32Array, labels: BigInt64Array): Promise<void> {
    // Copies travel to the worker: the caller keeps its arrays.
    const v = Float32Array.from(vectors);
    const l = BigInt64Array.from(labels);
    this.info = await this.call<Info>("add", [v, l], [v.buffer, l.buffer]);
  }

  async remove(labels: BigInt64Array): Promise<number> {
    const { removed, ...info } = await this.call<Info & { removed: number }>("remove", [BigInt64Array.from(labels)]);
    this.info = info;
    return removed;
  }

  search(query: Float32Array, k: number, options: EngineSearchOptions = {}): Promise<EngineSearchResult> {
    return this.call<EngineSearchResult>("search", [Float32Array.from(query), k, options.efSearch, options.allow]);
  }

  reconstruct(labels: BigInt64Array): Promise<Float32Array> {
    return this.call<Float32Array>("reconstruct", [labels]);
  }

  labels(): Promise<BigInt64Array> {
    return this.call<BigInt64Array>("labels", []);
  }

  files(): string[] {
    return this.info.kind === "hnsw" ? [STORE_FILE, GRAPH_FILE] : [STORE_FILE];
  }

  async write(dir: string, suffix: string): Promise<void> {
    await this.call("write", [dir, suffix]);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await call("dispose", this.handle, []);
  }

  private call<T>(op: string, args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.disposed) return Promise.reject(new Error("the usearch index was disposed"));
    return call<T>(op, this.handle, args, transfer);
  }
}
