/**
 * Response bodies of the cluster endpoints, as JSON Schema for the OpenAPI document. Written
 * from runs.ts (the run row, listRuns, getRun, StoredResult without map and assignments,
 * StoredMap) and compare.ts (RunComparison).
 */
import { IMPORT_STATUSES } from "../../models/schema.ts";
import {
  arrayOf,
  bool,
  dateTime,
  day,
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

/** Columns every view of a run shares. */
const runFields = {
  id: uuid,
  datasetId: uuid,
  /** The embeddings version the run saw (a hash of the dataset's vectors). */
  indexVersion: nullable(str),
  modelId: str,
  status: ref("RunStatus"),
  /** 0..1 */
  progress: num,
  stage: nullable(str),
  params: ref("ClusterRunParams"),
  error: nullable(obj({ code: str, message: str })),
  createdBy: nullable(uuid),
  createdAt: dateTime,
  finishedAt: nullable(dateTime),
};

const label = { label: str, size: int };

export const CLUSTER_SCHEMAS: Record<string, JsonSchema> = {
  RunStatus: oneOfValues(IMPORT_STATUSES),
  ClusterRunParams: obj(
    {
      k: int,
      kMin: int,
      kMax: int,
      map: bool,
      mapMethod: oneOfValues(["umap", "tsne"]),
      granularity: oneOfValues(["auto", "week", "month"]),
      seed: int,
    },
    ["k", "kMin", "kMax"],
  ),
  /** The run as queued by POST (no result yet). */
  ClusterRunRow: obj({ ...runFields, orgId: uuid, result: { type: "null" } }),
  /** A run in a list: k and totalChunks are read out of the result when it is done. */
  ClusterRunSummary: obj({ ...runFields, k: nullable(int), totalChunks: nullable(int) }),
  ClusterRun: obj({ ...runFields, result: nullable(ref("ClusterResult")) }),
  RepresentativeMessage: obj({ id: int, author: nullable(str), text: str, ts: dateTime }),
  Cluster: obj({
    /** 0..k-1, largest cluster first. */
    id: int,
    size: int,
    label: str,
    terms: arrayOf(obj({ term: str, score: num })),
    representatives: arrayOf(obj({ chunkId: str, similarity: num, messages: arrayOf(ref("RepresentativeMessage")) })),
    participants: arrayOf(obj({ author: str, count: int })),
    distinctParticipants: int,
    centroid: arrayOf(num),
  }),
  ClusterResult: obj(
    {
      k: int,
      /** Present when k was chosen automatically. */
      kSelection: obj({
        /** "silhouette" in runs made before the reference was added. */
        criterion: oneOfValues(["silhouette", "silhouette-over-reference"]),
        k: int,
        sampleSize: int,
        scores: arrayOf(obj({ k: int, silhouette: num, reference: num, score: num }, ["reference", "score"])),
      }),
      reducedDims: int,
      languages: arrayOf(str),
      totalChunks: int,
      clusters: arrayOf(ref("Cluster")),
      /** Parent topics (about √k) over the clusters and the full merge order (absent in runs made before it existed). */
      hierarchy: obj({
        merges: arrayOf(obj({ left: int, right: int, distance: num, size: int })),
        parents: arrayOf(obj({ id: int, label: str, size: int, children: arrayOf(int) })),
        parentOf: arrayOf(int),
      }),
      /** Present when the chunks carry timestamps. */
      overTime: obj({
        granularity: oneOfValues(["week", "month"]),
        periods: arrayOf(obj({ start: day, total: int, counts: arrayOf(int), shares: arrayOf(num) })),
      }),
      /** Milliseconds per stage. */
      timings: record(num),
    },
    ["kSelection", "overTime", "hierarchy"],
  ),
  /** The 2-D map as parallel arrays; x and y lie in [-1, 1], cluster -1 for none. */
  TopicMap: obj({
    method: oneOfValues(["umap", "tsne"]),
    totalPoints: int,
    sampled: bool,
    ids: arrayOf(str),
    x: arrayOf(num),
    y: arrayOf(num),
    cluster: arrayOf(int),
    preview: arrayOf(str),
  }),
  ChunkLocation: obj({ chunkId: str, conversationId: uuid, messageIds: arrayOf(int), start: dateTime, end: dateTime }),
  TopicExport: obj({
    runId: uuid,
    k: int,
    topics: arrayOf(obj({ id: int, label: str, size: int, parent: nullable(int), terms: arrayOf(str) })),
    parents: arrayOf(obj({ id: int, label: str, size: int, children: arrayOf(int) })),
    assignments: arrayOf(
      obj({
        chunkId: str,
        conversationId: nullable(uuid),
        conversation: nullable(str),
        start: nullable(dateTime),
        topic: int,
        topicLabel: str,
        parent: nullable(int),
        parentLabel: nullable(str),
      }),
    ),
  }),
  RunComparison: obj({
    before: obj({ runId: uuid, indexVersion: nullable(str), k: int }),
    after: obj({ runId: uuid, indexVersion: nullable(str), k: int }),
    method: oneOfValues(["jaccard", "centroid"]),
    matched: arrayOf(
      obj({
        before: int,
        after: int,
        labelBefore: str,
        labelAfter: str,
        similarity: num,
        sizeBefore: int,
        sizeAfter: int,
        shareBefore: num,
        shareAfter: num,
        change: oneOfValues(["grown", "shrunk", "stable"]),
      }),
    ),
    gained: arrayOf(obj({ after: int, ...label })),
    lost: arrayOf(obj({ before: int, ...label })),
  }),
};
