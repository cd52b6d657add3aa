// A few seconds' memory of which datasets an org owns (with the model and pinned version a search
// needs), so a search does not query the database for the same row on every request, twice (the
// search action, then the owner's vectorSearch). Only rows that exist are kept: a new dataset is
// found at once. A deleted dataset is forgotten on every index node when `dataset.deleted` reaches
// it (index.dropDataset); until then its chunks and messages are already gone by cascade, so a
// search finds nothing to show. Pinning or unpinning forgets the row on every node as well (a
// search that read the row just before the change may put the old one back, for one TTL at most).

export interface CachedDataset {
  id: string;
  modelId: string;
  pinnedVersion: string | null;
}

export interface DatasetCacheOptions {
  ttlMs: number;
  /** Rows kept at most; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

export class DatasetCache {
  private readonly rows = new Map<string, { until: number; row: CachedDataset }>();
  private readonly now: () => number;

  constructor(private readonly options: DatasetCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The org's rows among `ids` that are cached and fresh, and the ids still to look up. */
  lookup(orgId: string, ids: readonly string[]): { found: CachedDataset[]; missing: string[] } {
    const found: CachedDataset[] = [];
    const missing: string[] = [];
    const now = this.now();
    for (const id of ids) {
      const key = `${orgId}:${id}`;
      const entry = this.rows.get(key);
      if (entry && entry.until > now) found.push(entry.row);
      else {
        if (entry) this.rows.delete(key);
        missing.push(id);
      }
    }
    return { found, missing };
  }

  /** Remembers rows read from the database for this org. */
  remember(orgId: string, rows: readonly CachedDataset[]): void {
    if (this.options.ttlMs <= 0) return;
    const until = this.now() + this.options.ttlMs;
    for (const row of rows) {
      const key = `${orgId}:${row.id}`;
      // Re-inserted so the Map's order stays oldest first.
      this.rows.delete(key);
      this.rows.set(key, { until, row: { id: row.id, modelId: row.modelId, pinnedVersion: row.pinnedVersion } });
    }
    for (const key of this.rows.keys()) {
      if (this.rows.size <= this.options.maxEntries) break;
      this.rows.delete(key);
    }
  }

  /** Forgets a dataset, whichever org it was cached for. */
  forget(datasetId: string): void {
    const suffix = `:${datasetId}`;
    for (const key of this.rows.keys()) if (key.endsWith(suffix)) this.rows.delete(key);
  }
}
