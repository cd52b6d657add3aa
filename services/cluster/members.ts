/**
 * What each cluster contains in the original embedding space: its normalised
 * mean vector, the chunks closest to it, and who wrote its messages.
 */
import { type DenseMatrix, normalizeInPlace, row } from "./matrix.ts";

export interface ClusterMembers {
  size: number;
  centroid: Float32Array;
  representatives: { index: number; similarity: number }[];
  participants: { author: string; count: number }[];
  distinctParticipants: number;
}

export function describeMembers(
  vectors: DenseMatrix,
  labels: ArrayLike<number>,
  k: number,
  authors: readonly (readonly string[] | undefined)[],
  options: { representatives?: number; topParticipants?: number } = {},
): ClusterMembers[] {
  const dim = vectors.cols;
  const sizes = new Int32Array(k);
  const sums = new Float64Array(k * dim);
  for (let i = 0; i < vectors.rows; i++) {
    const c = labels[i];
    sizes[c]++;
    const v = row(vectors, i);
    const base = c * dim;
    for (let d = 0; d < dim; d++) sums[base + d] += v[d];
  }
  const centroids = Array.from({ length: k }, (_, c) => {
    const centroid = Float32Array.from(sums.subarray(c * dim, (c + 1) * dim));
    normalizeInPlace(centroid);
    return centroid;
  });

  // Inputs are unit vectors and centroids are normalised: the dot product is the cosine.
  const wanted = options.representatives ?? 5;
  const best: { index: number; similarity: number }[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < vectors.rows; i++) {
    const c = labels[i];
    const v = row(vectors, i);
    const centroid = centroids[c];
    let similarity = 0;
    for (let d = 0; d < dim; d++) similarity += v[d] * centroid[d];
    const list = best[c];
    if (list.length === wanted && similarity <= list[wanted - 1].similarity) continue;
    let pos = list.length < wanted ? list.length : wanted - 1;
    list[pos] = { index: i, similarity };
    while (pos > 0 && list[pos - 1].similarity < similarity) {
      [list[pos - 1], list[pos]] = [list[pos], list[pos - 1]];
      pos--;
    }
  }

  const authorCounts: Map<string, number>[] = Array.from({ length: k }, () => new Map());
  for (let i = 0; i < vectors.rows; i++) {
    const counts = authorCounts[labels[i]];
    for (const author of authors[i] ?? []) counts.set(author, (counts.get(author) ?? 0) + 1);
  }

  return centroids.map((centroid, c) => ({
    size: sizes[c],
    centroid,
    representatives: best[c],
    participants: [...authorCounts[c]]
      .map(([author, count]) => ({ author, count }))
      .sort((a, b) => b.count - a.count || (a.author < b.author ? -1 : 1))
      .slice(0, options.topParticipants ?? 20),
    distinctParticipants: authorCounts[c].size,
  }));
}
