import { performance } from "node:perf_hooks";
import type { CallingOptions, Context, Service, ServiceSchema } from "moleculer";
import { and, eq, inArray } from "drizzle-orm";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import { dropIndexSeries, recordSearch, setIndexSize } from "../../core/metrics.ts";
import { findOwned, tenantMixin } from "../../mixins/tenant.mixin.ts";
import { datasets } from "../../models/schema.ts";
import type { AppContext } from "../../core/app-context.ts";
import { base64ToFloat32, bytesToFloat32, float32ToBase64 } from "../../lib/vector-codec.ts";
import { ClientError } from "../../core/errors.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import { actionEndpoints } from "../../core/registry.ts";
import { itemsOf, ref } from "../../core/json-schema.ts";
import { DatasetCache, type CachedDataset } from "./dataset-cache.ts";
import { federatedMerge } from "./fusion.ts";
import { chooseEngine, setDefaultBackend } from "./engines.ts";
import { IndexStore } from "./index-store.ts";
import type { IndexKey } from "./index-key.ts";
import {
  allowedChunkIds,
  allVectors,
  chunkMessages,
  chunksOfMessages,
  hasFilters,
  logSearch,
  messagesById,
  datasetSettled,
  pendingChunks,
  purgeSearchLog,
  storedChunkIds,
  storedVectorsOf,
  surroundingMessages,
  vectorsOf,
  versionSources,
  type SearchFilters,
} from "./search-sql.ts";
import {
  fuseResults,
  DEFAULT_FUSION,
  DEFAULT_WEIGHTS,
  FUSIONS,
  messageUnit,
  SEARCH_MODES,
  type Fusion,
  type KeywordUnitHit,
  type SearchMode,
  type SemanticHit,
} from "./search.ts";
import { VersionNotFoundError } from "./versions.ts";
import { KeywordStore, type DatasetKeywords } from "./keyword/keyword-store.ts";
import { keywordHits, matchRanges, parseKeywordQuery, type KeywordHit } from "./search-keyword.ts";
import { arrangeHits, type ArrangedHit } from "./search-results.ts";
import { indexPath } from "./index-key.ts";
import { allowedChunks, ChunkSpanCache, chunksOfMessagesInMemory, type ChunkSpans } from "./chunk-spans.ts";
import { catchUpIndex, IndexOwnership } from "./ownership.ts";
import { UpdateBatcher } from "./update-batcher.ts";
import { cancelledAsTimeout } from "./search-timeout.ts";
import { allEnded } from "../../lib/all-ended.ts";
import { openDatabase, type Database, type Db } from "../../models/db.ts";
import { DimensionMismatchError } from "./vector-index.ts";

type Ctx<P = Record<string, unknown>> = Context<P, CallMeta>;

interface SearchParams {
  datasetId?: string;
  datasetIds?: string[];
  query: string;
  mode: SearchMode;
  fusion: Fusion;
  k: number;
  weights?: { semantic?: number; keyword?: number };
  filters?: SearchFilters;
  page: number;
  pageSize: number;
  context: number;
  versions?: number[];
}

interface VectorSearchParams {
  orgId: string;
  datasetId: string;
  modelId: string;
  /** Float32 little-endian, base64: what travels between nodes. */
  vector: string;
  k: number;
  filters?: SearchFilters;
  version?: number;
}

/** A vector search as the owner runs it, with the vector decoded. */
type OwnedSearch = Omit<VectorSearchParams, "vector"> & {
  vector: Float32Array;
  /** Set by a caller on this node that has just checked that orgId owns the dataset. */
  ownershipChecked?: boolean;
};

interface SearchByVectorParams {
  datasetId: string;
  vector: number[] | string;
  k: number;
  filters?: SearchFilters;
  version?: number;
}

interface EmbeddingsStored {
  orgId: string;
  datasetId: string;
  modelId: string;
  chunkIds: string[];
}

type ManageOp = "status" | "list" | "compare" | "pin" | "unpin" | "rollback" | "rebuild";

interface ManageParams {
  orgId: string;
  datasetId: string;
  modelId: string;
  op: ManageOp;
  version?: number;
  to?: number;
}

/** What a node hands back from its part of a search: hits of one (dataset, version). */
interface VectorSearchResult {
  datasetId: string;
  version?: number;
  hits: Array<{ chunkId: string; score: number }>;
}

const DB_TIMEOUT = 30_000;
/** Rebuilds of large indexes read every stored vector. */
const REBUILD_TIMEOUT = 600_000;
/** Calling options of long or non-idempotent calls: the broker's retry policy must not repeat them. */
const NO_RETRY = { retries: 0 } as const;
const SHARD = { strategy: "Shard", strategyOptions: { shardKey: "datasetId" } } as const;
/** A version is committed at the latest this long after the first uncommitted change (see index-store.ts). */
const COMMIT_INTERVAL_MS = 30_000;
const PURGE_INTERVAL_MS = 6 * 3600_000;
/** After the index nodes change, catch-ups this soon may have missed a batch sent to the old owner (see ownership.ts). */
const OWNERSHIP_SETTLE_MS = 15_000;
/** How long a node trusts a dataset's ownership row without asking the database (see dataset-cache.ts). */
const DATASET_CACHE_TTL_MS = 5_000;
const DATASET_CACHE_MAX = 10_000;
/** Candidates fetched from each retriever, at least; fusion needs depth past the page shown. */
const MIN_DEPTH = 50;
const MAX_DEPTH = 1000;
/** The widest query vector accepted (the largest common embedding models are 4,096-dimensional). */
const MAX_DIMENSION = 8192;

const uuid = { type: "uuid" } as const;
const version = { type: "number", integer: true, min: 1, convert: true } as const;
const filtersSchema = {
  type: "object",
  optional: true,
  strict: true,
  props: {
    conversationIds: { type: "array", items: "uuid", max: 500, optional: true },
    participantIds: { type: "array", items: "uuid", max: 500, optional: true },
    from: { type: "date", convert: true, optional: true },
    to: { type: "date", convert: true, optional: true },
    platforms: { type: "array", items: { type: "string", min: 1, max: 50 }, max: 20, optional: true },
    kinds: { type: "array", items: { type: "string", min: 1, max: 50 }, max: 20, optional: true },
  },
} as const;

const keyOf = (datasetId: string, modelId: string): IndexKey => ({ datasetId, modelId });

/**
 * Vector indexes per dataset and model, their git versions, and search (keyword, semantic,
 * hybrid, federated over versions and datasets). Each dataset's index lives on one index node:
 * the actions that touch it are sharded on `datasetId`, and callers route to the owner
 * explicitly (see `callOwner`), since the broker's preferLocal would otherwise keep a call on
 * whichever index node happened to receive it.
 */
