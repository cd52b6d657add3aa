/**
 * Comparing two clustering runs of a dataset (e.g. before and after new
 * imports, or with another k): which topics persist, which appeared, which
 * disappeared, and how the persisting ones changed in size.
 *
 * Clusters are matched one-to-one by maximum total similarity (Hungarian). The
 * similarity is the Jaccard index of their member chunk ids when the runs share
 * most of their chunks; otherwise (re-chunked or mostly new data) the cosine of
 * their centroids. A matched pair below `minSimilarity` is no match: the old
 * topic counts as lost and the new one as gained.
 */
import { hungarian } from "./hungarian.ts";
import type { ClusteringResult } from "./types.ts";

export type RunSnapshot = Pick<ClusteringResult, "clusters" | "assignments">;

export interface CompareOptions {
  /** Default 0.2 for Jaccard, 0.7 for centroid cosine. */
  minSimilarity?: number;
  /** Relative change of a topic's share of its run above which it is "grown" or "shrunk" (default 0.25). */
  sizeChangeThreshold?: number;
}

export interface MatchedTopic {
  before: number;
  after: number;
  labelBefore: string;
  labelAfter: string;
  similarity: number;
  sizeBefore: number;
  sizeAfter: number;
  /** Share of all chunks of its run, before and after. */
  shareBefore: number;
  shareAfter: number;
  change: "grown" | "shrunk" | "stable";
}

export interface RunComparison {
  method: "jaccard" | "centroid";
  matched: MatchedTopic[];
  /** Topics of the later run with no counterpart before. */
  gained: { after: number; label: string; size: number }[];
  /** Topics of the earlier run with no counterpart after. */
  lost: { before: number; label: string; size: number }[];
}

export function compareRuns(before: RunSnapshot, after: RunSnapshot, options: CompareOptions = {}): RunComparison {
  const method = sharedChunkShare(before, after) >= 0.5 ? "jaccard" : "centroid";
  const similarity = method === "jaccard" ? jaccardMatrix(before, after) : centroidMatrix(before, after);
  const minSimilarity = options.minSimilarity ?? (method === "jaccard" ? 0.2 : 0.7);
  const threshold = options.sizeChangeThreshold ?? 0.25;

  // The Hungarian solver wants rows ≤ columns: transpose when the earlier run has more clusters.
  const nb = before.clusters.length;
  const na = after.clusters.length;
  const pairs: [number, number][] = [];
  if (nb <= na) {
    hungarian(similarity.map((r) => r.map((s) => -s))).forEach((a, b) => pairs.push([b, a]));
  } else {
    const transposed = after.clusters.map((_, a) => before.clusters.map((_, b) => -similarity[b][a]));
    hungarian(transposed).forEach((b, a) => pairs.push([b, a]));
  }

  const totalBefore = before.assignments.chunkIds.length;
  const totalAfter = after.assignments.chunkIds.length;
  const matched: MatchedTopic[] = [];
  const matchedBefore = new Set<number>();
  const matchedAfter = new Set<number>();
  for (const [b, a] of pairs) {
    if (similarity[b][a] < minSimilarity) continue;
    const cb = before.clusters[b];
    const ca = after.clusters[a];
    const shareBefore = cb.size / totalBefore;
    const shareAfter = ca.size / totalAfter;
    const relative = (shareAfter - shareBefore) / shareBefore;
    matched.push({
      before: cb.id,
      after: ca.id,
      labelBefore: cb.label,
      labelAfter: ca.label,
      similarity: Math.round(similarity[b][a] * 1e4) / 1e4,
      sizeBefore: cb.size,
      sizeAfter: ca.size,
      shareBefore,
      shareAfter,
      change: relative > threshold ? "grown" : relative < -threshold ? "shrunk" : "stable",
    });
    matchedBefore.add(b);
    matchedAfter.add(a);
  }
  matched.sort((x, y) => x.before - y.before);
  return {
    method,
    matched,
    gained: after.clusters
      .filter((_, a) => !matchedAfter.has(a))
      .map((c) => ({ after: c.id, label: c.label, size: c.size })),
    lost: before.clusters
      .filter((_, b) => !matchedBefore.has(b))
      .map((c) => ({ before: c.id, label: c.label, size: c.size })),
  };
}

/** Fraction of the smaller run's chunks that the other run also has. */
function sharedChunkShare(before: RunSnapshot, after: RunSnapshot): number {
  const [small, large] =
    before.assignments.chunkIds.length <= after.assignments.chunkIds.length ? [before, after] : [after, before];
  if (small.assignments.chunkIds.length === 0) return 0;
  const ids = new Set(large.assignments.chunkIds);
  let shared = 0;
  for (const id of small.assignments.chunkIds) if (ids.has(id)) shared++;
  return shared / small.assignments.chunkIds.length;
}

function jaccardMatrix(before: RunSnapshot, after: RunSnapshot): number[][] {
  const clusterAfter = new Map<string, number>();
  after.assignments.chunkIds.forEach((id, i) => clusterAfter.set(id, after.assignments.clusters[i]));
  const intersections = before.clusters.map(() => new Array<number>(after.clusters.length).fill(0));
  before.assignments.chunkIds.forEach((id, i) => {
    const a = clusterAfter.get(id);
    if (a !== undefined) intersections[before.assignments.clusters[i]][a]++;
  });
  return intersections.map((row, b) =>
    row.map((shared, a) => shared / (before.clusters[b].size + after.clusters[a].size - shared || 1)),
  );
}

function centroidMatrix(before: RunSnapshot, after: RunSnapshot): number[][] {
  return before.clusters.map((cb) =>
    after.clusters.map((ca) => {
      let dot = 0;
      for (let d = 0; d < cb.centroid.length; d++) dot += cb.centroid[d] * ca.centroid[d];
      return dot;
    }),
  );
}
