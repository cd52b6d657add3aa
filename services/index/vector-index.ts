// One vector index: chunk ids in, cosine-ranked chunk ids out. Exact (flat) while small,
// approximate (HNSW or IVF) once it grows past a threshold. The engine (FAISS or usearch, see
// engines.ts) holds the vectors; this class holds the chunk-id ↔ label mapping and decides when
// to rebuild.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createEngine,
  defaultBackend,
  readEngine,
  type EngineKind,
  type IndexBackend,
  type VectorEngine,
} from "./engines.ts";
import { RwLock } from "./locks.ts";

export interface AnnOptions {
  kind: "hnsw" | "ivf";
  /** HNSW neighbours per node. */
  M: number;
  efConstruction: number;
  /** Default HNSW search breadth; a query may override it. */
  efSearch: number;
  /** IVF cells; capped at count / 39 when built so every cell gets enough training points. */
  nlist: number;
  /** Default IVF cells visited; a query may override it. */
  nprobe: number;
}

export interface VectorIndexOptions {
  dim: number;
  /** The engine; new indexes get the process default (FAISS when its binding loads, else usearch). */
  backend: IndexBackend;
  /** Exact search up to this many vectors; past it the index is rebuilt as ANN. */
  exactThreshold: number;
  ann: AnnOptions;
  /** HNSW cannot delete: removed vectors stay as tombstones until they exceed this share, then it is rebuilt. */
  maxTombstoneRatio: number;
}

export type VectorIndexConfig = { dim: number } & Partial<Omit<VectorIndexOptions, "dim" | "ann">> & {
    ann?: Partial<AnnOptions>;
  };

export const DEFAULT_ANN: AnnOptions = {
  kind: "hnsw",
  M: 32,
  efConstruction: 200,
  efSearch: 128,
  nlist: 1024,
  nprobe: 32,
};

export function resolveIndexOptions(config: VectorIndexConfig): VectorIndexOptions {
  if (!Number.isInteger(config.dim) || config.dim <= 0) throw new Error(`invalid dimension ${config.dim}`);
  return {
    dim: config.dim,
    backend: config.backend ?? defaultBackend(),
    exactThreshold: config.exactThreshold ?? 20_000,
    maxTombstoneRatio: config.maxTombstoneRatio ?? 0.2,
    ann: { ...DEFAULT_ANN, ...config.ann },
  };
}

export interface VectorEntry {
  chunkId: string;
  vector: ArrayLike<number>;
}

export interface SearchOptions {
  efSearch?: number;
  nprobe?: number;
  /** Only these chunks are candidates (filtered inside FAISS, so k results still come back). */
  allow?: Iterable<string>;
  /** Post-filter for predicates FAISS cannot see; the search over-fetches until k hits pass or the index is exhausted. */
  filter?: (chunkId: string) => boolean;
}

export interface SearchHit {
  chunkId: string;
  /** Cosine similarity. */
  score: number;
}

export interface IndexDescription {
  dim: number;
  /** Which library: faiss or usearch. */
  backend: IndexBackend;
  engine: EngineKind;
  /** The parameters the current engine was built with (none for flat). */
  params: Record<string, number>;
  count: number;
  exactThreshold: number;
}

/**
 * Files of a saved index besides the engine's own (index.faiss, or index.usearch and
 * graph.usearch); `chunks.tsv` is sorted by chunk id so version diffs read well.
 */
export const INDEX_FILES = { chunks: "chunks.tsv", meta: "index.json" } as const;

/** Every file of a saved index, from its index.json (indexes saved before engines were recorded are FAISS). */
export function savedIndexFiles(meta: { files?: string[] }): string[] {
  return [...(meta.files ?? ["index.faiss"]), INDEX_FILES.chunks, INDEX_FILES.meta];
}

/** The engine recorded in an index.json. */
export function savedBackend(meta: { backend?: IndexBackend }): IndexBackend {
  return meta.backend ?? "faiss";
}

/** Reads an index directory's index.json. */
export async function readIndexMeta(dir: string): Promise<SavedMeta> {
  return JSON.parse(await readFile(path.join(dir, INDEX_FILES.meta), "utf8")) as SavedMeta;
}

export interface SavedMeta {
  format: 1;
  dim: number;
  /** Absent in indexes saved before the engine was recorded: those are FAISS. */
  backend?: IndexBackend;
  /** The engine's files in the directory. */
  files?: string[];
  engine: EngineKind;
  options: VectorIndexOptions;
  nextLabel: number;
  count: number;
}

