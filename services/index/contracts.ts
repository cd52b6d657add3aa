import { z } from "zod";
import type { Config } from "../../config/index.ts";
import { contract } from "../../core/define-action.ts";
import { itemsOf, ref } from "../../core/json-schema.ts";
import { DEFAULT_FUSION, FUSIONS, SEARCH_MODES } from "./search.ts";

/**
 * Every index action's contract, declared once: params (validated by the broker, typed in the
 * handler, documented in OpenAPI), who may call it, its answer, its limits and its routing; and
 * the params of the events it listens to. Handlers are in index.service.ts, the logic in
 * search-run.ts, vector-search.ts, index-upkeep.ts and version-management.ts, paths in routes.ts.
 */

type SearchConfig = Pick<Config, "SEARCH_TIMEOUT_S">;

const DB_TIMEOUT = 30_000;
/** Rebuilds of large indexes read every stored vector. */
const REBUILD_TIMEOUT = 600_000;
/** Calling options of long or non-idempotent calls: the broker's retry policy must not repeat them. */
export const NO_RETRY = { retries: 0 } as const;
/**
 * Each dataset's index lives on one index node: the actions that touch it are sharded on
 * `datasetId` (callers route to the owner explicitly, see owner-routing.ts).
 */
const SHARD = { strategy: "Shard", strategyOptions: { shardKey: "datasetId" } };
/** Candidates fetched from each retriever, at most (search-run.ts) and the most a vector search may ask. */
export const MAX_DEPTH = 1000;
/** The widest query vector accepted (the largest common embedding models are 4,096-dimensional). */
const MAX_DIMENSION = 8192;

/** The broker's timeout of a search (and, on PostgreSQL, about its reads' statement_timeout). */
export const searchTimeoutMs = (config: SearchConfig) => config.SEARCH_TIMEOUT_S * 1000;

const uuid = z.uuid();
const modelId = z.string().min(1).max(200);
const version = z.coerce.number().int().min(1);
const chunkIds = z.array(z.string().min(1).max(200)).max(100_000);
const datasetOnly = z.object({ datasetId: uuid }).strict();
const label = z.string().min(1).max(50);

const filters = z
  .object({
    conversationIds: z.array(z.uuid()).max(500).optional(),
    participantIds: z.array(z.uuid()).max(500).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    platforms: z.array(label).max(20).optional(),
    kinds: z.array(label).max(20).optional(),
  })
  .strict()
  .optional();

// ── search ──────────────────────────────────────────────────────────────
/**
 * Keyword, semantic or hybrid search over one or several datasets of the caller's org (or over
 * several versions of one dataset), filtered, paginated, each hit resolved to its best message
 * with neighbours, highlights and per-mode scores. Every query is logged.
 */
export const search = (config: SearchConfig) =>
  contract({
    visibility: "published",
    openapi: { summary: "Search messages (semantic, keyword or hybrid)", response: ref("SearchResponse") },
    permissions: ["search.run"],
    timeout: searchTimeoutMs(config),
    // A search that timed out is answered with the timeout, never run again behind the user's back.
    retryPolicy: { retries: 0 },
    params: z
      .object({
        datasetId: uuid.optional(),
        datasetIds: z.array(z.uuid()).min(1).max(20).meta({ uniqueItems: true }).optional(),
        query: z.string().trim().min(1).max(1000),
        mode: z.enum(SEARCH_MODES).default("hybrid"),
        fusion: z.enum(FUSIONS).default(DEFAULT_FUSION),
        k: z.coerce.number().int().min(1).max(1000).default(60),
        weights: z
          .object({
            semantic: z.number().min(0).max(100).optional(),
            keyword: z.number().min(0).max(100).optional(),
          })
          .strict()
          .optional(),
        filters,
        page: z.coerce.number().int().min(1).max(100).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(10),
        context: z.coerce.number().int().min(0).max(10).default(2),
        versions: z.array(version).min(1).max(5).meta({ uniqueItems: true }).optional(),
      })
      .strict(),
  });

/**
 * The chunks nearest to a vector the caller computed (with /v1/embeddings and the dataset's
 * model, say): ids and scores only, no message resolution, for retrieval pipelines that do
 * their own. Counted in the search metrics; not in the query log, which records text queries.
 */
export const searchByVector = (config: SearchConfig) =>
  contract({
    visibility: "published",
    openapi: {
      summary: "Nearest chunks to a query vector (ids and cosine scores)",
      response: ref("VectorSearchResponse"),
    },
    permissions: ["search.run"],
    timeout: searchTimeoutMs(config),
    params: z
      .object({
        datasetId: uuid,
        vector: z.union([
          z.array(z.number()).min(1).max(MAX_DIMENSION),
          z
            .string()
            .min(4)
            .max(Math.ceil((MAX_DIMENSION * 4) / 3) + 4)
            .regex(/^[A-Za-z0-9+/]*={0,2}$/),
        ]),
        k: z.coerce.number().int().min(1).max(MAX_DEPTH).default(10),
        filters,
        version: version.optional(),
      })
      .strict(),
  });

/** One (dataset, version) vector search on the node that owns the dataset's index. */
export const vectorSearch = (config: SearchConfig) =>
  contract({
    visibility: "public",
    ...SHARD,
    timeout: searchTimeoutMs(config),
    params: z
      .object({
        orgId: uuid,
        datasetId: uuid,
        modelId,
        /** Float32 little-endian, base64: what travels between nodes. */
        vector: z.string().min(1),
        k: z.number().int().min(1).max(MAX_DEPTH),
        filters,
        version: version.optional(),
      })
      .strict(),
  });

