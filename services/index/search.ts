// Combining the two retrievers. Vector search ranks chunks (a few consecutive messages), keyword
// search ranks messages; both are brought to one unit before fusion: a keyword hit counts for the
// chunk that holds its message, or for the message alone (`m:<id>`) when it is in no chunk yet.
import { rrfContributions, weightedContributions, type NamedList } from "./fusion.ts";

export const SEARCH_MODES = ["semantic", "keyword", "hybrid"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export const FUSIONS = ["rrf", "weighted"] as const;
export type Fusion = (typeof FUSIONS)[number];

/**
 * Hybrid's defaults, the best measured on both labelled sets (bench/RESULTS.md, "Hybrid fusion at
 * the level of messages"): min-max normalised scores, the keyword list weighted 4 to the semantic
 * list's 1 — nDCG@10 0.755 on the Ubuntu set (keyword 0.746, semantic 0.254) and 0.876 on the chat
 * set (keyword 0.861, semantic 0.537). RRF measured 0.619/0.903 with equal weights, 0.669/0.903
 * with keyword 4: USE-lite's weak semantic list on technical text pulls RRF down.
 */
export const DEFAULT_FUSION: Fusion = "weighted";
export const DEFAULT_WEIGHTS = { semantic: 1, keyword: 4 } as const;

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
 * A keyword hit's own weight in hybrid fusion, from its query coverage (the share of the query's
 * idf weight it holds). A hit holding less of the query than that says little: on a paraphrase,
 * the one common word it shares with a message would only push the semantic list's hits down
 * (measured: test/integration/index/quality.test.ts, bench/search-quality.ts). Reciprocal rank
 * fusion: 0 under half, else 2·coverage² (a hit with every query word counts twice a semantic hit
 * of the same rank). Weighted fusion: 0 under 30 %, else 1 (the scores already say how well it
 * matched; a cut at half dropped the natural-language questions of the Ubuntu set to 0.72).
 */
export const keywordWeight = (coverage: number | undefined, fusion: Fusion = "rrf"): number => {
  if (coverage === undefined) return 1;
  if (fusion === "weighted") return coverage < 0.3 ? 0 : 1;
  return coverage < 0.5 ? 0 : 2 * coverage * coverage;
};

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
  return fuseHybrid([...bySemantic.values()], keyword, options);
}

/**
 * Hybrid fusion at the level of messages. Every keyword-matching message is a hit of its own (as
 * in keyword mode: a chunk often holds several, and showing only one of them lost half the
 * relevant messages of the labelled chat set); a semantic chunk hit adds its share to each
 * keyword-matching message it holds, or stands as a hit itself when it holds none. Shares are
 * reciprocal ranks (default) or min-max normalised scores, times the list's weight; a keyword
 * hit's share also by its query coverage (keywordWeight).
 */
function fuseHybrid(semantic: SemanticHit[], keyword: KeywordUnitHit[], options: FusionOptions): FusedResult[] {
  const messages = new Map<number, KeywordUnitHit>();
  for (const h of keyword) if (!messages.has(h.messageId)) messages.set(h.messageId, h);
  const keywordList = [...messages.values()];
  const share = (list: NamedList) =>
    options.fusion === "rrf" ? rrfContributions(list, options.k) : weightedContributions(list);
  const keywordShares = share({
    name: "keyword",
    weight: options.weights.keyword,
    hits: keywordList.map((h) => ({
      chunkId: h.unit,
      score: h.rank,
      weight: keywordWeight(h.coverage, options.fusion),
    })),
  });
  const semanticShares = share({
    name: "semantic",
    weight: options.weights.semantic,
    hits: semantic.map((h) => ({ chunkId: h.chunkId, score: h.score })),
  });

  interface Entry {
    unit: string;
    fused: number;
    bestRank: number;
    keyword?: KeywordUnitHit;
    semantic?: SemanticHit;
  }
  const entries = new Map<string, Entry>();
  const matchedIn = new Map<string, Entry[]>();
  keywordList.forEach((h, rank) => {
    const entry: Entry = { unit: messageUnit(h.messageId), fused: keywordShares[rank]!, bestRank: rank, keyword: h };
    entries.set(entry.unit, entry);
    if (!h.unit.startsWith("m:")) matchedIn.set(h.unit, [...(matchedIn.get(h.unit) ?? []), entry]);
  });
  semantic.forEach((h, rank) => {
    const matched = matchedIn.get(h.chunkId);
    if (!matched) {
      entries.set(h.chunkId, { unit: h.chunkId, fused: semanticShares[rank]!, bestRank: rank, semantic: h });
      return;
    }
    for (const entry of matched) {
      entry.fused += semanticShares[rank]!;
      entry.semantic ??= h;
      entry.bestRank = Math.min(entry.bestRank, rank);
    }
  });
  return [...entries.values()]
    .sort((a, b) => b.fused - a.fused || a.bestRank - b.bestRank || (a.unit < b.unit ? -1 : 1))
    .map(({ unit, fused, keyword: kw, semantic: s }) => ({
      unit,
      chunkId: kw ? (kw.unit.startsWith("m:") ? undefined : kw.unit) : s!.chunkId,
      datasetId: (s?.datasetId ?? kw?.datasetId)!,
      version: s?.version,
      alsoIn: s?.alsoIn ?? [],
      keywordMessageId: kw?.messageId,
      scores: { ...(s ? { semantic: s.score } : {}), ...(kw ? { keyword: kw.rank } : {}), fused },
    }));
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
