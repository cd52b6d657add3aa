// Combining the two retrievers. Vector search ranks chunks (a few consecutive messages), keyword
// search ranks messages; both are brought to one unit before fusion: a keyword hit counts for the
// chunk that holds its message, or for the message alone (`m:<id>`) when it is in no chunk yet.
import { reciprocalRankFusion, weightedScoreFusion, type NamedList, type RankedHit } from "./fusion.ts";

export const SEARCH_MODES = ["semantic", "keyword", "hybrid"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export const FUSIONS = ["rrf", "weighted"] as const;
export type Fusion = (typeof FUSIONS)[number];

export interface SemanticHit {
  chunkId: string;
  score: number;
  datasetId: string;
  version?: number;
  alsoIn: Array<{ datasetId: string; version?: number }>;
}

export interface KeywordUnitHit {
  /** Chunk id, or `m:<messageId>` for a message in no chunk. */
  unit: string;
  messageId: number;
  datasetId: string;
  rank: number;
  /** Share of the query's weight the hit holds, 0..1 (hybrid weighs the hit by it). */
  coverage?: number;
}

export interface FusedResult {
  unit: string;
  chunkId?: string;
  datasetId: string;
  version?: number;
  alsoIn: Array<{ datasetId: string; version?: number }>;
  /** The best keyword-matching message of the unit, when keyword search found one. */
  keywordMessageId?: number;
  scores: { semantic?: number; keyword?: number; fused: number };
}

export interface FusionOptions {
  fusion: Fusion;
  /** RRF constant. */
  k: number;
  weights: { semantic: number; keyword: number };
}

export const messageUnit = (messageId: number) => `m:${messageId}`;

/**
 * A keyword hit's weight in reciprocal rank fusion from its query coverage: a hit holding every
 * query word counts twice a semantic hit of the same rank (the words are the strongest evidence
 * there is); one holding less than half of the query's weight (idf) not at all — on a paraphrase,
 * the one common word it shares with a message would only push the semantic list's hits down
 * (measured: test/integration/index/quality.test.ts, bench/search-quality.ts).
 */
export const keywordWeight = (coverage: number | undefined): number =>
  coverage === undefined ? 1 : coverage < 0.5 ? 0 : 2 * coverage * coverage;

/**
 * One ranked list from the semantic hits (best first), the keyword hits (best first) or both.
 * A single mode keeps its own order and score as `fused`; hybrid fuses by reciprocal rank
 * (default) or by min-max normalised, weighted scores.
 */
export function fuseResults(
  mode: SearchMode,
  semantic: SemanticHit[],
  keyword: KeywordUnitHit[],
  options: FusionOptions,
): FusedResult[] {
  const bySemantic = new Map<string, SemanticHit>();
  for (const h of semantic) if (!bySemantic.has(h.chunkId)) bySemantic.set(h.chunkId, h);
  const byKeyword = new Map<string, KeywordUnitHit>();
  for (const h of keyword) if (!byKeyword.has(h.unit)) byKeyword.set(h.unit, h);

  const result = (unit: string, fused: number): FusedResult => {
    const s = bySemantic.get(unit);
    const kw = byKeyword.get(unit);
    return {
      unit,
      chunkId: unit.startsWith("m:") ? undefined : unit,
      datasetId: (s?.datasetId ?? kw?.datasetId)!,
      version: s?.version,
      alsoIn: s?.alsoIn ?? [],
      keywordMessageId: kw?.messageId,
      scores: { ...(s ? { semantic: s.score } : {}), ...(kw ? { keyword: kw.rank } : {}), fused },
    };
  };

  if (mode === "semantic") return [...bySemantic.values()].map((h) => result(h.chunkId, h.score));
  if (mode === "keyword") return [...byKeyword.values()].map((h) => result(h.unit, h.rank));

  const lists: NamedList<RankedHit>[] = [
    {
      name: "semantic",
      weight: options.weights.semantic,
      hits: [...bySemantic.values()].map((h) => ({ chunkId: h.chunkId, score: h.score })),
    },
    // A keyword hit counts by how much of the query it holds: a paraphrase sharing one common word
    // with a message must not outvote the semantic list (measured on the labelled sets, bench/RESULTS.md).
    {
      name: "keyword",
      weight: options.weights.keyword,
      hits: [...byKeyword.values()].map((h) => ({ chunkId: h.unit, score: h.rank, weight: keywordWeight(h.coverage) })),
    },
  ].filter((l) => l.hits.length > 0);
  const fused = options.fusion === "rrf" ? reciprocalRankFusion(lists, options.k) : weightedScoreFusion(lists);
  return fused.map((f) => result(f.chunkId, f.score));
}

/**
 * The message of a chunk that best matches the query: the highest keyword rank, else the highest
 * similarity to the query vector, else the first message.
 */
export function bestMessage(
  messageIds: number[],
  keywordRank: (id: number) => number,
  similarity: (id: number) => number | undefined,
): number {
  let best = messageIds[0]!;
  let bestRank = 0;
  for (const id of messageIds) {
    const rank = keywordRank(id);
    if (rank > bestRank) [best, bestRank] = [id, rank];
  }
  if (bestRank > 0) return best;
  let bestSim = -Infinity;
  for (const id of messageIds) {
    const sim = similarity(id);
    if (sim !== undefined && sim > bestSim) [best, bestSim] = [id, sim];
  }
  return best;
}

/** Cosine similarity of two vectors (neither assumed normalised). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
