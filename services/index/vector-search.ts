import { performance } from "node:perf_hooks";
import { ClientError } from "../../core/errors.ts";
import { orgOf } from "../../core/permissions.ts";
import { base64ToFloat32, bytesToFloat32, float32ToBase64 } from "../../lib/vector-codec.ts";
import { allowedChunks, type ChunkSpans } from "./chunk-spans.ts";
import { datasetsOf } from "./dataset-rows.ts";
import type { Caller, IndexDeps } from "./deps.ts";
import type { IndexKey } from "./index-key.ts";
import type { DatasetKeywords } from "./keyword/keyword-store.ts";
import { allowedChunkIds, hasFilters, type SearchFilters } from "./search-sql.ts";
import { cancelledAsTimeout } from "./search-timeout.ts";
import { VersionNotFoundError } from "./versions.ts";
import { DimensionMismatchError } from "./vector-index.ts";

/**
 * Vector searches of one (dataset, version): routed to the node that owns the dataset's index
 * (`searchOnOwner`) and run there (`searchOwned`), filters turned into an allow-list of chunks.
 */

export const keyOf = (datasetId: string, modelId: string): IndexKey => ({ datasetId, modelId });

/** A vector search as the owner runs it, with the vector decoded. */
export interface OwnedSearch {
  orgId: string;
  datasetId: string;
  modelId: string;
  vector: Float32Array;
  k: number;
  filters?: SearchFilters;
  version?: number;
  /** Set by a caller on this node that has just checked that orgId owns the dataset. */
  ownershipChecked?: boolean;
}

/** What a node hands back from its part of a search: hits of one (dataset, version). */
export interface VectorSearchResult {
  datasetId: string;
  version?: number;
  hits: Array<{ chunkId: string; score: number }>;
}

/** Whether this node holds the index, in memory or on disk (memory first: every search asks, and a file check is a thread-pool round trip). */
export async function holds(deps: Pick<IndexDeps, "store">, key: IndexKey): Promise<boolean> {
  return deps.store.manager.isLoaded(key) || (await deps.store.exists(key));
}

/** Makes sure the owner's index holds every stored vector (built from them when it has none); false when nothing is stored. */
export async function ensureIndex(deps: Pick<IndexDeps, "store" | "ownership">, key: IndexKey): Promise<boolean> {
  await deps.ownership.ensureCurrent(key);
  return holds(deps, key);
}

/**
 * The dataset's chunk spans, read again when its messages changed (the keyword stamp) or, on
 * the node holding the index, when its vector count did (chunks embedded or removed).
 */
export async function spansOf(
  deps: Pick<IndexDeps, "store" | "chunkSpans">,
  key: IndexKey,
  keywords: DatasetKeywords,
): Promise<ChunkSpans> {
  const vectors = (await holds(deps, key)) ? (await deps.store.describe(key)).count : -1;
  return deps.chunkSpans.get(key.datasetId, `${vectors}:${keywords.stamp}`);
}

/**
 * The chunks of the dataset holding a message that passes the filters (chunk-spans.ts): from
 * the keyword index's message columns and the chunks' spans, in memory; only chunks newer
 * than the keyword index are asked of the database.
 */
export async function filterAllowList(
  deps: IndexDeps,
  key: IndexKey,
  orgId: string,
  filters: SearchFilters,
): Promise<string[]> {
  const [keywords] = await deps.keywords.get([key.datasetId]);
  const accept = keywords!.filter(filters);
  const spans = await spansOf(deps, key, keywords!);
  const { allowed, unknown } = allowedChunks(keywords!, spans, accept ?? (() => true));
  if (unknown.length > 0)
    allowed.push(...(await allowedChunkIds(deps.searchDb, { orgId, datasetId: key.datasetId }, filters, unknown)));
  return allowed;
}

