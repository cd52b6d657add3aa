import { performance } from "node:perf_hooks";
import { ClientError } from "../../core/errors.ts";
import { orgOf } from "../../core/permissions.ts";
import { allEnded } from "../../lib/all-ended.ts";
import { base64ToFloat32 } from "../../lib/vector-codec.ts";
import { chunksOfMessagesInMemory } from "./chunk-spans.ts";
import { MAX_DEPTH } from "./contracts.ts";
import { datasetsOf } from "./dataset-rows.ts";
import type { Caller, IndexDeps } from "./deps.ts";
import { federatedMerge } from "./fusion.ts";
import type { DatasetKeywords } from "./keyword/keyword-store.ts";
import { keywordHits, matchRanges, parseKeywordQuery, type KeywordHit } from "./search-keyword.ts";
import { arrangeHits, type ArrangedHit } from "./search-results.ts";
import {
  chunkMessages,
  chunksOfMessages,
  hasFilters,
  logSearch,
  messagesById,
  surroundingMessages,
  type SearchFilters,
} from "./search-sql.ts";
import { cancelledAsTimeout } from "./search-timeout.ts";
import {
  DEFAULT_WEIGHTS,
  fuseResults,
  messageUnit,
  type Fusion,
  type KeywordUnitHit,
  type SearchMode,
  type SemanticHit,
} from "./search.ts";
import { keyOf, searchOnOwner, spansOf } from "./vector-search.ts";

/**
 * A published search, orchestrated on the node that received it: the datasets checked, the
 * query embedded, the semantic parts run on each dataset's owner (in parallel, every one ended
 * before an answer), keyword hits from the in-memory keyword indexes, fusion, the page's hits
 * resolved to messages with context and highlights, the query logged.
 */

/** Candidates fetched from each retriever, at least; fusion needs depth past the page shown. */
const MIN_DEPTH = 50;

export interface SearchParams {
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

/**
 * Runs a published search in one of the org's search slots on this node
 * (SEARCH_MAX_CONCURRENT_PER_ORG): past them the search answers 429 at once, so one org's
 * flood holds at most that many of the database connections and cores every org's searches
 * share, and never queues the others behind it (issue 15 M6).
 */
export async function withSearchSlot<T>(
  deps: Pick<IndexDeps, "config" | "searchSlots">,
  caller: Pick<Caller, "meta">,
  work: () => Promise<T>,
): Promise<T> {
  const limit = deps.config.SEARCH_MAX_CONCURRENT_PER_ORG;
  const release = deps.searchSlots.take(orgOf(caller), limit);
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
}

/** `index.search`: in a search slot; a search PostgreSQL stopped at the timeout answers 504 (search-timeout.ts). */
export function search(deps: IndexDeps, caller: Caller, p: SearchParams) {
  return cancelledAsTimeout(
    withSearchSlot(deps, caller, () => runSearch(deps, caller, p)),
    deps.config.SEARCH_TIMEOUT_S,
  );
}

export async function runSearch(deps: IndexDeps, caller: Caller, p: SearchParams) {
  const { config } = deps;
  const started = performance.now();
  const orgId = orgOf(caller);
  const ids = p.datasetIds ?? (p.datasetId ? [p.datasetId] : []);
  if (ids.length === 0 || (p.datasetId && p.datasetIds))
    throw new ClientError("VALIDATION_ERROR", "Give either datasetId or datasetIds", [
      { field: "datasetId", type: "required" },
    ]);
  if (p.versions && ids.length > 1)
    throw new ClientError("VALIDATION_ERROR", "versions apply to a search of one dataset", [
      { field: "versions", type: "forbidden" },
    ]);
  const rows = await datasetsOf(deps, orgId, ids);
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
    queryVector = await embed(caller, modelId, [p.query]).then((v) => v[0]);
    const vector = queryVector!;
    const targets = rows.flatMap((r) =>
      (p.versions ?? [r.pinnedVersion ? Number(r.pinnedVersion) : undefined]).map((v) => ({
        datasetId: r.id,
        version: v,
      })),
    );
    const parts = await allEnded(
      targets.map((t) =>
        searchOnOwner(deps, caller, {
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
  const keywords = new Map<string, DatasetKeywords>((await deps.keywords.get(ids)).map((k) => [k.datasetId, k]));
  let keyword: KeywordUnitHit[] = [];
  if (p.mode !== "semantic") {
    const hits = keywordHits([...keywords.values()], p.query, filters, depth);
    const chunkOf =
      p.mode === "hybrid"
        ? await chunksOfHits(deps, orgId, [...models][0]!, hits, keywords)
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
    deps.searchDb,
    orgId,
    fused.flatMap((h) => (h.chunkId ? [h.chunkId] : [])),
  );
  const arranged = arrangeHits(fused, { query: p.query, chunks, keywords });
  const page = arranged.slice((p.page - 1) * p.pageSize, p.page * p.pageSize);
  const items = await resolveHits(deps, orgId, page, p, keywords);

  const latencyMs = performance.now() - started;
  deps.node.recordSearch({
    mode: p.versions && p.versions.length > 1 ? "federated" : p.mode,
    seconds: latencyMs / 1000,
  });
  await logSearch(deps.db, {
    orgId,
    userId: caller.meta.auth?.userId ?? null,
    datasetIds: ids,
    mode: p.mode,
    query: p.query,
    filters: hasFilters(filters) || p.versions ? { ...filters, ...(p.versions ? { versions: p.versions } : {}) } : null,
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
}

/** Page hits (each already resolved to its message) → the message, its neighbours, highlights and scores. */
async function resolveHits(
  deps: Pick<IndexDeps, "searchDb">,
  orgId: string,
  page: ArrangedHit[],
  p: Pick<SearchParams, "query" | "context">,
  keywords: Map<string, DatasetKeywords>,
) {
  const messageIds = page.map((c) => c.messageId);
  const [views, around] = await allEnded([
    messagesById(deps.searchDb, orgId, messageIds),
    surroundingMessages(deps.searchDb, orgId, messageIds, p.context),
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
}

/** The chunk of each keyword hit's message: from the spans in memory, the rest from the database. */
async function chunksOfHits(
  deps: IndexDeps,
  orgId: string,
  modelId: string,
  hits: KeywordHit[],
  keywords: Map<string, DatasetKeywords>,
): Promise<Map<number, string>> {
  const chunkOf = new Map<number, string>();
  const missing: number[] = [];
  for (const datasetId of new Set(hits.map((h) => h.datasetId))) {
    const k = keywords.get(datasetId);
    const ids = hits.filter((h) => h.datasetId === datasetId).map((h) => h.messageId);
    if (!k) {
      missing.push(...ids);
      continue;
    }
    const inMemory = chunksOfMessagesInMemory(k, await spansOf(deps, keyOf(datasetId, modelId), k), ids);
    for (const [id, chunk] of inMemory.found) chunkOf.set(id, chunk);
    missing.push(...inMemory.missing);
  }
  for (const [id, chunk] of await chunksOfMessages(deps.searchDb, orgId, missing)) chunkOf.set(id, chunk);
  return chunkOf;
}

/** The query texts' vectors from the embedder (its query lane), with the caller's meta and timeout. */
async function embed(caller: Pick<Caller, "call">, modelId: string, texts: string[]): Promise<Float32Array[]> {
  const r = await caller.call<{ data: string; dimension: number }>("embedder.embedQuery", { modelId, texts });
  const data = base64ToFloat32(r.data);
  return texts.map((_, i) => data.subarray(i * r.dimension, (i + 1) * r.dimension));
}
