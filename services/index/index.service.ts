import type { Context, ServiceSchema } from "moleculer";
import type { z } from "zod";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction, zodToValidatorRules } from "../../core/define-action.ts";
import { dropIndexSeries, recordSearch, setIndexSize } from "../../core/metrics.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import { openDatabase, type Database } from "../../models/db.ts";
import { ChunkSpanCache } from "./chunk-spans.ts";
import * as C from "./contracts.ts";
import { DatasetCache } from "./dataset-cache.ts";
import type { IndexDeps, IndexNode } from "./deps.ts";
import { chooseEngine, setDefaultBackend } from "./engines.ts";
import { IndexStore } from "./index-store.ts";
import { IndexUpkeep } from "./index-upkeep.ts";
import { KeywordStore } from "./keyword/keyword-store.ts";
import { callOwner, OwnerRouter } from "./owner-routing.ts";
import { IndexOwnership } from "./ownership.ts";
import { search, withSearchSlot } from "./search-run.ts";
import { allVectors, purgeSearchLog, versionSources } from "./search-sql.ts";
import { manage, manageDataset } from "./version-management.ts";
import { searchByVector, vectorSearch } from "./vector-search.ts";

const PURGE_INTERVAL_MS = 6 * 3600_000;
/** After the index nodes change, catch-ups this soon may have missed a batch sent to the old owner (see ownership.ts). */
const OWNERSHIP_SETTLE_MS = 15_000;
/** How long a node trusts a dataset's ownership row without asking the database (see dataset-cache.ts). */
const DATASET_CACHE_TTL_MS = 5_000;
const DATASET_CACHE_MAX = 10_000;

type EventCtx<S extends z.ZodType> = Context<z.output<S>>;

/**
 * Vector indexes per dataset and model, their git versions, and search (keyword, semantic,
 * hybrid, federated over versions and datasets): the wiring. Contracts (params, guards, answers,
 * the Shard routing of the owner's actions) are in contracts.ts; searches in search-run.ts and
 * vector-search.ts, the owner's upkeep of its indexes in index-upkeep.ts, versions in
 * version-management.ts, which node owns a dataset's index in owner-routing.ts, HTTP paths in
 * routes.ts. The index store and the search slots are on the service instance as well, for tests.
 */