/** One (dataset, version) vector search on this node, which owns the dataset's index. */
export async function searchOwned(deps: IndexDeps, p: OwnedSearch): Promise<VectorSearchResult> {
  const key = keyOf(p.datasetId, p.modelId);
  // Callers check ownership already; a call from another node is checked again here, so the
  // index answers only for the dataset's own org whoever calls it.
  if (!p.ownershipChecked && (await datasetsOf(deps, p.orgId, [p.datasetId])).length === 0)
    return { datasetId: p.datasetId, version: p.version, hits: [] };
  if (p.version === undefined && !(await ensureIndex(deps, key))) return { datasetId: p.datasetId, hits: [] };
  const allow = p.filters && hasFilters(p.filters) ? await filterAllowList(deps, key, p.orgId, p.filters) : undefined;
  if (allow?.length === 0) return { datasetId: p.datasetId, version: p.version, hits: [] };
  try {
    const hits = await deps.store.search(key, p.vector, p.k, { allow, version: p.version });
    return { datasetId: p.datasetId, version: p.version, hits };
  } catch (err) {
    if (err instanceof VersionNotFoundError) throw new ClientError("NOT_FOUND", `Index version ${p.version} not found`);
    if (err instanceof DimensionMismatchError)
      throw new ClientError(
        "VALIDATION_ERROR",
        `The query vector has ${err.actual} dimensions; this dataset's index has ${err.expected}`,
        [{ field: "vector", type: "dimension" }],
      );
    throw err;
  }
}

/**
 * A vector search on the dataset's owner. When that is this node, the search runs here
 * directly: the calling action already went through the broker's middlewares (timeout,
 * bulkhead, breaker, metrics), and a second local hop plus a base64 round trip of the vector
 * cost more than a small index's search (bench/RESULTS-index.md).
 */
export function searchOnOwner(deps: IndexDeps, caller: Caller, p: OwnedSearch): Promise<VectorSearchResult> {
  const nodeID = deps.node.ownerOf("index.vectorSearch", p.datasetId);
  if (nodeID === deps.node.nodeID) return searchOwned(deps, { ...p, ownershipChecked: true });
  // The owner checks ownership itself: the flag never travels.
  const { ownershipChecked: _checked, vector, ...rest } = p;
  return caller.call<VectorSearchResult>(
    "index.vectorSearch",
    { ...rest, vector: float32ToBase64(vector) },
    nodeID ? { nodeID } : {},
  );
}

/** `index.vectorSearch`: the part of a search another node sent to this one, the owner (vector in base64). */
export function vectorSearch(
  deps: IndexDeps,
  p: Omit<OwnedSearch, "vector" | "ownershipChecked"> & { vector: string },
): Promise<VectorSearchResult> {
  return cancelledAsTimeout(
    searchOwned(deps, { ...p, vector: base64ToFloat32(p.vector), ownershipChecked: false }),
    deps.config.SEARCH_TIMEOUT_S,
  );
}

/** The nearest chunks of a dataset of the caller's org to a vector it gives (an array or base64 float32). */
export async function searchByVector(
  deps: IndexDeps,
  caller: Caller,
  p: { datasetId: string; vector: number[] | string; k: number; filters?: SearchFilters; version?: number },
) {
  const started = performance.now();
  const orgId = orgOf(caller);
  const [dataset] = await datasetsOf(deps, orgId, [p.datasetId]);
  if (!dataset) throw new ClientError("NOT_FOUND", "Dataset not found");
  const vector = finiteVector(typeof p.vector === "string" ? decodeVectorParam(p.vector) : Float32Array.from(p.vector));
  const version = p.version ?? (dataset.pinnedVersion ? Number(dataset.pinnedVersion) : undefined);
  const result = await searchOnOwner(deps, caller, {
    orgId,
    datasetId: dataset.id,
    modelId: dataset.modelId,
    vector,
    k: p.k,
    ...(p.filters && hasFilters(p.filters) ? { filters: p.filters } : {}),
    ...(version === undefined ? {} : { version }),
  });
  deps.node.recordSearch({ mode: "vector", seconds: (performance.now() - started) / 1000 });
  return {
    datasetId: dataset.id,
    modelId: dataset.modelId,
    ...(result.version === undefined ? {} : { version: result.version }),
    hits: result.hits,
  };
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
