// Rank fusion for hybrid search (keyword + vector) and federated search (several datasets or
// versions). Pure functions: lists in, one ranked list out.

export interface RankedHit {
  chunkId: string;
  /** The source's own score (cosine, BM25, …); only weighted fusion reads it. */
  score: number;
  /** This hit's own weight in reciprocal rank fusion (default 1): a keyword hit's query coverage, say. */
  weight?: number;
  messageId?: string;
}

export interface FusedHit<H extends RankedHit = RankedHit> {
  chunkId: string;
  score: number;
  /** The best-ranked original hit for this chunk. */
  hit: H;
  /** Names of the lists the chunk appeared in. */
  sources: string[];
}

export interface NamedList<H extends RankedHit = RankedHit> {
  name: string;
  hits: H[];
  /** Weighted fusion only; default 1. */
  weight?: number;
}

/**
 * Reciprocal rank fusion: score = Σ 1 / (k + rank), rank from 1. Scores of different sources
 * are never compared, which is why it suits keyword + vector. k = 60 as in Cormack et al. (2009).
 */
export function reciprocalRankFusion<H extends RankedHit>(lists: NamedList<H>[], k = 60): FusedHit<H>[] {
  return fuse(lists, (list) => rrfContributions(list, k));
}

/** Each hit's share of the reciprocal rank fusion score, in list order. */
export function rrfContributions(list: NamedList, k = 60): number[] {
  return list.hits.map((hit, rank) => ((list.weight ?? 1) * (hit.weight ?? 1)) / (k + rank + 1));
}

/**
 * Weighted score fusion: each list's scores min-max normalised to [0, 1] (a list whose scores
 * are all equal counts 1 each), multiplied by the list's weight and the hit's own weight, summed per chunk.
 */
export function weightedScoreFusion<H extends RankedHit>(lists: NamedList<H>[]): FusedHit<H>[] {
  return fuse(lists, weightedContributions);
}

/** Each hit's share of the weighted score fusion score, in list order. */
export function weightedContributions(list: NamedList): number[] {
  const scores = list.hits.map((h) => h.score);
  const min = Math.min(...scores);
  const range = Math.max(...scores) - min;
  return scores.map((s, i) => (list.weight ?? 1) * (list.hits[i]!.weight ?? 1) * (range > 0 ? (s - min) / range : 1));
}

function fuse<H extends RankedHit>(
  lists: NamedList<H>[],
  contributions: (list: NamedList<H>) => number[],
): FusedHit<H>[] {
  const byChunk = new Map<string, FusedHit<H> & { bestRank: number }>();
  for (const list of lists) {
    const scores = contributions(list);
    const seen = new Set<string>();
    list.hits.forEach((hit, rank) => {
      // A chunk listed twice in one list counts once, at its best rank.
      if (seen.has(hit.chunkId)) return;
      seen.add(hit.chunkId);
      const fused = byChunk.get(hit.chunkId);
      if (!fused) {
        byChunk.set(hit.chunkId, {
          chunkId: hit.chunkId,
          score: scores[rank]!,
          hit,
          sources: [list.name],
          bestRank: rank,
        });
        return;
      }
      fused.score += scores[rank]!;
      fused.sources.push(list.name);
      if (rank < fused.bestRank) {
        fused.hit = hit;
        fused.bestRank = rank;
      }
    });
  }
  return [...byChunk.values()]
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || (a.chunkId < b.chunkId ? -1 : 1))
    .map(({ bestRank: _, ...rest }) => rest);
}

export interface FederatedSource {
  datasetId: string;
  /** Index version the hits came from; undefined for the live index. */
  version?: number;
  hits: RankedHit[];
}

export interface FederatedHit extends RankedHit {
  datasetId: string;
  version?: number;
  /** Other (dataset, version) pairs that returned the same chunk or message. */
  alsoIn: Array<{ datasetId: string; version?: number }>;
}

/**
 * Merges hit lists from several datasets or versions of one model by score (cosine scores of one
 * model are comparable), keeping one hit per chunk id, or per message id with `dedupeBy:
 * "messageId"` (hits without one fall back to their chunk id). The kept hit is the best-scoring
 * one and records where it came from; the duplicates' origins go to `alsoIn`.
 */
export function federatedMerge(
  sources: FederatedSource[],
  options: { k?: number; dedupeBy?: "chunkId" | "messageId" } = {},
): FederatedHit[] {
  const keyOf = (hit: RankedHit) => (options.dedupeBy === "messageId" ? (hit.messageId ?? hit.chunkId) : hit.chunkId);
  const all = sources.flatMap((source) =>
    source.hits.map((hit): FederatedHit => ({
      ...hit,
      datasetId: source.datasetId,
      version: source.version,
      alsoIn: [],
    })),
  );
  all.sort((a, b) => b.score - a.score);
  const kept = new Map<string, FederatedHit>();
  for (const hit of all) {
    const existing = kept.get(keyOf(hit));
    if (!existing) kept.set(keyOf(hit), hit);
    else if (existing.datasetId !== hit.datasetId || existing.version !== hit.version) {
      existing.alsoIn.push({ datasetId: hit.datasetId, version: hit.version });
    }
  }
  const merged = [...kept.values()];
  return options.k === undefined ? merged : merged.slice(0, options.k);
}
