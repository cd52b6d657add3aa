// Keeps the indexes a node serves in memory: loaded on first use, least recently used ones
// evicted (saved first when changed) once their estimated size passes a memory budget.
import { access } from "node:fs/promises";
import path from "node:path";
import { indexDir, indexPath, type IndexKey } from "./index-key.ts";
import { Mutex } from "./locks.ts";
import type { IndexBackend } from "./engines.ts";
import {
  INDEX_FILES,
  readIndexMeta,
  savedBackend,
  VectorIndex,
  type VectorEntry,
  type VectorIndexConfig,
} from "./vector-index.ts";

export interface IndexManagerOptions {
  /** The indexes directory (the git working tree of IndexVersions). */
  root: string;
  /** Estimated bytes of loaded indexes to stay under; the index in use is never evicted. */
  memoryBudgetBytes: number;
  /** Settings for new indexes and overrides applied when loading (threshold, ANN parameters). */
  indexConfig?: Omit<VectorIndexConfig, "dim">;
  /**
   * The stored vectors of an index (from the database). An index saved by another engine than
   * `indexConfig.backend` (FAISS files on a machine without the binding, say) is rebuilt from them.
   */
  storedVectors?: (key: IndexKey) => AsyncIterable<VectorEntry>;
  /** Told when an index is rebuilt because another engine saved it. */
  onEngineSwitch?: (key: IndexKey, from: IndexBackend, to: IndexBackend) => void;
}

export class IndexNotFoundError extends Error {
  constructor(readonly key: IndexKey) {
    super(`no index for dataset ${key.datasetId} and model ${key.modelId}`);
  }
}

interface Entry {
  key: IndexKey;
  index: VectorIndex;
  leases: number;
  /** The estimate the last budget check counted (-1: not counted yet). */
  countedBytes: number;
}

export class IndexManager {
  // Map iteration order is insertion order: re-inserting on use keeps it least recently used first.
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Evictions still saving: a reload of the same index waits for the files to be complete. */
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly evictions = new Mutex();

  constructor(private readonly options: IndexManagerOptions) {}

  /**
   * Runs fn with the index, loading it if needed. With `create.dim`, a missing index starts empty;
   * without it, a missing index is an IndexNotFoundError. The index stays loaded while fn runs.
   */
  async use<T>(key: IndexKey, fn: (index: VectorIndex) => Promise<T>, create?: { dim: number }): Promise<T> {
    const entry = await this.acquire(key, create);
    try {
      return await fn(entry.index);
    } finally {
      entry.leases--;
      // The total changes only when an index is loaded or changes size: a search skips the scan.
      if (entry.index.memoryBytes() !== entry.countedBytes) await this.evictOverBudget();
    }
  }

  /** Writes the index to its directory if it changed (before a version commit, for example). */
  async save(key: IndexKey): Promise<void> {
    const entry = this.loaded.get(indexPath(key));
    if (entry?.index.isDirty) await entry.index.save(indexDir(this.options.root, key));
  }

  /** Drops the in-memory copy without saving, e.g. after a rollback rewrote the files. */
  async invalidate(key: IndexKey): Promise<void> {
    const id = indexPath(key);
    const entry = this.loaded.get(id);
    if (!entry) return;
    this.loaded.delete(id);
    await entry.index.dispose();
  }

  /** Whether the index is in memory now. */
  isLoaded(key: IndexKey): boolean {
    return this.loaded.has(indexPath(key));
  }

  /** Keys and estimated sizes of loaded indexes, least recently used first. */
  stats(): Array<{ key: IndexKey; bytes: number; count: number }> {
    return [...this.loaded.values()].map(({ key, index }) => ({ key, bytes: index.memoryBytes(), count: index.size }));
  }

  /** Saves changed indexes and frees them all. */
  async close(): Promise<void> {
    for (const [id, entry] of this.loaded) {
      if (entry.index.isDirty) await entry.index.save(indexDir(this.options.root, entry.key));
      await entry.index.dispose();
      this.loaded.delete(id);
    }
  }

  private async acquire(key: IndexKey, create?: { dim: number }): Promise<Entry> {
    const id = indexPath(key);
    const cached = this.loaded.get(id);
    if (cached) {
      this.loaded.delete(id);
      this.loaded.set(id, cached);
      cached.leases++;
      return cached;
    }
    // Concurrent first uses share one load.
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.open(key, create).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    const entry = await pending;
    entry.leases++;
    return entry;
  }

  private async open(key: IndexKey, create?: { dim: number }): Promise<Entry> {
    await this.unloading.get(indexPath(key));
    const dir = indexDir(this.options.root, key);
    const config = this.options.indexConfig ?? {};
    let index: VectorIndex;
    if (await exists(path.join(dir, INDEX_FILES.meta))) {
      const meta = await readIndexMeta(dir);
      const saved = savedBackend(meta);
      const wanted = config.backend;
      if (wanted && saved !== wanted && this.options.storedVectors) {
        // Another engine's files: rebuilt from the stored vectors, saved (dirty) in this engine's format.
        this.options.onEngineSwitch?.(key, saved, wanted);
        index = await VectorIndex.rebuild(this.options.storedVectors(key), { ...config, dim: meta.dim });
        index.markDirty();
      } else {
        index = await VectorIndex.load(dir, config);
      }
    } else if (create) {
      index = VectorIndex.create({ ...config, dim: create.dim });
    } else {
      throw new IndexNotFoundError(key);
    }
    const entry: Entry = { key, index, leases: 0, countedBytes: -1 };
    this.loaded.set(indexPath(key), entry);
    return entry;
  }

  private evictOverBudget(): Promise<void> {
    return this.evictions.run(async () => {
      let total = 0;
      for (const entry of this.loaded.values()) {
        entry.countedBytes = entry.index.memoryBytes();
        total += entry.countedBytes;
      }
      for (const [id, entry] of this.loaded) {
        if (total <= this.options.memoryBudgetBytes) break;
        if (entry.leases > 0) continue;
        this.loaded.delete(id);
        total -= entry.index.memoryBytes();
        const unload = (async () => {
          if (entry.index.isDirty) await entry.index.save(indexDir(this.options.root, entry.key));
          await entry.index.dispose();
        })();
        this.unloading.set(id, unload);
        try {
          await unload;
        } finally {
          this.unloading.delete(id);
        }
      }
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
