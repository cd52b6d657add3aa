/**
 * Response bodies of the index endpoints (search, index status and versions), as JSON Schema
 * for the OpenAPI document. Written from search-run.ts (runSearch, resolveHits), vector-search.ts
 * (searchByVector), version-management.ts (manageOnOwner), search-sql.ts (MessageView), versions.ts
 * and vector-index.ts (describe).
 */
import {
  arrayOf,
  bool,
  dateTime,
  int,
  nullable,
  num,
  obj,
  oneOfValues,
  record,
  ref,
  str,
  uuid,
  type JsonSchema,
} from "../../core/json-schema.ts";
import { FUSIONS, SEARCH_MODES } from "./search.ts";

const place = obj({ datasetId: uuid, version: int }, ["version"]);
const searchMessage = ref("SearchMessage");

export const INDEX_SCHEMAS: Record<string, JsonSchema> = {
  SearchMode: oneOfValues(SEARCH_MODES),
  SearchMessage: obj({
    id: int,
    datasetId: uuid,
    conversationId: uuid,
    conversationName: str,
    platform: str,
    participantId: nullable(uuid),
    author: nullable(str),
    ts: dateTime,
    kind: str,
    text: str,
  }),
  SearchHit: obj(
    {
      datasetId: uuid,
      /** The index version the hit came from; absent for the live index. */
      version: int,
      chunkId: str,
      /** Other datasets or versions that returned the same chunk. */
      alsoIn: arrayOf(place),
      message: searchMessage,
      context: obj({ before: arrayOf(searchMessage), after: arrayOf(searchMessage) }),
      /** Character ranges of the matched words in message.text. */
      highlights: arrayOf(obj({ start: int, end: int })),
      scores: obj({ semantic: num, keyword: num, fused: num }, ["semantic", "keyword"]),
    },
    ["version", "chunkId", "alsoIn"],
  ),
  SearchResponse: obj(
    {
      mode: ref("SearchMode"),
      /** Present for hybrid searches. */
      fusion: oneOfValues(FUSIONS),
      page: int,
      pageSize: int,
      total: int,
      hasMore: bool,
      tookMs: num,
      items: arrayOf(ref("SearchHit")),
    },
    ["fusion"],
  ),
  VectorSearchResponse: obj(
    {
      datasetId: uuid,
      /** The model whose vectors the index holds: query vectors must come from it. */
      modelId: str,
      /** The index version searched, when one was asked for or the dataset is pinned. */
      version: int,
      /** Nearest chunks first; the score is the cosine similarity. */
      hits: arrayOf(obj({ chunkId: str, score: num })),
    },
    ["version"],
  ),
  IndexStatus: obj({
    datasetId: uuid,
    modelId: str,
    /** The node holding the dataset's index. */
    nodeID: str,
    /** The live index, or null before the first vectors arrive. */
    index: nullable(obj({ dim: int, backend: str, engine: str, params: record(num), count: int, exactThreshold: int })),
    latestVersion: nullable(int),
    pinnedVersion: nullable(int),
    pendingChunks: int,
  }),
  VersionManifest: obj(
    {
      datasetId: uuid,
      modelId: str,
      dimension: int,
      chunkingVersion: str,
      vectorCount: int,
      engine: obj({ backend: str, kind: str, params: record(num) }, ["backend"]),
      importIds: arrayOf(uuid),
      /** sha256 of each index file, by file name. */
      checksums: record(str),
      /** Set when the version was made by rolling back to an earlier one. */
      restoredFrom: int,
    },
    ["restoredFrom"],
  ),
  IndexVersion: obj({
    version: int,
    createdAt: dateTime,
    message: str,
    pinned: bool,
    manifest: ref("VersionManifest"),
  }),
  /** Chunk ids added and removed from one version to another. */
  VersionDiff: obj({ from: int, to: int, fromCount: int, toCount: int, added: arrayOf(str), removed: arrayOf(str) }),
  PinnedVersion: obj({ datasetId: uuid, pinnedVersion: nullable(int) }),
  NewIndexVersion: obj({ version: int, restoredFrom: int, manifest: ref("VersionManifest") }, ["restoredFrom"]),
};
