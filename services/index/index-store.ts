// The indexes one node owns: IndexManager (loaded indexes under a memory budget) and IndexVersions
// (git versions) behind one object, with one lock per index so that adds, removals, commits,
// rebuilds and rollbacks of an index never interleave, and with the commit policy:
//
// A dataset is embedded in many batches (one `embeddings.stored` per batch of 64 chunks), so a
// version per batch would mean hundreds of versions per import. Changes are applied to the index
// at once (searches see them) and a version is committed when the dataset has no pending chunks
// left, or at the latest `commitIntervalMs` after the first uncommitted change while an import is
// still being embedded: a long embedding run yields one version per interval, not per batch.
import { access } from "node:fs/promises";
import path from "node:path";
import { indexDir, indexPath, type IndexKey } from "./index-key.ts";
import { IndexManager, IndexNotFoundError } from "./index-manager.ts";
import { defaultBackend, type IndexBackend } from "./engines.ts";
import { Mutex } from "./locks.ts";
import { INDEX_FILES, VectorIndex, type SearchHit, type SearchOptions, type VectorEntry } from "./vector-index.ts";
import { IndexVersions, type CommitInfo, type VersionInfo } from "./versions.ts";

export interface IndexStoreOptions {
  root: string;
  memoryBudgetBytes: number;
  exactThreshold: number;
  keepVersions: number;
  commitIntervalMs: number;
  /** Delay of the background `git gc` after versions expire (default 5 minutes). */
  gcDelayMs?: number;
  /** What the next version's manifest records (chunking version, imports covered). */
  sources: (key: IndexKey) => Promise<Omit<CommitInfo, "message">>;
  onCommitError: (key: IndexKey, error: Error) => void;
  /** The engine for new and rebuilt indexes (engines.ts chooseEngine); default: the process default. */
  backend?: IndexBackend;
  /** Stored vectors of an index, to rebuild one that another engine saved. */
  storedVectors?: (key: IndexKey) => AsyncIterable<VectorEntry>;
  onEngineSwitch?: (key: IndexKey, from: IndexBackend, to: IndexBackend) => void;
}

export class IndexStore {
  private readonly locks = new Map<string, Mutex>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Indexes changed since their last version. */
  private readonly uncommitted = new Map<string, IndexKey>();

  private constructor(
    private readonly options: IndexStoreOptions,
    readonly manager: IndexManager,
    readonly versions: IndexVersions,
  ) {}

  static async open(options: IndexStoreOptions): Promise<IndexStore> {
    const manager = new IndexManager({
      root: options.root,
      memoryBudgetBytes: options.memoryBudgetBytes,
      indexConfig: { exactThreshold: options.exactThreshold, backend: options.backend ?? defaultBackend() },
      storedVectors: options.storedVectors,
      onEngineSwitch: options.onEngineSwitch,
    });
    const versions = await IndexVersions.open(options.root, { keepLast: options.keepVersions });
    return new IndexStore(options, manager, versions);
  }

