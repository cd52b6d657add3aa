/**
 * Choosing k: mean silhouette on a sample.
 *
 * For each k in the range, k-means is fitted on a random sample (default 4,000
 * points of the reduced vectors) and the mean silhouette coefficient is computed
 * on the first `silhouetteSampleSize` (default 1,500) of them. The pairwise
 * distances of that silhouette sample do not depend on k, so they are computed
 * once; each k then costs one k-means fit plus O(m²) additions. The k with the
 * highest mean silhouette wins; ties go to the smaller k.
 */
import { fitCentroids, assignNearest } from "./kmeans.ts";
import { type DenseMatrix, selectRows, squaredDistance } from "./matrix.ts";
import { type ProgressFn, yieldToEventLoop } from "./progress.ts";
import { type RandomFn, sampleIndices } from "./random.ts";

export interface AutoKOptions {
  kMin?: number;
  kMax?: number;
  fitSampleSize?: number;
  silhouetteSampleSize?: number;
  restarts?: number;
}

export interface KSelection {
  criterion: "silhouette";
  k: number;
  fitSampleSize: number;
  silhouetteSampleSize: number;
  scores: { k: number; silhouette: number }[];
}

export async function chooseK(points: DenseMatrix, random: RandomFn, options: AutoKOptions = {}, onProgress?: ProgressFn): Promise<KSelection> {
  const fitSample = selectRows(points, sampleIndices(points.rows, options.fitSampleSize ?? 4000, random));
  const m = Math.min(fitSample.rows, options.silhouetteSampleSize ?? 1500);
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(options.kMax ?? 30, m - 1);
  if (kMax < kMin) throw new Error(`chooseK: need more than ${kMin} points to choose k (have ${points.rows})`);

  const distances = pairwiseDistances(fitSample, m);
  const scores: { k: number; silhouette: number }[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const centroids = fitCentroids(fitSample, k, random, { restarts: options.restarts ?? 2, maxIterations: 50 });
    const { labels } = assignNearest(fitSample, centroids);
    scores.push({ k, silhouette: meanSilhouette(distances, labels.subarray(0, m), k) });
    onProgress?.((k - kMin + 1) / (kMax - kMin + 1), "choose-k");
    await yieldToEventLoop();
  }
  const best = scores.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  return { criterion: "silhouette", k: best.k, fitSampleSize: fitSample.rows, silhouetteSampleSize: m, scores };
}

/** Euclidean distances among the first m rows, m×m. */
function pairwiseDistances(points: DenseMatrix, m: number): Float32Array {
  const out = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const d = Math.sqrt(squaredDistance(points.data, i * points.cols, points.data, j * points.cols, points.cols));
      out[i * m + j] = d;
      out[j * m + i] = d;
    }
  }
  return out;
}

/** Mean silhouette; points alone in their cluster score 0 (Rousseeuw's convention). */
export function meanSilhouette(distances: Float32Array, labels: Int32Array, k: number): number {
  const m = labels.length;
  const sizes = new Int32Array(k);
  for (let i = 0; i < m; i++) sizes[labels[i]]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < m; i++) {
    sums.fill(0);
    const base = i * m;
    for (let j = 0; j < m; j++) sums[labels[j]] += distances[base + j];
    const own = labels[i];
    if (sizes[own] <= 1) continue;
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    if (b === Infinity) continue;
    const denominator = Math.max(a, b);
    if (denominator > 0) total += (b - a) / denominator;
  }
  return total / m;
}
