import type { CallAction } from "../../core/calls.ts";
import type { Config } from "../../config/index.ts";
import type { Logger as CoreLogger } from "../../core/logger.ts";
import type { SearchMode as MetricsSearchMode } from "../../core/metrics.ts";
import type { OrgSlots } from "../../core/org-slots.ts";
import type { Db } from "../../models/db.ts";
import type { ChunkSpanCache } from "./chunk-spans.ts";
import type { DatasetCache } from "./dataset-cache.ts";
import type { IndexKey } from "./index-key.ts";
import type { IndexStore } from "./index-store.ts";
import type { KeywordStore } from "./keyword/keyword-store.ts";
import type { IndexOwnership } from "./ownership.ts";

export type Logger = Pick<CoreLogger, "info" | "warn" | "error">;

export type { CallAction, CallOptions, Caller } from "../../core/calls.ts";

/** What the use cases ask of this node's broker. */
export interface IndexNode {
  readonly nodeID: string;
  /** Calls an action as this node (no caller). */
  call: CallAction;
  /** The index node that owns a dataset for `action` (its Shard strategy's choice among available endpoints). */
  ownerOf(action: string, datasetId: string): string | undefined;
  /** Ids of the nodes where an action is available now. */
  endpointsOf(action: string): string[];
  /** Whether this node owns the dataset's index now (false once the service stops). */
  ownsDataset(datasetId: string): boolean;
  recordSearch(search: { mode: MetricsSearchMode; seconds: number }): void;
  setIndexSize(index: { dataset: string; model: string; vectors: number }): void;
  /** Drops one index's series from this node's metrics, or every index series without a key. */
  dropIndexSeries(key?: IndexKey): void;
}

/**
 * What the index use cases need, passed in explicitly: search-run.ts, vector-search.ts,
 * index-upkeep.ts and version-management.ts import neither Moleculer nor the service.
 */
export interface IndexDeps {
  /** The process's database: writes, upkeep, version management. */
  db: Db;
  /** What searches read through: on PostgreSQL a pool whose statements stop at the search timeout. */
  searchDb: Db;
  config: Pick<
    Config,
    "SEARCH_TIMEOUT_S" | "SEARCH_MAX_CONCURRENT_PER_ORG" | "SEARCH_SEMANTIC_MIN_SCORE" | "SEARCH_LOG_RETENTION_DAYS"
  >;
  logger: Logger;
  store: IndexStore;
  keywords: KeywordStore;
  chunkSpans: ChunkSpanCache;
  datasetCache: DatasetCache;
  /** Published searches running per org on this node (SEARCH_MAX_CONCURRENT_PER_ORG). */
  searchSlots: OrgSlots;
  ownership: IndexOwnership;
  node: IndexNode;
}