  /** Whether this node holds files of the index. */
  exists(key: IndexKey): Promise<boolean> {
    return access(path.join(indexDir(this.options.root, key), INDEX_FILES.meta)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Adds vectors of chunks the index does not hold yet; `settled` says the dataset has nothing
   * left to embed. A chunk's stored vector never changes (one per chunk and model), so a chunk
   * held is current: a batch that arrives after a catch-up already loaded it (or redelivered)
   * changes nothing and makes no version.
   */
  add(key: IndexKey, entries: VectorEntry[], settled: boolean): Promise<{ added: number; replaced: number }> {
    return this.track(this.addUntracked(key, entries, settled));
  }

  private async addUntracked(
    key: IndexKey,
    entries: VectorEntry[],
    settled: boolean,
  ): Promise<{ added: number; replaced: number }> {
    if (entries.length === 0) {
      if (settled && this.uncommitted.has(indexPath(key))) await this.commitPending(key);
      return { added: 0, replaced: 0 };
    }
    const dim = entries[0]!.vector.length;
    const result = await this.locked(key, () =>
      this.manager.use(key, (index) => index.add(entries.filter((e) => !index.has(e.chunkId))), { dim }),
    );
    // A batch that changed nothing (redelivered, or already loaded from the database) commits nothing;
    // but a settled dataset still gets a version for changes that were waiting for the interval.
    if (result.added + result.replaced > 0) await this.changed(key, settled);
    else if (settled && this.uncommitted.has(indexPath(key))) await this.commitPending(key);
    return result;
  }

  /** Removes chunks; an index this node does not hold has nothing to remove. */
  remove(key: IndexKey, chunkIds: string[], settled = true): Promise<number> {
    return this.track(this.removeUntracked(key, chunkIds, settled));
  }

  private async removeUntracked(key: IndexKey, chunkIds: string[], settled: boolean): Promise<number> {
    let removed: number;
    try {
      removed = await this.locked(key, () => this.manager.use(key, (index) => index.remove(chunkIds)));
    } catch (error) {
      if (error instanceof IndexNotFoundError) return 0;
      throw error;
    }
    if (removed > 0) await this.changed(key, settled);
    return removed;
  }

  /** Chunk ids in the live index (for reconciling against the database). */
  chunkIds(key: IndexKey): Promise<string[]> {
    return this.manager.use(key, async (index) => index.chunkIds());
  }

  /**
   * Searches the live index, or a read-only checkout of an old version. Old versions are loaded
   * for the query and freed after it: they are rare (pinned or federated searches) and small next
   * to the memory budget the live indexes share.
   */
  async search(
    key: IndexKey,
    vector: Float32Array,
    k: number,
    options: SearchOptions & { version?: number },
  ): Promise<SearchHit[]> {
    const { version, ...search } = options;
    if (version === undefined) return this.manager.use(key, (index) => index.search(vector, k, search));
    const old = await VectorIndex.load(await this.versions.checkout(key, version));
    try {
      return await old.search(vector, k, search);
    } finally {
      await old.dispose();
    }
  }

  describe(key: IndexKey) {
    return this.manager.use(key, async (index) => index.describe());
  }

  /** Replaces the index with one built from `entries` and commits it as a version. */
  async rebuild(key: IndexKey, entries: AsyncIterable<VectorEntry>, dim: number): Promise<VersionInfo> {
    return this.locked(key, async () => {
      const fresh = await VectorIndex.rebuild(entries, {
        dim,
        exactThreshold: this.options.exactThreshold,
        backend: this.options.backend,
      });
      try {
        await this.manager.invalidate(key);
        await fresh.save(indexDir(this.options.root, key));
      } finally {
        await fresh.dispose();
      }
      return this.commitUnlocked(key, "rebuild from stored vectors", true);
    });
  }

  /** Commits now if the index changed since its last version. */
  commitPending(key: IndexKey): Promise<VersionInfo | null> {
    return this.locked(key, async () => (this.uncommitted.has(indexPath(key)) ? this.commitUnlocked(key) : null));
  }

  rollback(key: IndexKey, version: number): Promise<VersionInfo> {
    return this.locked(key, async () => {
      // Uncommitted changes would be lost silently: record them first.
      if (this.uncommitted.has(indexPath(key))) await this.commitUnlocked(key);
      await this.manager.invalidate(key);
      const info = await this.versions.rollback(key, version);
      if ((await this.versions.applyRetention(key, { gc: false })).deleted.length) this.scheduleGc();
      return info;
    });
  }

  /**
   * Lets go of an index another node owns now: its in-memory copy goes unsaved and its pending
   * commit is dropped (the new owner catches up from the database; saving here could overwrite
   * what it writes to a shared volume).
   */
  release(key: IndexKey): Promise<void> {
    return this.locked(key, async () => {
      const id = indexPath(key);
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
      this.uncommitted.delete(id);
      await this.manager.invalidate(key);
    });
  }

  /** Forgets every index of a dataset: loaded copies, files, versions, pending commits. */
  async dropDataset(datasetId: string): Promise<string[]> {
    for (const { key } of this.manager.stats()) if (key.datasetId === datasetId) await this.manager.invalidate(key);
    for (const [id, key] of this.uncommitted)
      if (key.datasetId === datasetId) {
        this.uncommitted.delete(id);
        clearTimeout(this.timers.get(id));
        this.timers.delete(id);
      }
    return this.versions.dropDataset(datasetId);
  }

  async close(): Promise<void> {
    clearTimeout(this.gcTimer);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    // Work already under way (an add and its commit, a save, a gc) ends before the indexes are
    // disposed: a stop used to dispose an index while a commit saved it, and let git run on after
    // the data directory was gone ("spawn git ENOENT" after stop). Work may start more work.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.versions.idle();
    await this.manager.close();
  }

  private async changed(key: IndexKey, settled: boolean): Promise<void> {
    const id = indexPath(key);
    this.uncommitted.set(id, key);
    if (settled) {
      await this.commitPending(key);
      return;
    }
    if (this.timers.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.commitPending(key).catch((error: Error) => this.options.onCommitError(key, error));
    }, this.options.commitIntervalMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  // Called under the index's lock.
  private async commitUnlocked(key: IndexKey, message?: string, force = false): Promise<VersionInfo> {
    const id = indexPath(key);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    await this.manager.save(key);
    const info = await this.versions.commit(key, { ...(await this.options.sources(key)), message, force });
    this.uncommitted.delete(id);
    if (!info.unchanged) {
      // Expired versions' tags go now; `git gc` (seconds on a large repository, and it holds the
      // versions lock) runs later in the background, once for many commits, never on this path.
      const { deleted } = await this.versions.applyRetention(key, { gc: false });
      if (deleted.length) this.scheduleGc();
    }
    return info;
  }

  private gcTimer: NodeJS.Timeout | undefined;

  /** One repository gc after a quiet spell (`gcDelayMs`), however many versions expired meanwhile. */
  private scheduleGc(): void {
    if (this.gcTimer) return;
    this.gcTimer = setTimeout(
      () => {
        this.gcTimer = undefined;
        this.versions.gc().catch((error: Error) => this.options.onCommitError({ datasetId: "*", modelId: "*" }, error));
      },
      this.options.gcDelayMs ?? 5 * 60_000,
    );
    this.gcTimer.unref();
  }

  private locked<T>(key: IndexKey, fn: () => Promise<T>): Promise<T> {
    const id = indexPath(key);
    let lock = this.locks.get(id);
    if (!lock) {
      lock = new Mutex();
      this.locks.set(id, lock);
    }
    return this.track(lock.run(fn));
  }

  /** Work that close() waits for. */
  private readonly running = new Set<Promise<unknown>>();

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = () => this.running.delete(work);
    work.then(done, done);
    return work;
  }
}