const REBUILD_BATCH = 50_000;
/** Every engine file name, for removing leftovers of another engine. */
const ENGINE_FILES = ["index.faiss", "index.usearch", "graph.usearch"];

/** A query vector whose length is not the index's dimension. */
export class DimensionMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`query has ${actual} dimensions, expected ${expected}`);
    this.name = "DimensionMismatchError";
  }
}

export class VectorIndex {
  private readonly lock = new RwLock();
  private readonly labelOf = new Map<string, number>();
  /** Dense by label; labels only grow, so a slot is never reused. */
  private readonly chunkOf: Array<string | undefined> = [];
  private nextLabel = 0;
  private dirty = false;

  private constructor(
    readonly options: VectorIndexOptions,
    private engine: VectorEngine,
  ) {}

  static create(config: VectorIndexConfig): VectorIndex {
    const options = resolveIndexOptions(config);
    return new VectorIndex(options, createEngine(options.backend, { dim: options.dim, kind: "flat" }));
  }

  /** Builds a fresh index from (chunkId, vector) pairs, e.g. streamed from the database. */
  static async rebuild(
    entries: Iterable<VectorEntry> | AsyncIterable<VectorEntry>,
    config: VectorIndexConfig,
  ): Promise<VectorIndex> {
    const index = VectorIndex.create(config);
    let batch: VectorEntry[] = [];
    for await (const entry of entries) {
      batch.push(entry);
      if (batch.length >= REBUILD_BATCH) {
        await index.add(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await index.add(batch);
    return index;
  }

  /**
   * Opens a saved index with the engine that saved it (the `backend` override is ignored here:
   * IndexManager decides whether to rebuild an index saved by another engine).
   */
  static async load(dir: string, overrides?: Partial<Omit<VectorIndexConfig, "dim">>): Promise<VectorIndex> {
    const meta = await readIndexMeta(dir);
    if (meta.format !== 1) throw new Error(`unknown index format ${meta.format} in ${dir}`);
    const backend = savedBackend(meta);
    const options = resolveIndexOptions({
      ...meta.options,
      ...overrides,
      backend,
      ann: { ...meta.options.ann, ...overrides?.ann },
    });
    const engine = await readEngine(backend, dir);
    const index = new VectorIndex(options, engine);
    index.nextLabel = meta.nextLabel;
    const tsv = await readFile(path.join(dir, INDEX_FILES.chunks), "utf8");
    for (const line of tsv.split("\n")) {
      if (line === "") continue;
      const tab = line.indexOf("\t");
      const label = Number(line.slice(0, tab));
      const chunkId = line.slice(tab + 1);
      index.labelOf.set(chunkId, label);
      index.chunkOf[label] = chunkId;
    }
    // An HNSW file still holds vectors removed as tombstones before the save: remove them again.
    const stored = await engine.labels();
    const dead = stored.filter((label) => index.chunkOf[Number(label)] === undefined);
    if (dead.length > 0) await engine.remove(dead);
    if (engine.ntotal !== index.labelOf.size) {
      throw new Error(`index in ${dir} is inconsistent: ${engine.ntotal} vectors, ${index.labelOf.size} chunk ids`);
    }
    return index;
  }

  get size(): number {
    return this.labelOf.size;
  }

  get dim(): number {
    return this.options.dim;
  }

  get engineKind(): EngineKind {
    return this.engine.kind;
  }

  get backend(): IndexBackend {
    return this.engine.backend;
  }

  /** The engine's files in a saved index directory. */
  engineFiles(): string[] {
    return this.engine.files();
  }

  /** Changed since the last save or load. */
  get isDirty(): boolean {
    return this.dirty;
  }

  /** Makes the next save write the files (after a rebuild that replaced another engine's files). */
  markDirty(): void {
    this.dirty = true;
  }

  has(chunkId: string): boolean {
    return this.labelOf.has(chunkId);
  }

  chunkIds(): string[] {
    return [...this.labelOf.keys()];
  }

  describe(): IndexDescription {
    const kind = this.engine.kind;
    const { ann } = this.options;
    const params: Record<string, number> =
      kind === "hnsw"
        ? { M: ann.M, efConstruction: ann.efConstruction, efSearch: ann.efSearch }
        : kind === "ivf"
          ? { nlist: this.ivfLists(this.size), nprobe: ann.nprobe }
          : {};
    return {
      dim: this.dim,
      backend: this.backend,
      engine: kind,
      params,
      count: this.size,
      exactThreshold: this.options.exactThreshold,
    };
  }

  /**
   * Estimated resident bytes: FAISS's vectors, graph or lists and id maps, plus this class's maps.
   * An estimate (the LRU budget needs a number before and without measuring the process).
   */
  memoryBytes(): number {
    const stored = this.engine.ntotal + this.engine.tombstones;
    const perVector =
      this.dim * 4 +
      8 /* id map */ +
      48 /* reverse map entry */ +
      120 /* chunk-id maps */ +
      (this.engine.kind === "hnsw" ? this.options.ann.M * 2 * 4 * 1.1 + 16 : 0) +
      (this.engine.kind === "ivf" ? 16 : 0) +
      // usearch: its graph holds a second copy of each vector beside the row store, plus a row map entry.
      (this.engine.backend === "usearch" ? 64 + (this.engine.kind === "hnsw" ? this.dim * 4 : 0) : 0);
    return Math.round(stored * perVector);
  }

  /**
   * Adds or replaces vectors. A chunk id already present gets the new vector (re-embedding),
   * so delivering the same batch twice leaves one vector per chunk id.
   */
  async add(entries: Iterable<VectorEntry>): Promise<{ added: number; replaced: number }> {
    const batch = new Map<string, ArrayLike<number>>();
    for (const { chunkId, vector } of entries) {
      checkChunkId(chunkId);
      if (vector.length !== this.dim)
        throw new Error(`vector for ${chunkId} has ${vector.length} dimensions, expected ${this.dim}`);
      batch.set(chunkId, vector);
    }
    if (batch.size === 0) return { added: 0, replaced: 0 };
    return this.lock.write(async () => {
      const stale = [...batch.keys()].filter((id) => this.labelOf.has(id)).map((id) => this.labelOf.get(id)!);
      if (stale.length > 0) await this.engine.remove(BigInt64Array.from(stale, BigInt));
      for (const label of stale) this.chunkOf[label] = undefined;

      const vectors = new Float32Array(batch.size * this.dim);
      const labels = new BigInt64Array(batch.size);
      let row = 0;
      for (const [chunkId, vector] of batch) {
        vectors.set(vector, row * this.dim);
        normalise(vectors.subarray(row * this.dim, (row + 1) * this.dim));
        const label = this.nextLabel++;
        labels[row++] = BigInt(label);
        this.labelOf.set(chunkId, label);
        this.chunkOf[label] = chunkId;
      }
      await this.engine.add(vectors, labels);
      this.dirty = true;
      await this.maybeRebuild();
      return { added: batch.size - stale.length, replaced: stale.length };
    });
  }

  /** Removes chunks by id; unknown ids are ignored. Returns how many were removed. */
  async remove(chunkIds: Iterable<string>): Promise<number> {
    return this.lock.write(async () => {
      const labels: number[] = [];
      for (const chunkId of new Set(chunkIds)) {
        const label = this.labelOf.get(chunkId);
        if (label === undefined) continue;
        labels.push(label);
        this.labelOf.delete(chunkId);
        this.chunkOf[label] = undefined;
      }
      if (labels.length === 0) return 0;
      await this.engine.remove(BigInt64Array.from(labels, BigInt));
      this.dirty = true;
      await this.maybeRebuild();
      return labels.length;
    });
  }

  async search(query: ArrayLike<number>, k: number, options: SearchOptions = {}): Promise<SearchHit[]> {
    if (query.length !== this.dim) throw new DimensionMismatchError(this.dim, query.length);
    if (!Number.isInteger(k) || k <= 0) throw new Error(`k must be a positive integer, got ${k}`);
    const q = normalise(Float32Array.from(query));
    return this.lock.read(async () => {
      let allow: BigInt64Array | undefined;
      if (options.allow) {
        const labels: bigint[] = [];
        for (const chunkId of options.allow) {
          const label = this.labelOf.get(chunkId);
          if (label !== undefined) labels.push(BigInt(label));
        }
        if (labels.length === 0) return [];
        allow = BigInt64Array.from(labels);
      }
      const candidates = allow ? allow.length : this.size;
      let fetch = options.filter ? Math.min(k * 4, candidates) : Math.min(k, candidates);
      for (;;) {
        if (fetch === 0) return [];
        const { distances, labels } = await this.engine.search(q, fetch, {
          efSearch: options.efSearch,
          nprobe: options.nprobe,
          allow,
        });
        const hits: SearchHit[] = [];
        for (let i = 0; i < labels.length && hits.length < k; i++) {
          if (labels[i] < 0n) break;
          const chunkId = this.chunkOf[Number(labels[i])];
          if (chunkId === undefined || (options.filter && !options.filter(chunkId))) continue;
          hits.push({ chunkId, score: distances[i] });
        }
        if (hits.length >= k || fetch >= candidates) return hits;
        fetch = Math.min(fetch * 4, candidates);
      }
    });
  }

  /** Writes the engine's files, chunks.tsv and index.json into dir (each replaced atomically). */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.lock.read(async () => {
      const engineFiles = this.engine.files();
      await this.engine.write(dir, ".tmp");
      const lines = [...this.labelOf]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, label]) => `${label}\t${id}\n`);
      const meta: SavedMeta = {
        format: 1,
        dim: this.dim,
        backend: this.engine.backend,
        files: engineFiles,
        engine: this.engine.kind,
        options: this.options,
        nextLabel: this.nextLabel,
        count: this.size,
      };
      await writeFile(path.join(dir, `${INDEX_FILES.chunks}.tmp`), lines.join(""));
      await writeFile(path.join(dir, `${INDEX_FILES.meta}.tmp`), `${JSON.stringify(meta, null, 2)}\n`);
      for (const file of [...engineFiles, ...Object.values(INDEX_FILES)])
        await rename(path.join(dir, `${file}.tmp`), path.join(dir, file));
      // Files of another engine or kind (after a switch of engine) would be committed as stale data.
      for (const stale of ENGINE_FILES)
        if (!engineFiles.includes(stale)) await rm(path.join(dir, stale), { force: true });
      this.dirty = false;
    });
  }

  /** Frees the native index. The object is unusable afterwards. */
  async dispose(): Promise<void> {
    await this.lock.write(() => this.engine.dispose());
  }

  /** Returns the stored vectors (normalised) for these chunk ids, in order; undefined for unknown ids. */
  async vectors(chunkIds: string[]): Promise<Array<Float32Array | undefined>> {
    return this.lock.read(async () => {
      const known = chunkIds.filter((id) => this.labelOf.has(id));
      const flat = await this.engine.reconstruct(BigInt64Array.from(known, (id) => BigInt(this.labelOf.get(id)!)));
      const byId = new Map(known.map((id, i) => [id, flat.slice(i * this.dim, (i + 1) * this.dim)]));
      return chunkIds.map((id) => byId.get(id));
    });
  }

  private ivfLists(count: number): number {
    return Math.max(1, Math.min(this.options.ann.nlist, Math.floor(count / 39)));
  }

  // Called under the write lock after every change.
  private async maybeRebuild(): Promise<void> {
    const kind = this.engine.kind;
    const growPastExact = kind === "flat" && this.size > this.options.exactThreshold;
    const tooManyTombstones = this.engine.tombstones > this.options.maxTombstoneRatio * Math.max(1, this.engine.ntotal);
    if (!growPastExact && !tooManyTombstones) return;
    await this.rebuildEngine(this.options.ann.kind);
  }

  // Moves every live vector into a new engine of the given kind. FAISS is the vector store, so the
  // vectors come back out of the old engine in batches rather than being kept twice in memory.
  private async rebuildEngine(kind: "hnsw" | "ivf"): Promise<void> {
    const { ann, dim } = this.options;
    const labels = await this.engine.labels();
    const next = createEngine(this.engine.backend, {
      dim,
      kind,
      M: ann.M,
      efConstruction: ann.efConstruction,
      efSearch: ann.efSearch,
      nlist: this.ivfLists(labels.length),
      nprobe: ann.nprobe,
    });
    try {
      if (kind === "ivf") {
        const sample = sampleLabels(labels, this.ivfLists(labels.length) * 64);
        await next.train(await this.engine.reconstruct(sample));
      }
      for (let start = 0; start < labels.length; start += REBUILD_BATCH) {
        const slice = labels.subarray(start, start + REBUILD_BATCH);
        await next.add(await this.engine.reconstruct(slice), slice);
      }
    } catch (error) {
      await next.dispose();
      throw error;
    }
    const old = this.engine;
    this.engine = next;
    await old.dispose();
  }
}

function checkChunkId(chunkId: string): void {
  // Chunk ids are stored one per line in chunks.tsv.
  if (typeof chunkId !== "string" || chunkId.length === 0 || /[\t\n\r]/.test(chunkId)) {
    throw new Error(`invalid chunk id ${JSON.stringify(chunkId)}`);
  }
}

// Scores are cosine similarities whatever the model's output norm, so vectors are unit length.
function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

function sampleLabels(labels: BigInt64Array, n: number): BigInt64Array {
  if (labels.length <= n) return labels;
  const step = labels.length / n;
  return BigInt64Array.from({ length: n }, (_, i) => labels[Math.floor(i * step)]);
}
