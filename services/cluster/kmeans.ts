/**
 * k-means with ml-kmeans, fitted on a sample and then extended to every point.
 *
 * Lloyd's algorithm on 100k points is dominated by the assignment step; the
 * centroids themselves are well estimated from a random sample of ~20k points,
 * so we fit there (several k-means++ restarts, lowest inertia wins) and assign the
 * rest to their nearest centroid in one pass over typed arrays.
 */
import { kmeans } from "ml-kmeans";
import { type DenseMatrix, selectRows, squaredDistance, toNestedArrays } from "./matrix.ts";
import { type RandomFn, sampleIndices } from "./random.ts";

export interface KMeansOptions {
  /** Points the centroids are fitted on; the others are only assigned. */
  fitSampleSize?: number;
  /** Independent k-means++ starts; the one with the lowest inertia is kept. */
  restarts?: number;
  maxIterations?: number;
}

export interface KMeansFit {
  centroids: DenseMatrix;
  /** Cluster of every input row. */
  labels: Int32Array;
  /** Squared distance of every row to its centroid. */
  distances: Float32Array;
  inertia: number;
}

export function fitKMeans(points: DenseMatrix, k: number, random: RandomFn, options: KMeansOptions = {}): KMeansFit {
  if (k < 1 || k > points.rows) throw new Error(`fitKMeans: k=${k} is out of range for ${points.rows} points`);
  const sample = sampleIndices(points.rows, options.fitSampleSize ?? 20000, random);
  const centroids = fitCentroids(selectRows(points, sample), k, random, options);
  return { centroids, ...assignNearest(points, centroids) };
}

/** Best-of-restarts ml-kmeans on (a sample of) the points. */
export function fitCentroids(
  points: DenseMatrix,
  k: number,
  random: RandomFn,
  options: KMeansOptions = {},
): DenseMatrix {
  const nested = toNestedArrays(points);
  let best: DenseMatrix | undefined;
  let bestInertia = Infinity;
  for (let r = 0; r < (options.restarts ?? 3); r++) {
    const result = kmeans(nested, k, {
      initialization: "kmeans++",
      seed: Math.floor(random() * 2 ** 31),
      maxIterations: options.maxIterations ?? 100,
      tolerance: 1e-4,
    });
    const centroids: DenseMatrix = { rows: k, cols: points.cols, data: Float32Array.from(result.centroids.flat()) };
    const { inertia } = assignNearest(points, centroids);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = centroids;
    }
  }
  return best!;
}

export function assignNearest(points: DenseMatrix, centroids: DenseMatrix): Omit<KMeansFit, "centroids"> {
  const labels = new Int32Array(points.rows);
  const distances = new Float32Array(points.rows);
  const dim = points.cols;
  let inertia = 0;
  for (let i = 0; i < points.rows; i++) {
    let bestC = 0;
    let bestD = Infinity;
    for (let c = 0; c < centroids.rows; c++) {
      const d = squaredDistance(points.data, i * dim, centroids.data, c * dim, dim);
      if (d < bestD) {
        bestD = d;
        bestC = c;
      }
    }
    labels[i] = bestC;
    distances[i] = bestD;
    inertia += bestD;
  }
  return { labels, distances, inertia };
}