export default function createIndexService(app: AppContext): ServiceSchema {
  const { config } = app;
  let database: Database;
  /** What searches read through (see started). */
  let searchDatabase: Database | undefined;
  let router: OwnerRouter;
  let deps: IndexDeps;
  let upkeep: IndexUpkeep | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;

  return {
    name: "index",
    mixins: [tenantMixin()],

    actions: {
      // ── search ──────────────────────────────────────────────────────────
      search: defineAction(C.search(config), (ctx) => search(deps, ctx, ctx.params)),
      searchByVector: defineAction(C.searchByVector(config), (ctx) =>
        withSearchSlot(deps, ctx, () => searchByVector(deps, ctx, ctx.params)),
      ),
      vectorSearch: defineAction(C.vectorSearch(config), (ctx) => vectorSearch(deps, ctx.params)),

      // ── index upkeep (owner node, internal) ─────────────────────────────
      applyEmbeddings: defineAction(C.applyEmbeddings, (ctx) => upkeep!.applyEmbeddings(ctx.params)),
      removeChunks: defineAction(C.removeChunks, (ctx) => upkeep!.removeChunks(ctx.params)),
      dropDataset: defineAction(C.dropDataset, (ctx) => upkeep!.dropDataset(ctx.params.datasetId)),
      forgetDataset: defineAction(C.forgetDataset, (ctx) => {
        deps.datasetCache.forget(ctx.params.datasetId);
        return { forgotten: true };
      }),
      manage: defineAction(C.manage, (ctx) => manage(deps, ctx.params)),

      // ── HTTP: index status and versions ─────────────────────────────────
      status: defineAction(C.status, (ctx) => manageDataset(deps, ctx, ctx.params.datasetId, "status")),
      listVersions: defineAction(C.listVersions, (ctx) => manageDataset(deps, ctx, ctx.params.datasetId, "list")),
      compareVersions: defineAction(C.compareVersions, (ctx) =>
        manageDataset(deps, ctx, ctx.params.datasetId, "compare", { version: ctx.params.from, to: ctx.params.to }),
      ),
      pinVersion: defineAction(C.pinVersion, (ctx) =>
        manageDataset(deps, ctx, ctx.params.datasetId, "pin", { version: ctx.params.version }),
      ),
      unpinVersion: defineAction(C.unpinVersion, (ctx) => manageDataset(deps, ctx, ctx.params.datasetId, "unpin")),
      rollback: defineAction(C.rollback, (ctx) =>
        manageDataset(deps, ctx, ctx.params.datasetId, "rollback", { version: ctx.params.version }),
      ),
      rebuild: defineAction(C.rebuild, (ctx) => manageDataset(deps, ctx, ctx.params.datasetId, "rebuild")),

      purgeSearchLog: defineAction(C.purgeSearchLog, async () => ({
        deleted: await purgeSearchLog(deps.db, config.SEARCH_LOG_RETENTION_DAYS),
      })),
    },

    events: {
      /** Index nodes joined, drained or died: indexes may have moved (ownership.ts). */
      "$services.changed"() {
        // Announced before this service finished starting: it starts with nothing caught up anyway.
        upkeep?.nodesChanged();
      },

      /** Balanced to one index node, which hands the batch to the dataset's owner. */
      "embeddings.stored": {
        params: zodToValidatorRules(C.embeddingsStored),
        async handler(ctx: EventCtx<typeof C.embeddingsStored>) {
          // No retries: a timed-out call's batch still completes on the owner, a retry only queues it again.
          await callOwner(router, ctx, "index.applyEmbeddings", ctx.params, C.NO_RETRY);
        },
      },

      /** New messages: the keyword index is rebuilt now, not by the first search (seconds at 1M messages). */
      "import.completed": {
        params: zodToValidatorRules(C.importCompleted),
        handler(ctx: EventCtx<typeof C.importCompleted>) {
          if (ctx.params.messagesAdded !== 0) void deps.keywords.warm(ctx.params.datasetId);
        },
      },

      /**
       * An import's chunks are all written: if their vectors were stored before (the last batch
       * arrived while chunking still went on), the owner commits the version it held back.
       */
      "import.chunked": {
        params: zodToValidatorRules(C.importChunked),
        async handler(ctx: EventCtx<typeof C.importChunked>) {
          await callOwner(router, ctx, "index.applyEmbeddings", { ...ctx.params, chunkIds: [] }, C.NO_RETRY);
        },
      },

      /** Re-chunking replaced these chunks (their vectors went with them). */
      "chunks.deleted": {
        params: zodToValidatorRules(C.chunksDeleted),
        async handler(ctx: EventCtx<typeof C.chunksDeleted>) {
          const { datasetId, chunkIds } = ctx.params;
          await callOwner(router, ctx, "index.removeChunks", { datasetId, chunkIds }, C.NO_RETRY);
        },
      },

      /**
       * Messages or a conversation deleted: their chunks and vectors went by cascade, so the owner
       * removes whatever its index holds that the database no longer stores.
       */
      "messages.deleted": {
        params: zodToValidatorRules(C.datasetEvent),
        async handler(ctx: EventCtx<typeof C.datasetEvent>) {
          await callOwner(router, ctx, "index.removeChunks", { datasetId: ctx.params.datasetId }, C.NO_RETRY);
        },
      },
      "conversation.deleted": {
        params: zodToValidatorRules(C.datasetEvent),
        async handler(ctx: EventCtx<typeof C.datasetEvent>) {
          await callOwner(router, ctx, "index.removeChunks", { datasetId: ctx.params.datasetId }, C.NO_RETRY);
        },
      },

      /** The dataset's keyword language changed (broadcast to every index node): its keyword index is built again. */
      "dataset.keywordLanguageChanged": {
        params: zodToValidatorRules(C.datasetEvent),
        handler(ctx: EventCtx<typeof C.datasetEvent>) {
          deps.keywords.forget(ctx.params.datasetId);
          deps.chunkSpans.forget(ctx.params.datasetId);
        },
      },

      /** Every index node drops its copy: an owner change may have left older files elsewhere. */
      "dataset.deleted": {
        params: zodToValidatorRules(C.datasetEvent),
        async handler(ctx: EventCtx<typeof C.datasetEvent>) {
          const list = router.endpointsOf("index.dropDataset");
          await Promise.all(
            list.map((nodeID) => ctx.call("index.dropDataset", { datasetId: ctx.params.datasetId }, { nodeID })),
          );
        },
      },
    },

    created() {
      router = new OwnerRouter(this.broker);
    },

    async started() {
      const { broker, logger } = this;
      database = await app.database();
      const db = database.db;
      // Searches read through a pool of their own on PostgreSQL, whose statements the server
      // cancels at the search timeout; PGlite shares the process's one instance.
      searchDatabase =
        database.kind === "postgres"
          ? await openDatabase({
              url: database.url,
              migrate: false,
              // A little under the broker's timeout, so the search answers with its own code.
              statementTimeoutMs: Math.round(C.searchTimeoutMs(config) * 0.9),
              applicationName: "chatlens-search",
            })
          : database;
      const searchDb = searchDatabase.db;
      // FAISS when its binding loads, usearch otherwise (or as INDEX_ENGINE says); one line says which.
      const engine = chooseEngine(config.INDEX_ENGINE, config.CHATLENS_FAISS);
      logger.info(`index: ${engine.message}`);
      setDefaultBackend(engine.backend);
      const store = await IndexStore.open({
        backend: engine.backend,
        storedVectors: (key) => allVectors(db, key),
        onEngineSwitch: (key, from, to) =>
          logger.info(
            `index: ${key.datasetId}/${key.modelId} was built by ${from}; rebuilding it with ${to} from the stored vectors`,
          ),
        root: config.indexDir,
        memoryBudgetBytes: config.INDEX_MEMORY_BUDGET_MB * 1024 * 1024,
        exactThreshold: config.INDEX_ANN_THRESHOLD,
        keepVersions: config.INDEX_KEEP_VERSIONS,
        // A version is committed once the dataset settles, or at the latest this long after the first uncommitted change.
        commitIntervalMs: config.INDEX_COMMIT_INTERVAL_S * 1000,
        sources: (key) => versionSources(db, key.datasetId),
        onCommitError: (key, error) =>
          logger.error(`index: commit of ${key.datasetId}/${key.modelId} failed: ${error.message}`),
      });
      const node: IndexNode = {
        nodeID: broker.nodeID,
        call: (action, params, options) => broker.call(action, params, options),
        ownerOf: (action, datasetId) => router.ownerOf(action, datasetId),
        endpointsOf: (action) => router.endpointsOf(action),
        ownsDataset: (datasetId) => router.ownsDataset(datasetId),
        recordSearch: (s) => recordSearch(broker, s),
        setIndexSize: (index) => setIndexSize(broker, index),
        dropIndexSeries: (key) => dropIndexSeries(broker, key),
      };
      const searchSlots = new OrgSlots();
      deps = {
        db,
        searchDb,
        config,
        logger,
        store,
        keywords: new KeywordStore(db, {
          params: { k1: config.KEYWORD_BM25_K1, b: config.KEYWORD_BM25_B },
          windowMessages: config.KEYWORD_WINDOW_MESSAGES,
          windowGapMinutes: config.KEYWORD_WINDOW_GAP_MINUTES,
          language: config.KEYWORD_LANGUAGE,
          maxDatasets: config.KEYWORD_MAX_DATASETS,
        }),
        chunkSpans: new ChunkSpanCache(searchDb, config.KEYWORD_MAX_DATASETS),
        datasetCache: new DatasetCache({ ttlMs: DATASET_CACHE_TTL_MS, maxEntries: DATASET_CACHE_MAX }),
        searchSlots,
        ownership: new IndexOwnership({ settleMs: OWNERSHIP_SETTLE_MS, catchUp: (key) => upkeep!.catchUp(key) }),
        node,
      };
      upkeep = new IndexUpkeep(deps);
      // For tests: the index store and the search slots (quotas.test.ts, versions.test.ts).
      Object.assign(this, { store, searchSlots });
      purgeTimer = setInterval(() => {
        purgeSearchLog(db, config.SEARCH_LOG_RETENTION_DAYS).catch((err: Error) =>
          logger.warn(`index: search-log purge failed: ${err.message}`),
        );
      }, PURGE_INTERVAL_MS).unref();
    },

    async stopped() {
      clearInterval(purgeTimer);
      // A node without its index service (drained, stopping) owns no index: its series go.
      router.stop();
      dropIndexSeries(this.broker);
      await deps?.store.close();
      if (searchDatabase && searchDatabase !== database) await searchDatabase.close();
    },
  };
}