export default function createIndexService(app: AppContext): ServiceSchema {
  const { config } = app;
  // The broker's timeout of a search and, on PostgreSQL, the statement_timeout of the pool its
  // reads use: a search that gave up leaves no query running behind it.
  const searchTimeout = config.SEARCH_TIMEOUT_S * 1000;

  return {
    name: "index",
    mixins: [dbMixin(app), tenantMixin()],

    actions: {
      // ── search ──────────────────────────────────────────────────────────
      /**
       * Keyword, semantic or hybrid search over one or several datasets of the caller's org (or
       * over several versions of one dataset), filtered, paginated, each hit resolved to its best
       * message with neighbours, highlights and per-mode scores. Every query is logged.
       */
      search: {
        visibility: "published",
        openapi: { summary: "Search messages (semantic, keyword or hybrid)", response: ref("SearchResponse") },
        permissions: ["search.run"],
        timeout: searchTimeout,
        // A search that timed out is answered with the timeout, never run again behind the user's back.
        retryPolicy: { retries: 0 },
        params: {
          $$strict: true,
          datasetId: { ...uuid, optional: true },
          datasetIds: { type: "array", items: "uuid", min: 1, max: 20, unique: true, optional: true },
          query: { type: "string", trim: true, min: 1, max: 1000 },
          mode: { type: "enum", values: [...SEARCH_MODES], default: "hybrid" },
          fusion: { type: "enum", values: [...FUSIONS], default: DEFAULT_FUSION },
          k: { type: "number", integer: true, min: 1, max: 1000, convert: true, default: 60 },
          weights: {
            type: "object",
            optional: true,
            strict: true,
            props: {
              semantic: { type: "number", min: 0, max: 100, optional: true },
              keyword: { type: "number", min: 0, max: 100, optional: true },
            },
          },
          filters: filtersSchema,
          page: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 1 },
          pageSize: { type: "number", integer: true, min: 1, max: 100, convert: true, default: 10 },
          context: { type: "number", integer: true, min: 0, max: 10, convert: true, default: 2 },
          versions: { type: "array", items: version, min: 1, max: 5, unique: true, optional: true },
        },
        async handler(this: IndexService, ctx: Ctx<SearchParams>) {
          return cancelledAsTimeout(
            this.withSearchSlot(ctx, () => this.runSearch(ctx)),
            config.SEARCH_TIMEOUT_S,
          );
        },
      },

      /**
       * The chunks nearest to a vector the caller computed (with /v1/embeddings and the dataset's
       * model, say): ids and scores only, no message resolution, for retrieval pipelines that do
       * their own. Counted in the search metrics; not in the query log, which records text queries.
       */
      searchByVector: {
        visibility: "published",
        openapi: {
          summary: "Nearest chunks to a query vector (ids and cosine scores)",
          response: ref("VectorSearchResponse"),
        },
        permissions: ["search.run"],
        timeout: searchTimeout,
        params: {
          $$strict: true,
          datasetId: uuid,
          vector: [
            { type: "array", items: "number", min: 1, max: MAX_DIMENSION },
            { type: "string", min: 4, max: Math.ceil((MAX_DIMENSION * 4) / 3) + 4, pattern: /^[A-Za-z0-9+/]*={0,2}$/ },
          ],
          k: { type: "number", integer: true, min: 1, max: MAX_DEPTH, convert: true, default: 10 },
          filters: filtersSchema,
          version: { ...version, optional: true },
        },
        async handler(this: IndexService, ctx: Ctx<SearchByVectorParams>) {
          return this.withSearchSlot(ctx, async () => {
            const started = performance.now();
            const p = ctx.params;
            const orgId = orgOf(ctx);
            const [dataset] = await this.datasetsOf(orgId, [p.datasetId]);
            if (!dataset) throw new ClientError("NOT_FOUND", "Dataset not found");
            const vector = finiteVector(
              typeof p.vector === "string" ? decodeVectorParam(p.vector) : Float32Array.from(p.vector),
            );
            const version = p.version ?? (dataset.pinnedVersion ? Number(dataset.pinnedVersion) : undefined);
            const result = await this.searchOnOwner(ctx, {
              orgId,
              datasetId: dataset.id,
              modelId: dataset.modelId,
              vector,
              k: p.k,
              ...(p.filters && hasFilters(p.filters) ? { filters: p.filters } : {}),
              ...(version === undefined ? {} : { version }),
            });
            recordSearch(this.broker, { mode: "vector", seconds: (performance.now() - started) / 1000 });
            return {
              datasetId: dataset.id,
              modelId: dataset.modelId,
              ...(result.version === undefined ? {} : { version: result.version }),
              hits: result.hits,
            };
          });
        },
      },

      /** One (dataset, version) vector search on the node that owns the dataset's index. */
      vectorSearch: {
        visibility: "public",
        ...SHARD,
        timeout: searchTimeout,
        params: {
          $$strict: true,
          orgId: uuid,
          datasetId: uuid,
          modelId: { type: "string", min: 1, max: 200 },
          vector: { type: "string", min: 1 },
          k: { type: "number", integer: true, min: 1, max: MAX_DEPTH },
          filters: filtersSchema,
          version: { ...version, optional: true },
        },
        async handler(this: IndexService, ctx: Ctx<VectorSearchParams>): Promise<VectorSearchResult> {
          return cancelledAsTimeout(
            this.searchOwned({
              ...ctx.params,
              vector: base64ToFloat32(ctx.params.vector),
              ownershipChecked: false,
            }),
            config.SEARCH_TIMEOUT_S,
          );
        },
      },

      // ── index upkeep (owner node, internal) ─────────────────────────────
      /** Loads newly stored vectors into the owner's index; commits a version per the policy in index-store.ts. */
      applyEmbeddings: {
        visibility: "public",
        ...SHARD,
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          orgId: uuid,
          datasetId: uuid,
          modelId: { type: "string", min: 1, max: 200 },
          chunkIds: { type: "array", items: { type: "string", min: 1, max: 200 }, max: 100_000 },
        },
        async handler(this: IndexService, ctx: Ctx<EmbeddingsStored>) {
          const p = ctx.params;
          // Calls for one dataset that arrive while its last batch is applied go in together (update-batcher.ts).
          return this.embeddingUpdates.add(JSON.stringify([p.orgId, p.datasetId, p.modelId]), p.chunkIds);
        },
      },

      /** Removes chunks from the owner's index: the given ids, or (without ids) every id no longer stored. */
      removeChunks: {
        visibility: "public",
        ...SHARD,
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          chunkIds: { type: "array", items: { type: "string", min: 1, max: 200 }, max: 100_000, optional: true },
        },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string; chunkIds?: string[] }>) {
          const [dataset] = await this.db.select().from(datasets).where(eq(datasets.id, ctx.params.datasetId));
          if (!dataset) return { removed: 0 };
          const key = keyOf(dataset.id, dataset.modelId);
          if (!(await this.holds(key))) return { removed: 0 };
          let ids = ctx.params.chunkIds;
          if (!ids) {
            const stored = await storedChunkIds(this.db, key);
            ids = (await this.store.chunkIds(key)).filter((id) => !stored.has(id));
          }
          const settled = await datasetSettled(this.db, key);
          return { removed: await this.store.remove(key, ids, settled) };
        },
      },

      /** Forgets a deleted dataset's indexes and versions on this node (every index node is asked). */
      dropDataset: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          this.datasetCache.forget(ctx.params.datasetId);
          this.chunkSpans.forget(ctx.params.datasetId);
          this.keywords.forget(ctx.params.datasetId);
          return { models: await this.store.dropDataset(ctx.params.datasetId) };
        },
      },

      /** Forgets this node's cached row of a dataset whose pinned version changed (every index node is asked). */
      forgetDataset: {
        visibility: "public",
        params: { $$strict: true, datasetId: uuid },
        handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          this.datasetCache.forget(ctx.params.datasetId);
          return { forgotten: true };
        },
      },

      /** Version management on the owner node: status, list, compare, pin, unpin, rollback, rebuild. */
      manage: {
        visibility: "public",
        ...SHARD,
        timeout: REBUILD_TIMEOUT,
        params: {
          $$strict: true,
          orgId: uuid,
          datasetId: uuid,
          modelId: { type: "string", min: 1, max: 200 },
          op: { type: "enum", values: ["status", "list", "compare", "pin", "unpin", "rollback", "rebuild"] },
          version: { ...version, optional: true },
          to: { ...version, optional: true },
        },
        async handler(this: IndexService, ctx: Ctx<ManageParams>) {
          try {
            return await this.manageOnOwner(ctx.params);
          } catch (err) {
            if (err instanceof VersionNotFoundError) throw new ClientError("NOT_FOUND", "Index version not found");
            throw err;
          }
        },
      },

      // ── HTTP: index status and versions ─────────────────────────────────
      status: {
        visibility: "published",
        openapi: { summary: "Index status of a dataset", response: ref("IndexStatus") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          return this.manageDataset(ctx, "status");
        },
      },

      listVersions: {
        visibility: "published",
        openapi: { summary: "Index versions of a dataset, newest first", response: itemsOf(ref("IndexVersion")) },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          return this.manageDataset(ctx, "list");
        },
      },

      compareVersions: {
        visibility: "published",
        openapi: { summary: "Chunks added and removed between two index versions", response: ref("VersionDiff") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, from: version, to: version },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string; from: number; to: number }>) {
          return this.manageDataset(ctx, "compare", { version: ctx.params.from, to: ctx.params.to });
        },
      },

      /** Searches of the dataset use this version until unpinned; retention keeps it. */
      pinVersion: {
        visibility: "published",
        openapi: { summary: "Pin the index version searches use", response: ref("PinnedVersion") },
        permissions: ["index.manage"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, version },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string; version: number }>) {
          return this.manageDataset(ctx, "pin", { version: ctx.params.version });
        },
      },

      unpinVersion: {
        visibility: "published",
        openapi: { summary: "Unpin: searches use the live index again", response: ref("PinnedVersion") },
        permissions: ["index.manage"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          return this.manageDataset(ctx, "unpin");
        },
      },

      /** Makes an old version's content the live index again, recorded as a new version. */
      rollback: {
        visibility: "published",
        openapi: {
          summary: "Roll the live index back to an old version (as a new version)",
          response: ref("NewIndexVersion"),
        },
        permissions: ["index.manage"],
        timeout: REBUILD_TIMEOUT,
        retryPolicy: NO_RETRY,
        params: { $$strict: true, datasetId: uuid, version },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string; version: number }>) {
          return this.manageDataset(ctx, "rollback", { version: ctx.params.version });
        },
      },

      /** Rebuilds the live index from the vectors stored in the database, as a new version. */
      rebuild: {
        visibility: "published",
        openapi: {
          summary: "Rebuild the live index from stored vectors (as a new version)",
          response: ref("NewIndexVersion"),
        },
        permissions: ["index.manage"],
        timeout: REBUILD_TIMEOUT,
        // Each run makes a version: a caller that timed out is answered, not re-run (the gateway's call included).
        retryPolicy: NO_RETRY,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IndexService, ctx: Ctx<{ datasetId: string }>) {
          return this.manageDataset(ctx, "rebuild");
        },
      },

      /** Deletes search-log rows past SEARCH_LOG_RETENTION_DAYS (also run on a timer). */
      purgeSearchLog: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: IndexService) {
          return { deleted: await purgeSearchLog(this.db, config.SEARCH_LOG_RETENTION_DAYS) };
        },
      },
    },

    events: {
      /** Index nodes joined, drained or died: indexes may have moved (ownership.ts). */
      "$services.changed"(this: IndexService) {
        this.indexNodesChanged();
      },

      /** Balanced to one index node, which hands the batch to the dataset's owner. */
      "embeddings.stored": {
        params: {
          orgId: "uuid",
          datasetId: "uuid",
          modelId: "string",
          chunkIds: { type: "array", items: "string" },
        },
        async handler(this: IndexService, ctx: Context<EmbeddingsStored>) {
          // No retries: a timed-out call's batch still completes on the owner, a retry only queues it again.
          await this.callOwner(ctx, "index.applyEmbeddings", ctx.params, NO_RETRY);
        },
      },

      /** New messages: the keyword index is rebuilt now, not by the first search (seconds at 1M messages). */
      "import.completed": {
        params: { orgId: "uuid", datasetId: "uuid", messagesAdded: { type: "number", optional: true } },
        handler(this: IndexService, ctx: Context<{ datasetId: string; messagesAdded?: number }>) {
          if (ctx.params.messagesAdded !== 0) this.keywords.warm(ctx.params.datasetId);
        },
      },

      /**
       * An import's chunks are all written: if their vectors were stored before (the last batch
       * arrived while chunking still went on), the owner commits the version it held back.
       */
      "import.chunked": {
        params: { orgId: "uuid", datasetId: "uuid", modelId: "string" },
        async handler(this: IndexService, ctx: Context<{ orgId: string; datasetId: string; modelId: string }>) {
          await this.callOwner(ctx, "index.applyEmbeddings", { ...ctx.params, chunkIds: [] }, NO_RETRY);
        },
      },

      /** Re-chunking replaced these chunks (their vectors went with them). */
      "chunks.deleted": {
        params: { orgId: "uuid", datasetId: "uuid", chunkIds: { type: "array", items: "string" } },
        async handler(this: IndexService, ctx: Context<{ datasetId: string; chunkIds: string[] }>) {
          await this.callOwner(
            ctx,
            "index.removeChunks",
            { datasetId: ctx.params.datasetId, chunkIds: ctx.params.chunkIds },
            NO_RETRY,
          );
        },
      },

      /**
       * Messages or a conversation deleted: their chunks and vectors went by cascade, so the owner
       * removes whatever its index holds that the database no longer stores.
       */
      "messages.deleted": {
        params: { orgId: "uuid", datasetId: "uuid" },
        async handler(this: IndexService, ctx: Context<{ datasetId: string }>) {
          await this.callOwner(ctx, "index.removeChunks", { datasetId: ctx.params.datasetId }, NO_RETRY);
        },
      },
      "conversation.deleted": {
        params: { orgId: "uuid", datasetId: "uuid" },
        async handler(this: IndexService, ctx: Context<{ datasetId: string }>) {
          await this.callOwner(ctx, "index.removeChunks", { datasetId: ctx.params.datasetId }, NO_RETRY);
        },
      },

      /** The dataset's keyword language changed (broadcast to every index node): its keyword index is built again. */
      "dataset.keywordLanguageChanged": {
        params: { orgId: "uuid", datasetId: "uuid" },
        handler(this: IndexService, ctx: Context<{ datasetId: string }>) {
          this.keywords.forget(ctx.params.datasetId);
          this.chunkSpans.forget(ctx.params.datasetId);
        },
      },

      /** Every index node drops its copy: an owner change may have left older files elsewhere. */
      "dataset.deleted": {
        params: { orgId: "uuid", datasetId: "uuid" },
        async handler(this: IndexService, ctx: Context<{ datasetId: string }>) {
          const list = this.endpointsOf("index.dropDataset");
          await Promise.all(
            list.map((nodeID) => ctx.call("index.dropDataset", { datasetId: ctx.params.datasetId }, { nodeID })),
          );
        },
      },
    },

    methods: {
      /** Loads one batch of newly stored vectors (the union of the calls batched) into the owner's index. */
      async applyEmbeddingBatch(this: IndexService, p: EmbeddingsStored) {
        const [dataset] = await this.db
          .select()
          .from(datasets)
          .where(and(eq(datasets.id, p.datasetId), eq(datasets.orgId, p.orgId)));
        // A dataset deleted meanwhile, or moved to another model: these vectors belong to no index.
        if (!dataset || dataset.modelId !== p.modelId) return { added: 0, replaced: 0 };
        const key = keyOf(p.datasetId, p.modelId);
        // An index new to this node (a new dataset, or one whose owner changed) first catches up with every stored vector.
        await this.ownership.ensureCurrent(key);
        const entries: Awaited<ReturnType<typeof vectorsOf>> = [];
        // In slices: a coalesced batch may hold more ids than one statement's parameters allow.
        for (let i = 0; i < p.chunkIds.length; i += 5000)
          entries.push(...(await vectorsOf(this.db, p, p.chunkIds.slice(i, i + 5000))));
        // A call without vectors (import.chunked) for an index that nothing has created yet: nothing to commit.
        if (entries.length === 0 && !(await this.holds(key))) return { added: 0, replaced: 0 };
        const settled = await datasetSettled(this.db, key);
        const result = await this.store.add(key, entries, settled);
        await this.exportSize(key);
        return result;
      },

      /** Brings an index this node owns level with the stored vectors (ownership.ts), before it answers from it. */
      async catchUp(this: IndexService, key: IndexKey) {
        // Added in slices without committing each: one version for the whole catch-up, once the
        // dataset is settled (nothing left to chunk or embed; see datasetSettled).
        const r = await catchUpIndex(key, {
          holds: (k) => this.holds(k),
          heldIds: (k) => this.store.chunkIds(k),
          storedIds: (k) => storedChunkIds(this.db, k),
          vectors: (k, ids) => storedVectorsOf(this.db, k, ids),
          add: (k, entries) => this.store.add(k, entries, false),
          remove: (k, ids) => this.store.remove(k, ids, false),
        });
        if (r.added + r.removed > 0) {
          const copy = r.heldBefore ? "its copy" : "an empty index";
          this.logger.info(
            `index: ${key.datasetId}/${key.modelId} caught up ${copy} from the stored vectors: ${r.added} added, ${r.removed} removed`,
          );
          if (await datasetSettled(this.db, key)) await this.store.commitPending(key);
        }
        if (await this.holds(key)) await this.exportSize(key);
      },

      /** Exports the index's vector count, on the node that owns it only (a late batch may reach an old owner). */
      async exportSize(this: IndexService, key: IndexKey) {
        if (!this.ownsDataset(key.datasetId)) return;
        const { count } = await this.store.describe(key);
        this.exported.set(indexPath(key), key);
        setIndexSize(this.broker, { dataset: key.datasetId, model: key.modelId, vectors: count });
      },

      /**
       * The index nodes changed (compared by the available endpoints, since any service change
       * anywhere is announced): every index is caught up again before its next answer, and the
       * indexes this node no longer owns are let go, with their metric series.
       */
      indexNodesChanged(this: IndexService) {
        // Announced before this service finished starting: it starts with nothing caught up anyway.
        if (!this.ownership) return;
        const nodes = this.endpointsOf("index.vectorSearch").sort().join(",");
        if (nodes === this.indexNodes) return;
        this.indexNodes = nodes;
        this.ownership.changed();
        const moved = [
          ...new Map([
            ...this.store.manager.stats().map((s) => [indexPath(s.key), s.key] as const),
            ...this.exported,
          ]).values(),
        ].filter((key) => !this.ownsDataset(key.datasetId));
        for (const key of moved) {
          this.exported.delete(indexPath(key));
          dropIndexSeries(this.broker, key);
          this.store
            .release(key)
            .catch((err: Error) =>
              this.logger.warn(`index: releasing ${key.datasetId}/${key.modelId} failed: ${err.message}`),
            );
        }
        if (moved.length) this.logger.info(`index: ${moved.length} index(es) moved to other nodes; released here`);
        // An index caught up here before the registry named this node its owner exported nothing
        // then (exportSize checks ownership): the ones it owns now export their size.
        for (const { key } of this.store.manager.stats())
          if (this.ownsDataset(key.datasetId))
            this.exportSize(key).catch((err: Error) =>
              this.logger.warn(`index: exporting the size of ${key.datasetId}/${key.modelId} failed: ${err.message}`),
            );
      },

      /** Whether this node owns the dataset's index now (the Shard strategy's choice). */
      ownsDataset(this: IndexService, datasetId: string): boolean {
        return !this.stopping && this.ownerOf("index.vectorSearch", datasetId) === this.broker.nodeID;
      },

      /** The index node that owns a dataset: the Shard strategy's choice among available endpoints. */
      ownerOf(this: IndexService, action: string, datasetId: string): string | undefined {
        const list = actionEndpoints(this.broker, action);
        const available = list?.endpoints.filter((ep) => ep.isAvailable) ?? [];
        if (!list || available.length === 0) return undefined;
        // Moleculer's Shard strategy rebuilds its ring on node events only: after a service
        // stopped on a node that stays connected (node:drain) its ring still named that node (select
        // gave undefined and this threw), or gave owners the other nodes' rings did not. Rebuilt
        // whenever the available endpoints changed, so every node derives the owner from the same set.
        const ids = available
          .map((ep) => ep.id)
          .sort()
          .join(",");
        this.shardRing ??= new Map();
        if (this.shardRing.get(action) !== ids) {
          list.strategy.needRebuild = true;
          this.shardRing.set(action, ids);
        }
        return list.strategy.select(available, { params: { datasetId }, meta: {} })?.id;
      },

      endpointsOf(this: IndexService, action: string): string[] {
        const list = actionEndpoints(this.broker, action);
        return (list?.endpoints ?? []).filter((ep) => ep.isAvailable).map((ep) => ep.id);
      },

      callOwner<T, P extends { datasetId: string }>(
        this: IndexService,
        ctx: Context,
        action: string,
        params: P,
        opts: CallingOptions = {},
      ): Promise<T> {
        const nodeID = this.ownerOf(action, params.datasetId);
        return ctx.call(action, params, nodeID ? { ...opts, nodeID } : opts) as Promise<T>;
      },

      /**
       * A vector search on the dataset's owner. When that is this node, the search runs here
       * directly: the calling action already went through the broker's middlewares (timeout,
       * bulkhead, breaker, metrics), and a second local hop plus a base64 round trip of the vector
       * cost more than a small index's search (bench/RESULTS-index.md).
       */
      searchOnOwner(this: IndexService, ctx: Context, p: OwnedSearch): Promise<VectorSearchResult> {
        const nodeID = this.ownerOf("index.vectorSearch", p.datasetId);
        if (nodeID === this.broker.nodeID) return this.searchOwned({ ...p, ownershipChecked: true });
        // The owner checks ownership itself: the flag never travels.
        const { ownershipChecked: _checked, vector, ...rest } = p;
        return ctx.call("index.vectorSearch", { ...rest, vector: float32ToBase64(vector) }, nodeID ? { nodeID } : {});
      },

      /** One (dataset, version) vector search on this node, which owns the dataset's index. */
      async searchOwned(this: IndexService, p: OwnedSearch): Promise<VectorSearchResult> {
        const key = keyOf(p.datasetId, p.modelId);
        // Callers check ownership already; a call from another node is checked again here, so the
        // index answers only for the dataset's own org whoever calls it.
        if (!p.ownershipChecked && (await this.datasetsOf(p.orgId, [p.datasetId])).length === 0)
          return { datasetId: p.datasetId, version: p.version, hits: [] };
        if (p.version === undefined && !(await this.ensureIndex(key))) return { datasetId: p.datasetId, hits: [] };
        const allow =
          p.filters && hasFilters(p.filters) ? await this.filterAllowList(key, p.orgId, p.filters) : undefined;
        if (allow?.length === 0) return { datasetId: p.datasetId, version: p.version, hits: [] };
        try {
          const hits = await this.store.search(key, p.vector, p.k, { allow, version: p.version });
          return { datasetId: p.datasetId, version: p.version, hits };
        } catch (err) {
          if (err instanceof VersionNotFoundError)
            throw new ClientError("NOT_FOUND", `Index version ${p.version} not found`);
          if (err instanceof DimensionMismatchError)
            throw new ClientError(
              "VALIDATION_ERROR",
              `The query vector has ${err.actual} dimensions; this dataset's index has ${err.expected}`,
              [{ field: "vector", type: "dimension" }],
            );
          throw err;
        }
      },

      /**
       * The chunks of the dataset holding a message that passes the filters (chunk-spans.ts): from
       * the keyword index's message columns and the chunks' spans, in memory; only chunks newer
       * than the keyword index are asked of the database.
       */
      async filterAllowList(
        this: IndexService,
        key: IndexKey,
        orgId: string,
        filters: SearchFilters,
      ): Promise<string[]> {
        const [keywords] = await this.keywords.get([key.datasetId]);
        const accept = keywords!.filter(filters);
        const spans = await this.spansOf(key, keywords!);
        const { allowed, unknown } = allowedChunks(keywords!, spans, accept ?? (() => true));
        if (unknown.length > 0)
          allowed.push(
            ...(await allowedChunkIds(this.searchDb, { orgId, datasetId: key.datasetId }, filters, unknown)),
          );
        return allowed;
      },

      /**
       * The dataset's chunk spans, read again when its messages changed (the keyword stamp) or, on
       * the node holding the index, when its vector count did (chunks embedded or removed).
       */
      async spansOf(this: IndexService, key: IndexKey, keywords: DatasetKeywords): Promise<ChunkSpans> {
        const vectors = (await this.holds(key)) ? (await this.store.describe(key)).count : -1;
        return this.chunkSpans.get(key.datasetId, `${vectors}:${keywords.stamp}`);
      },

      /** The chunk of each keyword hit's message: from the spans in memory, the rest from the database. */
      async chunksOfHits(
        this: IndexService,
        orgId: string,
        modelId: string,
        hits: KeywordHit[],
        keywords: Map<string, DatasetKeywords>,
      ) {
        const chunkOf = new Map<number, string>();
        const missing: number[] = [];
        for (const datasetId of new Set(hits.map((h) => h.datasetId))) {
          const k = keywords.get(datasetId);
          const ids = hits.filter((h) => h.datasetId === datasetId).map((h) => h.messageId);
          if (!k) {
            missing.push(...ids);
            continue;
          }
          const inMemory = chunksOfMessagesInMemory(k, await this.spansOf(keyOf(datasetId, modelId), k), ids);
          for (const [id, chunk] of inMemory.found) chunkOf.set(id, chunk);
          missing.push(...inMemory.missing);
        }
        for (const [id, chunk] of await chunksOfMessages(this.searchDb, orgId, missing)) chunkOf.set(id, chunk);
        return chunkOf;
      },

      /** Whether this node holds the index, in memory or on disk (memory first: every search asks, and a file check is a thread-pool round trip). */
      async holds(this: IndexService, key: IndexKey): Promise<boolean> {
        return this.store.manager.isLoaded(key) || (await this.store.exists(key));
      },

      /** The org's datasets among `ids` (id, model, pinned version), through the node's short-lived cache. */
      async datasetsOf(this: IndexService, orgId: string, ids: readonly string[]): Promise<CachedDataset[]> {
        const { found, missing } = this.datasetCache.lookup(orgId, ids);
        if (missing.length === 0) return found;
        const rows = await this.searchDb
          .select({ id: datasets.id, modelId: datasets.modelId, pinnedVersion: datasets.pinnedVersion })
          .from(datasets)
          .where(and(eq(datasets.orgId, orgId), inArray(datasets.id, missing)));
        this.datasetCache.remember(orgId, rows);
        return [...found, ...rows];
      },

      /** Every index node forgets its cached row of the dataset, so the next search reads the new one. */
      async forgetEverywhere(this: IndexService, datasetId: string): Promise<void> {
        const nodes = this.endpointsOf("index.forgetDataset");
        await Promise.all(nodes.map((nodeID) => this.broker.call("index.forgetDataset", { datasetId }, { nodeID })));
      },

      /** Makes sure the owner's index holds every stored vector (built from them when it has none); false when nothing is stored. */
      async ensureIndex(this: IndexService, key: IndexKey): Promise<boolean> {
        await this.ownership.ensureCurrent(key);
        return this.holds(key);
      },

      /** A published version action: the dataset must be the caller's (404 otherwise), then the owner does it. */
      async manageDataset(
        this: IndexService,
        ctx: Ctx<{ datasetId: string }>,
        op: ManageOp,
        extra: { version?: number; to?: number } = {},
      ) {
        // Operator commands (meta.system, no org) act on the dataset by id, whichever org owns it.
        const dataset =
          ctx.meta.system && !ctx.meta.auth
            ? (await this.db.select().from(datasets).where(eq(datasets.id, ctx.params.datasetId)))[0]
            : await findOwned(this.db, ctx, datasets, ctx.params.datasetId, "Dataset");
        if (!dataset) throw new ClientError("NOT_FOUND", "Dataset not found");
        if (op === "rollback" || op === "pin" || op === "unpin" || op === "rebuild")
          this.logger.info(`index: ${op} of dataset ${dataset.id} by ${ctx.meta.auth?.userId ?? "system"}`);
        // A rollback or rebuild makes a version each time it runs: never re-run blindly after a timeout.
        const once = op === "rollback" || op === "rebuild" ? NO_RETRY : {};
        return this.callOwner(
          ctx,
          "index.manage",
          { orgId: dataset.orgId, datasetId: dataset.id, modelId: dataset.modelId, op, ...extra },
          once,
        );
      },

      async manageOnOwner(this: IndexService, p: ManageParams) {
        const key = keyOf(p.datasetId, p.modelId);
        const need = (v: number | undefined) => {
          if (v === undefined)
            throw new ClientError("VALIDATION_ERROR", "version is required", [{ field: "version", type: "required" }]);
          return v;
        };
        switch (p.op) {
          case "status": {
            const held = await this.ensureIndex(key);
            const [row] = await this.db
              .select({ pinnedVersion: datasets.pinnedVersion })
              .from(datasets)
              .where(eq(datasets.id, p.datasetId));
            const versions = held ? await this.store.versions.list(key) : [];
            return {
              datasetId: p.datasetId,
              modelId: p.modelId,
              nodeID: this.broker.nodeID,
              index: held ? await this.store.describe(key) : null,
              latestVersion: versions[0]?.version ?? null,
              pinnedVersion: row?.pinnedVersion ? Number(row.pinnedVersion) : null,
              pendingChunks: await pendingChunks(this.db, key),
            };
          }
          case "list": {
            const items = await this.store.versions.list(key);
            return { items: items.map(({ commit: _c, ...v }) => v) };
          }
          case "compare":
            return this.store.versions.compare(key, need(p.version), need(p.to));
          case "pin": {
            const v = need(p.version);
            await this.store.versions.get(key, v);
            const [row] = await this.db
              .select({ pinnedVersion: datasets.pinnedVersion })
              .from(datasets)
              .where(eq(datasets.id, p.datasetId));
            if (row?.pinnedVersion && Number(row.pinnedVersion) !== v)
              await this.store.versions.unpin(key, Number(row.pinnedVersion));
            await this.store.versions.pin(key, v);
            await this.db
              .update(datasets)
              .set({ pinnedVersion: String(v) })
              .where(eq(datasets.id, p.datasetId));
            await this.forgetEverywhere(p.datasetId);
            return { datasetId: p.datasetId, pinnedVersion: v };
          }
          case "unpin": {
            const [row] = await this.db
              .select({ pinnedVersion: datasets.pinnedVersion })
              .from(datasets)
              .where(eq(datasets.id, p.datasetId));
            if (row?.pinnedVersion) await this.store.versions.unpin(key, Number(row.pinnedVersion));
            await this.db.update(datasets).set({ pinnedVersion: null }).where(eq(datasets.id, p.datasetId));
            await this.forgetEverywhere(p.datasetId);
            await this.store.versions.applyRetention(key);
            return { datasetId: p.datasetId, pinnedVersion: null };
          }
          case "rollback": {
            const info = await this.store.rollback(key, need(p.version));
            return { version: info.version, restoredFrom: info.manifest.restoredFrom, manifest: info.manifest };
          }
          case "rebuild": {
            const first = await allVectors(this.db, key, 1).next();
            if (first.done)
              throw new ClientError("NOT_ENOUGH_DATA", "This dataset has no stored vectors to build an index from");
            const info = await this.store.rebuild(key, allVectors(this.db, key), first.value.vector.length);
            return { version: info.version, manifest: info.manifest };
          }
        }
      },

      async runSearch(this: IndexService, ctx: Ctx<SearchParams>) {
        const started = performance.now();
        const p = ctx.params;
        const orgId = orgOf(ctx);
        const ids = p.datasetIds ?? (p.datasetId ? [p.datasetId] : []);
        if (ids.length === 0 || (p.datasetId && p.datasetIds))
          throw new ClientError("VALIDATION_ERROR", "Give either datasetId or datasetIds", [
            { field: "datasetId", type: "required" },
          ]);
        if (p.versions && ids.length > 1)
          throw new ClientError("VALIDATION_ERROR", "versions apply to a search of one dataset", [
            { field: "versions", type: "forbidden" },
          ]);
        const rows = await this.datasetsOf(orgId, ids);
        if (rows.length !== ids.length) throw new ClientError("NOT_FOUND", "Dataset not found");
        const models = new Set(rows.map((r) => r.modelId));
        if (p.mode !== "keyword" && models.size > 1)
          throw new ClientError(
            "VALIDATION_ERROR",
            "Semantic search across datasets needs one embedding model; these datasets use several",
            [{ field: "datasetIds", type: "model" }],
          );

        const filters = p.filters ?? {};
        const depth = Math.min(MAX_DEPTH, Math.max(MIN_DEPTH, p.page * p.pageSize * 2));
        let queryVector: Float32Array | undefined;
        let semantic: SemanticHit[] = [];
        if (p.mode !== "keyword") {
          const modelId = rows[0]!.modelId;
          queryVector = await this.embed(ctx, modelId, [p.query]).then((v) => v[0]);
          const vector = queryVector!;
          const targets = rows.flatMap((r) =>
            (p.versions ?? [r.pinnedVersion ? Number(r.pinnedVersion) : undefined]).map((v) => ({
              datasetId: r.id,
              version: v,
            })),
          );
          const parts = await allEnded(
            targets.map((t) =>
              this.searchOnOwner(ctx, {
                orgId,
                datasetId: t.datasetId,
                modelId,
                vector,
                k: depth,
                ...(hasFilters(filters) ? { filters } : {}),
                ...(t.version === undefined ? {} : { version: t.version }),
              }),
            ),
          );
          semantic = federatedMerge(parts, { k: depth })
            // Nothing close is an answer too: hits below the floor are noise, not results.
            .filter((h) => h.score >= config.SEARCH_SEMANTIC_MIN_SCORE)
            .map((h) => ({
              chunkId: h.chunkId,
              score: h.score,
              datasetId: h.datasetId,
              version: h.version,
              alsoIn: h.alsoIn,
            }));
        }

        // The datasets' keyword indexes (BM25, in memory, rebuilt when their messages changed): keyword
        // ranking, and for every mode the choice of a chunk's message and the highlights.
        const keywords = new Map<string, DatasetKeywords>((await this.keywords.get(ids)).map((k) => [k.datasetId, k]));
        let keyword: KeywordUnitHit[] = [];
        if (p.mode !== "semantic") {
          const hits = keywordHits([...keywords.values()], p.query, filters, depth);
          const chunkOf =
            p.mode === "hybrid"
              ? await this.chunksOfHits(orgId, [...models][0]!, hits, keywords)
              : new Map<number, string>();
          keyword = hits.map((h) => ({ ...h, unit: chunkOf.get(h.messageId) ?? messageUnit(h.messageId) }));
        }

        const fused = fuseResults(p.mode, semantic, keyword, {
          fusion: p.fusion,
          k: p.k,
          weights: {
            semantic: p.weights?.semantic ?? DEFAULT_WEIGHTS.semantic,
            keyword: p.weights?.keyword ?? DEFAULT_WEIGHTS.keyword,
          },
        });
        const chunks = await chunkMessages(
          this.searchDb,
          orgId,
          fused.flatMap((h) => (h.chunkId ? [h.chunkId] : [])),
        );
        const arranged = arrangeHits(fused, { query: p.query, chunks, keywords });
        const page = arranged.slice((p.page - 1) * p.pageSize, p.page * p.pageSize);
        const items = await this.resolveHits(orgId, page, p, keywords);

        const latencyMs = performance.now() - started;
        recordSearch(this.broker, {
          mode: p.versions && p.versions.length > 1 ? "federated" : p.mode,
          seconds: latencyMs / 1000,
        });
        await logSearch(this.db, {
          orgId,
          userId: ctx.meta.auth?.userId ?? null,
          datasetIds: ids,
          mode: p.mode,
          query: p.query,
          filters:
            hasFilters(filters) || p.versions ? { ...filters, ...(p.versions ? { versions: p.versions } : {}) } : null,
          latencyMs,
          resultCount: arranged.length,
        });
        return {
          mode: p.mode,
          fusion: p.mode === "hybrid" ? p.fusion : undefined,
          page: p.page,
          pageSize: p.pageSize,
          total: arranged.length,
          hasMore: arranged.length > p.page * p.pageSize,
          tookMs: Math.round(latencyMs * 10) / 10,
          items,
        };
      },

      /** Page hits (each already resolved to its message) → the message, its neighbours, highlights and scores. */
      async resolveHits(
        this: IndexService,
        orgId: string,
        page: ArrangedHit[],
        p: SearchParams,
        keywords: Map<string, DatasetKeywords>,
      ) {
        const messageIds = page.map((c) => c.messageId);
        const [views, around] = await allEnded([
          messagesById(this.searchDb, orgId, messageIds),
          surroundingMessages(this.searchDb, orgId, messageIds, p.context),
        ]);
        return page.flatMap(({ hit, messageId }) => {
          const message = views.get(messageId);
          if (!message) return [];
          const analyzer = keywords.get(message.datasetId)?.index.analyzer;
          return [
            {
              datasetId: message.datasetId,
              ...(hit.version === undefined ? {} : { version: hit.version }),
              ...(hit.chunkId ? { chunkId: hit.chunkId } : {}),
              ...(hit.alsoIn.length ? { alsoIn: hit.alsoIn } : {}),
              message,
              context: around.get(messageId) ?? { before: [], after: [] },
              // The query's words in the message (stop words never), for every mode: why it matched.
              highlights: analyzer ? matchRanges(message.text, parseKeywordQuery(p.query, analyzer), analyzer) : [],
              scores: hit.scores,
            },
          ];
        });
      },

      /**
       * Runs a published search in one of the org's search slots on this node
       * (SEARCH_MAX_CONCURRENT_PER_ORG): past them the search answers 429 at once, so one org's
       * flood holds at most that many of the database connections and cores every org's searches
       * share, and never queues the others behind it (issue 15 M6).
       */
      async withSearchSlot<T>(this: IndexService, ctx: Context, work: () => Promise<T>): Promise<T> {
        const limit = config.SEARCH_MAX_CONCURRENT_PER_ORG;
        const release = this.searchSlots.take(orgOf(ctx), limit);
        if (!release)
          throw new ClientError(
            "QUOTA_EXCEEDED",
            `Your organisation already has ${limit} searches running; search again when one has answered`,
            { limit },
          );
        try {
          return await work();
        } finally {
          release();
        }
      },

      async embed(this: IndexService, ctx: Context, modelId: string, texts: string[]): Promise<Float32Array[]> {
        const r = await ctx.call<{ data: string; dimension: number }, { modelId: string; texts: string[] }>(
          "embedder.embedQuery",
          { modelId, texts },
        );
        const data = base64ToFloat32(r.data);
        return texts.map((_, i) => data.subarray(i * r.dimension, (i + 1) * r.dimension));
      },
    },

    async started(this: Service) {
      const self = this as IndexService;
      // Searches read through a pool of their own on PostgreSQL, whose statements the server
      // cancels at the search timeout; PGlite shares the process's one instance.
      self.searchDatabase =
        self.database.kind === "postgres"
          ? await openDatabase({
              url: self.database.url,
              migrate: false,
              // A little under the broker's timeout, so the search answers with its own code.
              statementTimeoutMs: Math.round(searchTimeout * 0.9),
              applicationName: "chatlens-search",
            })
          : self.database;
      self.searchDb = self.searchDatabase.db;
      self.datasetCache = new DatasetCache({ ttlMs: DATASET_CACHE_TTL_MS, maxEntries: DATASET_CACHE_MAX });
      self.searchSlots = new OrgSlots();
      self.keywords = new KeywordStore(self.db, {
        params: { k1: config.KEYWORD_BM25_K1, b: config.KEYWORD_BM25_B },
        windowMessages: config.KEYWORD_WINDOW_MESSAGES,
        windowGapMinutes: config.KEYWORD_WINDOW_GAP_MINUTES,
        language: config.KEYWORD_LANGUAGE,
        maxDatasets: config.KEYWORD_MAX_DATASETS,
      });
      self.chunkSpans = new ChunkSpanCache(self.searchDb, config.KEYWORD_MAX_DATASETS);
      self.embeddingUpdates = new UpdateBatcher((batchKey, chunkIds) => {
        const [orgId, datasetId, modelId] = JSON.parse(batchKey) as [string, string, string];
        return self.applyEmbeddingBatch({ orgId, datasetId, modelId, chunkIds });
      });
      // FAISS when its binding loads, usearch otherwise (or as INDEX_ENGINE says); one line says which.
      const engine = chooseEngine(config.INDEX_ENGINE, config.CHATLENS_FAISS);
      this.logger.info(`index: ${engine.message}`);
      setDefaultBackend(engine.backend);
      self.store = await IndexStore.open({
        backend: engine.backend,
        storedVectors: (key) => allVectors(self.db, key),
        onEngineSwitch: (key, from, to) =>
          this.logger.info(
            `index: ${key.datasetId}/${key.modelId} was built by ${from}; rebuilding it with ${to} from the stored vectors`,
          ),
        root: config.indexDir,
        memoryBudgetBytes: config.INDEX_MEMORY_BUDGET_MB * 1024 * 1024,
        exactThreshold: config.INDEX_ANN_THRESHOLD,
        keepVersions: config.INDEX_KEEP_VERSIONS,
        commitIntervalMs: COMMIT_INTERVAL_MS,
        sources: (key) => versionSources(self.db, key.datasetId),
        onCommitError: (key, error) =>
          this.logger.error(`index: commit of ${key.datasetId}/${key.modelId} failed: ${error.message}`),
      });
      self.exported = new Map();
      self.ownership = new IndexOwnership({ settleMs: OWNERSHIP_SETTLE_MS, catchUp: (key) => self.catchUp(key) });
      self.indexNodes = "";
      self.purgeTimer = setInterval(() => {
        purgeSearchLog(self.db, config.SEARCH_LOG_RETENTION_DAYS).catch((err: Error) =>
          this.logger.warn(`index: search-log purge failed: ${err.message}`),
        );
      }, PURGE_INTERVAL_MS).unref();
    },

    async stopped(this: Service) {
      const self = this as IndexService;
      clearInterval(self.purgeTimer);
      // A node without its index service (drained, stopping) owns no index: its series go.
      self.stopping = true;
      dropIndexSeries(this.broker);
      await self.store?.close();
      if (self.searchDatabase !== self.database) await self.searchDatabase?.close();
    },
  };
}

