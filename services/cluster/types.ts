/** Input and output shapes of the cluster pipeline: plain data, JSON-serialisable output. */
import type { KSelection } from "./auto-k.ts";
import type { TopicHierarchy } from "./hierarchy.ts";
import type { ScoredTerm } from "./ctfidf.ts";
import type { TopicsOverTime } from "./over-time.ts";
import type { MapResult } from "./projection.ts";
import type { Language } from "../../lib/text/stopwords.ts";

export interface ChunkInput {
  id: string;
  /** Embedding, L2-normalised (all chunks of one run share the dimension and model). */
  vector: Float32Array;
  text: string;
  /** Author of each message in the chunk; repeats count (participants are message counts). */
  authors?: string[];
  /** Milliseconds since the epoch (the chunk's first message). */
  timestamp?: number;
}

export interface ClusterSummary {
  /** 0..k-1, largest cluster first. */
  id: number;
  size: number;
  /** A few top terms joined, e.g. "sourdough bread, flour, oven". */
  label: string;
  /** Most distinctive terms (c-TF-IDF), best first. */
  terms: ScoredTerm[];
  /** Chunks closest to the centroid (cosine similarity in the original space), closest first. */
  representatives: { chunkId: string; similarity: number }[];
  /** Messages per author in this cluster, most active first (at most `topParticipants`). */
  participants: { author: string; count: number }[];
  distinctParticipants: number;
  /** Mean of the members' vectors, L2-normalised, in the input dimension: lets runs be compared. */
  centroid: number[];
}

export interface ClusteringResult {
  k: number;
  /** Present when k was chosen automatically. */
  kSelection?: KSelection;
  /** Dimensions k-means ran in (input dimension when not reduced). */
  reducedDims: number;
  languages: Language[];
  clusters: ClusterSummary[];
  /** Parallel arrays: cluster of every input chunk, in input order. */
  assignments: { chunkIds: string[]; clusters: number[] };
  /** Parents over the topics (about √k of them) and the full merge order. */
  hierarchy?: TopicHierarchy;
  /** Present when chunks carry timestamps. */
  overTime?: TopicsOverTime;
  /** Present when a map was requested. */
  map?: MapResult;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}
