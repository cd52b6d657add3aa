/**
 * A topic hierarchy over a run's clusters (BERTopic's hierarchical_topics, on
 * centroids): agglomerative clustering of the k topic centroids with size-weighted
 * average linkage on cosine distance. The full merge order is kept (a dendrogram the UI
 * can cut anywhere) and one cut is stored as the parents level: about √k parent topics,
 * each labelled from its children's terms. Small topics thereby sit under the larger
 * topic they are closest to, so a user can read "travel" before its six small children.
 *
 * k is at most a few hundred, so the O(k³) naive algorithm costs microseconds.
 */
import { labelFromTerms, type ScoredTerm } from "./ctfidf.ts";

export interface TopicMerge {
  /** Node ids: 0..k-1 are topics, k+i is the node made by merge i. */
  left: number;
  right: number;
  /** Cosine distance between the two merged groups' centroids. */
  distance: number;
  size: number;
}

export interface ParentTopic {
  id: number;
  label: string;
  size: number;
  children: number[];
}

export interface TopicHierarchy {
  merges: TopicMerge[];
  parents: ParentTopic[];
  /** Parent id of each topic. */
  parentOf: number[];
}

export function topicHierarchy(
  centroids: readonly ArrayLike<number>[],
  sizes: readonly number[],
  terms: readonly (readonly ScoredTerm[])[],
  parentCount = Math.max(1, Math.round(Math.sqrt(centroids.length))),
): TopicHierarchy {
  const k = centroids.length;
  const dim = k ? centroids[0]!.length : 0;
  // Working groups: size-weighted sums of unit centroids, renormalised when compared.
  const groups = centroids.map((c, i) => ({
    node: i,
    size: sizes[i]!,
    sum: Float64Array.from(c, (v) => v * sizes[i]!),
    members: [i],
  }));
  const cosine = (a: Float64Array, b: Float64Array) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < dim; d++) {
      dot += a[d]! * b[d]!;
      na += a[d]! * a[d]!;
      nb += b[d]! * b[d]!;
    }
    return na && nb ? dot / Math.sqrt(na * nb) : 0;
  };
  const merges: TopicMerge[] = [];
  let cut: number[][] | undefined = groups.length <= parentCount ? groups.map((g) => [...g.members]) : undefined;
  while (groups.length > 1) {
    let best = [0, 1];
    let bestDistance = Infinity;
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++) {
        const distance = 1 - cosine(groups[i]!.sum, groups[j]!.sum);
        if (distance < bestDistance) [best, bestDistance] = [[i, j], distance];
      }
    const [i, j] = best as [number, number];
    const a = groups[i]!;
    const b = groups[j]!;
    const merged = {
      node: k + merges.length,
      size: a.size + b.size,
      sum: a.sum.map((v, d) => v + b.sum[d]!),
      members: [...a.members, ...b.members],
    };
    merges.push({ left: a.node, right: b.node, distance: Math.round(bestDistance * 1e6) / 1e6, size: merged.size });
    groups.splice(j, 1);
    groups.splice(i, 1, merged);
    if (!cut && groups.length <= parentCount) cut = groups.map((g) => [...g.members]);
  }
  cut ??= [Array.from({ length: k }, (_, i) => i)];

  const parentOf = new Array<number>(k).fill(0);
  const parents = cut
    .map((children) => children.sort((x, y) => x - y))
    .sort((x, y) => x[0]! - y[0]!)
    .map((children, id) => {
      for (const c of children) parentOf[c] = id;
      const size = children.reduce((n, c) => n + sizes[c]!, 0);
      // A parent's terms: its children's term scores weighted by child size.
      const scores = new Map<string, number>();
      for (const c of children)
        for (const t of terms[c] ?? []) scores.set(t.term, (scores.get(t.term) ?? 0) + (t.score * sizes[c]!) / size);
      const ranked = [...scores]
        .map(([term, score]) => ({ term, score }))
        .sort((x, y) => y.score - x.score || (x.term < y.term ? -1 : 1));
      return { id, label: labelFromTerms(ranked, 3), size, children };
    });
  return { merges, parents, parentOf };
}
