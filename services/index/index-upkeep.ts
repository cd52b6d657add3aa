import type { EmbeddingsStored } from "./contracts.ts";
import { datasetById, orgDataset } from "./dataset-rows.ts";
import type { IndexDeps } from "./deps.ts";
import { indexPath, type IndexKey } from "./index-key.ts";
import { catchUpIndex } from "./ownership.ts";
import { datasetSettled, storedChunkIds, storedVectorsOf, vectorsOf } from "./search-sql.ts";
import { UpdateBatcher } from "./update-batcher.ts";
import { holds, keyOf } from "./vector-search.ts";

/**
 * Keeping the indexes this node owns level with the stored vectors: batches of new vectors
 * (coalesced per dataset, update-batcher.ts), removals, catch-ups after the index nodes changed
 * (ownership.ts), letting go of indexes that moved, and each owned index's size metric.
 */
export class IndexUpkeep {
  /** Indexes whose size this node exports, by index path. */
  private readonly exported = new Map<string, IndexKey>();
  /** The index nodes last seen (sorted ids), to tell their changes from other services'. */
  private indexNodes = "";
  private readonly embeddingUpdates: UpdateBatcher<string, { added: number; replaced: number }>;

  constructor(private readonly deps: IndexDeps) {
    this.embeddingUpdates = new UpdateBatcher((batchKey, chunkIds) => {
      const [orgId, datasetId, modelId] = JSON.parse(batchKey) as [string, string, string];
      return this.applyEmbeddingBatch({ orgId, datasetId, modelId, chunkIds });
    });
  }

  /** `index.applyEmbeddings`: calls for one dataset that arrive while its last batch is applied go in together. */
  applyEmbeddings(p: EmbeddingsStored): Promise<{ added: number; replaced: number }> {
    return this.embeddingUpdates.add(JSON.stringify([p.orgId, p.datasetId, p.modelId]), p.chunkIds);
  }

  /** Loads one batch of newly stored vectors (the union of the calls batched) into the owner's index. */
  private async applyEmbeddingBatch(p: EmbeddingsStored): Promise<{ added: number; replaced: number }> {
    const deps = this.deps;
    const dataset = await orgDataset(deps.db, p.orgId, p.datasetId);
    // A dataset deleted meanwhile, or moved to another model: these vectors belong to no index.
    if (!dataset || dataset.modelId !== p.modelId) return { added: 0, replaced: 0 };
    const key = keyOf(p.datasetId, p.modelId);
    // An index new to this node (a new dataset, or one whose owner changed) first catches up with every stored vector.
    await deps.ownership.ensureCurrent(key);
    const entries: Awaited<ReturnType<typeof vectorsOf>> = [];
    // In slices: a coalesced batch may hold more ids than one statement's parameters allow.
    for (let i = 0; i < p.chunkIds.length; i += 5000)
      entries.push(...(await vectorsOf(deps.db, p, p.chunkIds.slice(i, i + 5000))));
    // A call without vectors (import.chunked) for an index that nothing has created yet: nothing to commit.
    if (entries.length === 0 && !(await holds(deps, key))) return { added: 0, replaced: 0 };
    const settled = await datasetSettled(deps.db, key);
    const result = await deps.store.add(key, entries, settled);
    await this.exportSize(key);
    return result;
  }

  /** `index.removeChunks`: the given ids, or (without ids) every id the index holds that is no longer stored. */
  async removeChunks(p: { datasetId: string; chunkIds?: string[] }): Promise<{ removed: number }> {
    const deps = this.deps;
    const dataset = await datasetById(deps.db, p.datasetId);
    if (!dataset) return { removed: 0 };
    const key = keyOf(dataset.id, dataset.modelId);
    if (!(await holds(deps, key))) return { removed: 0 };
    let ids = p.chunkIds;
    if (!ids) {
      const stored = await storedChunkIds(deps.db, key);
      ids = (await deps.store.chunkIds(key)).filter((id) => !stored.has(id));
    }
    const settled = await datasetSettled(deps.db, key);
    return { removed: await deps.store.remove(key, ids, settled) };
  }

  /** `index.dropDataset`: this node forgets a deleted dataset's indexes, versions and cached rows. */
  async dropDataset(datasetId: string): Promise<{ models: string[] }> {
    const deps = this.deps;
    deps.datasetCache.forget(datasetId);
    deps.chunkSpans.forget(datasetId);
    deps.keywords.forget(datasetId);
    return { models: await deps.store.dropDataset(datasetId) };
  }

  /** Brings an index this node owns level with the stored vectors (ownership.ts), before it answers from it. */
  async catchUp(key: IndexKey): Promise<void> {
    const deps = this.deps;
    // Added in slices without committing each: one version for the whole catch-up, once the
    // dataset is settled (nothing left to chunk or embed; see datasetSettled).
    const r = await catchUpIndex(key, {
      holds: (k) => holds(deps, k),
      heldIds: (k) => deps.store.chunkIds(k),
      storedIds: (k) => storedChunkIds(deps.db, k),
      vectors: (k, ids) => storedVectorsOf(deps.db, k, ids),
      add: (k, entries) => deps.store.add(k, entries, false),
      remove: (k, ids) => deps.store.remove(k, ids, false),
    });
    if (r.added + r.removed > 0) {
      const copy = r.heldBefore ? "its copy" : "an empty index";
      deps.logger.info(
        `index: ${key.datasetId}/${key.modelId} caught up ${copy} from the stored vectors: ${r.added} added, ${r.removed} removed`,
      );
      if (await datasetSettled(deps.db, key)) await deps.store.commitPending(key);
    }
    if (await holds(deps, key)) await this.exportSize(key);
  }

  /** Exports the index's vector count, on the node that owns it only (a late batch may reach an old owner). */
  async exportSize(key: IndexKey): Promise<void> {
    const deps = this.deps;
    if (!deps.node.ownsDataset(key.datasetId)) return;
    const { count } = await deps.store.describe(key);
    this.exported.set(indexPath(key), key);
    deps.node.setIndexSize({ dataset: key.datasetId, model: key.modelId, vectors: count });
  }

  /**
   * The index nodes changed (compared by the available endpoints, since any service change
   * anywhere is announced): every index is caught up again before its next answer, and the
   * indexes this node no longer owns are let go, with their metric series.
   */
  nodesChanged(): void {
    const deps = this.deps;
    const nodes = deps.node.endpointsOf("index.vectorSearch").sort().join(",");
    if (nodes === this.indexNodes) return;
    this.indexNodes = nodes;
    deps.ownership.changed();
    const moved = [
      ...new Map([
        ...deps.store.manager.stats().map((s) => [indexPath(s.key), s.key] as const),
        ...this.exported,
      ]).values(),
    ].filter((key) => !deps.node.ownsDataset(key.datasetId));
    for (const key of moved) {
      this.exported.delete(indexPath(key));
      deps.node.dropIndexSeries(key);
      deps.store
        .release(key)
        .catch((err: Error) =>
          deps.logger.warn(`index: releasing ${key.datasetId}/${key.modelId} failed: ${err.message}`),
        );
    }
    if (moved.length) deps.logger.info(`index: ${moved.length} index(es) moved to other nodes; released here`);
    // An index caught up here before the registry named this node its owner exported nothing
    // then (exportSize checks ownership): the ones it owns now export their size.
    for (const { key } of deps.store.manager.stats())
      if (deps.node.ownsDataset(key.datasetId))
        this.exportSize(key).catch((err: Error) =>
          deps.logger.warn(`index: exporting the size of ${key.datasetId}/${key.modelId} failed: ${err.message}`),
        );
  }
}