interface IndexService extends DbService {
  /** What searches read through (see started). */
  searchDatabase: Database;
  searchDb: Db;
  store: IndexStore;
  keywords: KeywordStore;
  chunkSpans: ChunkSpanCache;
  datasetCache: DatasetCache;
  embeddingUpdates: UpdateBatcher<string, { added: number; replaced: number }>;
  applyEmbeddingBatch(p: EmbeddingsStored): Promise<{ added: number; replaced: number }>;
  ownership: IndexOwnership;
  /** Indexes whose size this node exports, by index path. */
  exported: Map<string, IndexKey>;
  /** The index nodes last seen (sorted ids), to tell their changes from other services'. */
  indexNodes: string;
  /** Set once the service stops: it owns nothing from then on. */
  stopping?: boolean;
  /** The endpoints each action's Shard ring was last built from (see ownerOf). */
  shardRing?: Map<string, string>;
  catchUp(key: IndexKey): Promise<void>;
  exportSize(key: IndexKey): Promise<void>;
  indexNodesChanged(): void;
  ownsDataset(datasetId: string): boolean;
  purgeTimer?: NodeJS.Timeout;
  ownerOf(action: string, datasetId: string): string | undefined;
  endpointsOf(action: string): string[];
  callOwner<T, P extends { datasetId: string } = { datasetId: string }>(
    ctx: Context,
    action: string,
    params: P,
    opts?: CallingOptions,
  ): Promise<T>;
  searchOnOwner(ctx: Context, p: OwnedSearch): Promise<VectorSearchResult>;
  searchOwned(p: OwnedSearch): Promise<VectorSearchResult>;
  holds(key: IndexKey): Promise<boolean>;
  filterAllowList(key: IndexKey, orgId: string, filters: SearchFilters): Promise<string[]>;
  spansOf(key: IndexKey, keywords: DatasetKeywords): Promise<ChunkSpans>;
  chunksOfHits(
    orgId: string,
    modelId: string,
    hits: KeywordHit[],
    keywords: Map<string, DatasetKeywords>,
  ): Promise<Map<number, string>>;
  datasetsOf(orgId: string, ids: readonly string[]): Promise<CachedDataset[]>;
  forgetEverywhere(datasetId: string): Promise<void>;
  ensureIndex(key: IndexKey): Promise<boolean>;
  manageDataset(
    ctx: Ctx<{ datasetId: string }>,
    op: ManageOp,
    extra?: { version?: number; to?: number },
  ): Promise<unknown>;
  manageOnOwner(p: ManageParams): Promise<unknown>;
  runSearch(ctx: Ctx<SearchParams>): Promise<unknown>;
  /** Published searches running per org on this node (SEARCH_MAX_CONCURRENT_PER_ORG). */
  searchSlots: OrgSlots;
  withSearchSlot<T>(ctx: Context, work: () => Promise<T>): Promise<T>;
  resolveHits(
    orgId: string,
    page: ArrangedHit[],
    p: SearchParams,
    keywords: Map<string, DatasetKeywords>,
  ): Promise<unknown[]>;
  embed(ctx: Context, modelId: string, texts: string[]): Promise<Float32Array[]>;
}

/** A base64 query vector (float32, little-endian, as /v1/embeddings answers with encoding_format "base64"). */
function decodeVectorParam(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0 || bytes.length % 4 !== 0)
    throw new ClientError("VALIDATION_ERROR", "vector must be base64 of little-endian float32 values", [
      { field: "vector", type: "base64" },
    ]);
  return bytesToFloat32(bytes);
}

/** NaN or infinite components would give meaningless neighbours instead of an error. */
function finiteVector(v: Float32Array): Float32Array {
  for (const x of v)
    if (!Number.isFinite(x))
      throw new ClientError("VALIDATION_ERROR", "vector must hold finite numbers", [
        { field: "vector", type: "finite" },
      ]);
  return v;
}
