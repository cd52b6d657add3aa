/**
 * Choosing k: mean silhouette on a sample, measured against a structureless reference.
 *
 * The plain silhouette chose k = 2 on real chats (29k WhatsApp messages, the Ubuntu
 * dialogue corpus): sentence embeddings are one elongated cloud, and any elongated cloud
 * splits in two with a fair silhouette (0.07 for a Gaussian of the same shape, 0.08
 * observed), while real topics raise it only a little above that baseline at every k.
 * So each k is scored by the ratio of the observed silhouette to the silhouette k-means
 * reaches on a Gaussian sample with the data's variance along each (PCA) axis, the
 * reference of Tibshirani's gap statistic: the k where the data is most clustered
 * *beyond what its shape alone gives*. Planted, well-separated topics still win at their
 * true k (their silhouette is many times the reference's); flat real data is no longer
 * pulled to 2. bench/RESULTS-cluster.md has the curves on the fixture corpora.
 *
 * k-means is fitted on a random sample of the reduced vectors (default 1,500
 * points, 3 k-means++ restarts per k) and scored by the mean silhouette
 * coefficient of that same sample. The sample's pairwise distances do not depend
 * on k, so they are computed once; each k then costs its fits plus O(m²)
 * additions. Wide ranges are searched coarse to fine: about ten evenly spaced k
 * first, then every k around the best of them. The k with the highest mean
 * silhouette wins; ties go to the smaller k.
 */
import { fitCentroids, assignNearest } from "./kmeans.ts";
import { type DenseMatrix, selectRows, squaredDistance } from "./matrix.ts";
import { type ProgressFn, yieldToEventLoop } from "./progress.ts";
import { type RandomFn, sampleIndices } from "./random.ts";

export interface AutoKOptions {
  kMin?: number;
  kMax?: number;
  /** Points k-means is fitted on and the silhouette is measured on. */
  sampleSize?: number;
  /** k-means++ restarts per k: a single start often lands in a local minimum that merges two topics. */
  restarts?: number;
}

export interface KSelection {
  criterion: "silhouette-over-reference";
  k: number;
  sampleSize: number;
  /** Per k tried: the data's mean silhouette, the reference's, and their ratio (the score). */
  scores: { k: number; silhouette: number; reference: number; score: number }[];
}

export async function chooseK(
  points: DenseMatrix,
  random: RandomFn,
  options: AutoKOptions = {},
  onProgress?: ProgressFn,
): Promise<KSelection> {
  // 1,500 points: the silhouette is O(m²) per k, and 1,500 still holds ≥ 30 points of a 2 % topic.
  const sample = selectRows(points, sampleIndices(points.rows, options.sampleSize ?? 1500, random));
  const m = sample.rows;
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(options.kMax ?? 30, m - 1);
  if (kMax < kMin) throw new Error(`chooseK: need more than ${kMin} points to choose k (have ${points.rows})`);

  const distances = pairwiseDistances(sample);
  const reference = gaussianReference(sample, Math.min(m, 1000), random);
  const referenceDistances = pairwiseDistances(reference);
  const scored = new Map<number, number>();
  const detail = new Map<number, { silhouette: number; reference: number }>();
  const score = (k: number) => {
    if (scored.has(k)) return;
    const restarts = options.restarts ?? 3;
    const centroids = fitCentroids(sample, k, random, { restarts, maxIterations: 50 });
    const silhouette = meanSilhouette(distances, assignNearest(sample, centroids).labels, k);
    const refCentroids = fitCentroids(reference, Math.min(k, reference.rows - 1), random, {
      restarts: 1,
      maxIterations: 50,
    });
    const ref = meanSilhouette(
      referenceDistances,
      assignNearest(reference, refCentroids).labels,
      Math.min(k, reference.rows - 1),
    );
    detail.set(k, { silhouette, reference: ref });
    scored.set(k, silhouette / Math.max(ref, 1e-3));
  };
  const step = Math.max(1, Math.ceil((kMax - kMin + 1) / 10));
  const coarse: number[] = [];
  for (let k = kMin; k <= kMax; k += step) coarse.push(k);
  const planned = coarse.length + 2 * (step - 1);
  for (const k of coarse) {
    score(k);
    onProgress?.(scored.size / planned, "choose-k");
    await yieldToEventLoop();
  }
  const coarseBest = bestK(scored);
  for (let k = Math.max(kMin, coarseBest - step + 1); k <= Math.min(kMax, coarseBest + step - 1); k++) {
    score(k);
    onProgress?.(Math.min(1, scored.size / planned), "choose-k");
    await yieldToEventLoop();
  }
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  const scores = [...scored]
    .map(([k, value]) => ({
      k,
      silhouette: round(detail.get(k)!.silhouette),
      reference: round(detail.get(k)!.reference),
      score: round(value),
    }))
    .sort((a, b) => a.k - b.k);
  return { criterion: "silhouette-over-reference", k: bestK(scored), sampleSize: m, scores };
}

/**
 * `size` points from a Gaussian with the sample's mean and variance per column: after PCA
 * the columns are uncorrelated, so this has the data's covariance and no clusters.
 */
function gaussianReference(sample: DenseMatrix, size: number, random: RandomFn): DenseMatrix {
  const { rows, cols } = sample;
  const data = new Float32Array(size * cols);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += sample.data[i * cols + c];
    mean /= rows;
    let variance = 0;
    for (let i = 0; i < rows; i++) variance += (sample.data[i * cols + c] - mean) ** 2;
    const sd = Math.sqrt(variance / rows);
    for (let i = 0; i < size; i++) {
      const u = 1 - random();
      data[i * cols + c] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    }
  }
  return { rows: size, cols, data };
}

function bestK(scored: Map<number, number>): number {
  let best = -1;
  let bestScore = -Infinity;
  for (const [k, s] of scored) if (s > bestScore || (s === bestScore && k < best)) [best, bestScore] = [k, s];
  return best;
}

/** Euclidean distances among all rows, m×m. */
function pairwiseDistances(points: DenseMatrix): Float32Array {
  const m = points.rows;
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
