// The FAISS engine: our own N-API binding over libfaiss (native/faiss). The binding is built at
// install time only where FAISS is installed, so it is loaded lazily: a machine without it runs
// the usearch engine instead (engines.ts). The addon is CommonJS, loaded through createRequire.
import { createRequire } from "node:module";
import path from "node:path";
import type * as Binding from "@chatlens/faiss";
import type { EngineOptions, EngineSearchOptions, EngineSearchResult, VectorEngine } from "./vector-engine.ts";

export type { FaissIndexOptions, FaissKind, FaissSearchOptions, FaissSearchResult } from "@chatlens/faiss";
export type FaissIndex = Binding.FaissIndex;

const require = createRequire(import.meta.url);
let loaded: { binding?: typeof Binding; reason?: string } | undefined;

function load(): { binding?: typeof Binding; reason?: string } {
  if (loaded) return loaded;
  if (process.env.CHATLENS_FAISS === "off") return (loaded = { reason: "CHATLENS_FAISS=off" });
  try {
    loaded = { binding: require("@chatlens/faiss") as typeof Binding };
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    loaded = {
      reason: /Cannot find module|build\/Release/.test(message) ? "the binding was not built at install time" : message,
    };
  }
  return loaded;
}

/** The binding, or undefined where it was not built or cannot load. */
export function faissBinding(): typeof Binding | undefined {
  return load().binding;
}

/** Why FAISS cannot be used here, or undefined when it can. */
export function faissUnavailableReason(): string | undefined {
  return load().reason;
}

function binding(): typeof Binding {
  const b = load().binding;
  if (!b) throw new Error(`the FAISS binding is not available: ${load().reason}`);
  return b;
}

/** The FAISS class itself (benchmarks use it directly). */
export function FaissIndexClass(): typeof Binding.FaissIndex {
  return binding().FaissIndex;
}

const FILE = "index.faiss";

export class FaissEngine implements VectorEngine {
  readonly backend = "faiss" as const;

  private constructor(private readonly index: Binding.FaissIndex) {}

  static create(options: EngineOptions): FaissEngine {
    return new FaissEngine(new (binding().FaissIndex)(options));
  }

  static async read(dir: string): Promise<FaissEngine> {
    return new FaissEngine(await binding().FaissIndex.read(path.join(dir, FILE)));
  }

  get kind() {
    return this.index.kind;
  }
  get dim() {
    return this.index.dim;
  }
  get ntotal() {
    return this.index.ntotal;
  }
  get tombstones() {
    return this.index.tombstones;
  }
  train(vectors: Float32Array) {
    return this.index.train(vectors);
  }
  add(vectors: Float32Array, labels: BigInt64Array) {
    return this.index.add(vectors, labels);
  }
  remove(labels: BigInt64Array) {
    return this.index.remove(labels);
  }
  search(query: Float32Array, k: number, options?: EngineSearchOptions): Promise<EngineSearchResult> {
    return this.index.search(query, k, options);
  }
  reconstruct(labels: BigInt64Array) {
    return this.index.reconstruct(labels);
  }
  labels() {
    return this.index.labels();
  }
  files() {
    return [FILE];
  }
  write(dir: string, suffix: string) {
    return this.index.write(path.join(dir, FILE + suffix));
  }
  dispose() {
    return this.index.dispose();
  }
}
