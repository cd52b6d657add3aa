export type FaissKind = "flat" | "hnsw" | "ivf";

export interface FaissIndexOptions {
  dim: number;
  kind?: FaissKind;
  /** HNSW: neighbours per node. */
  M?: number;
  /** HNSW: candidate list size while building. */
  efConstruction?: number;
  /** HNSW: default candidate list size while searching. */
  efSearch?: number;
  /** IVF: number of coarse cells. */
  nlist?: number;
  /** IVF: default number of cells visited per query. */
  nprobe?: number;
}

export interface FaissSearchOptions {
  efSearch?: number;
  nprobe?: number;
  /** Restrict the search to these labels (filtered inside FAISS). */
  allow?: BigInt64Array;
}

export interface FaissSearchResult {
  /** Inner products, n × k, best first. */
  distances: Float32Array;
  /** Labels, n × k; -1 where fewer than k results exist. */
  labels: BigInt64Array;
}

/** Inner-product FAISS index with int64 labels. Every method that touches vectors runs off the event loop. */
export declare class FaissIndex {
  constructor(options: FaissIndexOptions);
  static read(path: string): Promise<FaissIndex>;
  /** Live vectors. */
  readonly ntotal: number;
  /** HNSW only: removed vectors still held until a rebuild (FAISS HNSW cannot delete). */
  readonly tombstones: number;
  readonly dim: number;
  readonly kind: FaissKind;
  readonly isTrained: boolean;
  train(vectors: Float32Array): Promise<void>;
  add(vectors: Float32Array, labels: BigInt64Array): Promise<void>;
  remove(labels: BigInt64Array): Promise<number>;
  search(queries: Float32Array, k: number, options?: FaissSearchOptions): Promise<FaissSearchResult>;
  reconstruct(labels: BigInt64Array): Promise<Float32Array>;
  labels(): Promise<BigInt64Array>;
  write(path: string): Promise<void>;
  dispose(): Promise<void>;
}
