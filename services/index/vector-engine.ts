// The surface every vector engine offers (FAISS in faiss.ts, usearch in usearch.ts); engines.ts
// chooses and creates one.
import type { FaissKind } from "@chatlens/faiss";

export type IndexBackend = "faiss" | "usearch";
export type EngineKind = FaissKind;

export interface EngineOptions {
  dim: number;
  kind?: EngineKind;
  M?: number;
  efConstruction?: number;
  efSearch?: number;
  nlist?: number;
  nprobe?: number;
}

export interface EngineSearchOptions {
  efSearch?: number;
  nprobe?: number;
  /** Restrict the search to these labels (k results still come back when k of them exist). */
  allow?: BigInt64Array;
}

export interface EngineSearchResult {
  /** Inner products, best first. */
  distances: Float32Array;
  /** Labels; -1 where fewer than k results exist. */
  labels: BigInt64Array;
}

/** What VectorIndex needs from an engine. Every method that touches vectors runs off the event loop. */
export interface VectorEngine {
  readonly backend: IndexBackend;
  readonly kind: EngineKind;
  readonly dim: number;
  readonly ntotal: number;
  /** Removed vectors still held until a rebuild. */
  readonly tombstones: number;
  /** IVF training (a no-op where the engine needs none). */
  train(vectors: Float32Array): Promise<void>;
  add(vectors: Float32Array, labels: BigInt64Array): Promise<void>;
  remove(labels: BigInt64Array): Promise<number>;
  search(query: Float32Array, k: number, options?: EngineSearchOptions): Promise<EngineSearchResult>;
  reconstruct(labels: BigInt64Array): Promise<Float32Array>;
  labels(): Promise<BigInt64Array>;
  /** File names (inside an index directory) this engine writes. */
  files(): string[];
  /** Writes files() into dir, each name followed by suffix. */
  write(dir: string, suffix: string): Promise<void>;
  dispose(): Promise<void>;
}