// ── index upkeep (owner node, internal) ─────────────────────────────────
/** Loads newly stored vectors into the owner's index; commits a version per the policy in index-store.ts. */
export const applyEmbeddings = contract({
  visibility: "public",
  ...SHARD,
  timeout: DB_TIMEOUT,
  params: z.object({ orgId: uuid, datasetId: uuid, modelId, chunkIds }).strict(),
});

/** Removes chunks from the owner's index: the given ids, or (without ids) every id no longer stored. */
export const removeChunks = contract({
  visibility: "public",
  ...SHARD,
  timeout: DB_TIMEOUT,
  params: z.object({ datasetId: uuid, chunkIds: chunkIds.optional() }).strict(),
});

/** Forgets a deleted dataset's indexes and versions on this node (every index node is asked). */
export const dropDataset = contract({ visibility: "public", timeout: DB_TIMEOUT, params: datasetOnly });

/** Forgets this node's cached row of a dataset whose pinned version changed (every index node is asked). */
export const forgetDataset = contract({ visibility: "public", params: datasetOnly });

export const MANAGE_OPS = ["status", "list", "compare", "pin", "unpin", "rollback", "rebuild"] as const;
export type ManageOp = (typeof MANAGE_OPS)[number];

/** Version management on the owner node: status, list, compare, pin, unpin, rollback, rebuild. */
export const manage = contract({
  visibility: "public",
  ...SHARD,
  timeout: REBUILD_TIMEOUT,
  params: z
    .object({
      orgId: uuid,
      datasetId: uuid,
      modelId,
      op: z.enum(MANAGE_OPS),
      version: version.optional(),
      to: version.optional(),
    })
    .strict(),
});

// ── HTTP: index status and versions ─────────────────────────────────────
const reader = { visibility: "published" as const, permissions: ["datasets.read" as const], timeout: DB_TIMEOUT };
const manager = { visibility: "published" as const, permissions: ["index.manage" as const], timeout: DB_TIMEOUT };

export const status = contract({
  ...reader,
  openapi: { summary: "Index status of a dataset", response: ref("IndexStatus") },
  params: datasetOnly,
});

export const listVersions = contract({
  ...reader,
  openapi: { summary: "Index versions of a dataset, newest first", response: itemsOf(ref("IndexVersion")) },
  params: datasetOnly,
});

export const compareVersions = contract({
  ...reader,
  openapi: { summary: "Chunks added and removed between two index versions", response: ref("VersionDiff") },
  params: z.object({ datasetId: uuid, from: version, to: version }).strict(),
});

/** Searches of the dataset use this version until unpinned; retention keeps it. */
export const pinVersion = contract({
  ...manager,
  openapi: { summary: "Pin the index version searches use", response: ref("PinnedVersion") },
  params: z.object({ datasetId: uuid, version }).strict(),
});

export const unpinVersion = contract({
  ...manager,
  openapi: { summary: "Unpin: searches use the live index again", response: ref("PinnedVersion") },
  params: datasetOnly,
});

/** Makes an old version's content the live index again, recorded as a new version. */
export const rollback = contract({
  ...manager,
  openapi: {
    summary: "Roll the live index back to an old version (as a new version)",
    response: ref("NewIndexVersion"),
  },
  timeout: REBUILD_TIMEOUT,
  retryPolicy: NO_RETRY,
  params: z.object({ datasetId: uuid, version }).strict(),
});

/** Rebuilds the live index from the vectors stored in the database, as a new version. */
export const rebuild = contract({
  ...manager,
  openapi: {
    summary: "Rebuild the live index from stored vectors (as a new version)",
    response: ref("NewIndexVersion"),
  },
  timeout: REBUILD_TIMEOUT,
  // Each run makes a version: a caller that timed out is answered, not re-run (the gateway's call included).
  retryPolicy: NO_RETRY,
  params: datasetOnly,
});

/** Deletes search-log rows past SEARCH_LOG_RETENTION_DAYS (also run on a timer). */
export const purgeSearchLog = contract({ visibility: "public", timeout: DB_TIMEOUT, params: z.object({}).strict() });

// ── events ──────────────────────────────────────────────────────────────
/** `embeddings.stored`: vectors of these chunks were written (balanced to one index node). */
export const embeddingsStored = z.object({
  orgId: z.uuid(),
  datasetId: z.uuid(),
  modelId: z.string(),
  chunkIds: z.array(z.string()),
});
export type EmbeddingsStored = z.output<typeof embeddingsStored>;

export const importCompleted = z.object({
  orgId: z.uuid(),
  datasetId: z.uuid(),
  messagesAdded: z.number().optional(),
});

export const importChunked = z.object({ orgId: z.uuid(), datasetId: z.uuid(), modelId: z.string() });

export const chunksDeleted = z.object({ orgId: z.uuid(), datasetId: z.uuid(), chunkIds: z.array(z.string()) });

/** `messages.deleted`, `conversation.deleted`, `dataset.keywordLanguageChanged`, `dataset.deleted`. */
export const datasetEvent = z.object({ orgId: z.uuid(), datasetId: z.uuid() });
