/**
 * k-nearest-neighbour graph for the 2-D map, inverted-file style.
 *
 * umap-js finds neighbours with NN-descent over number[][] and a JS distance
 * callback, which is most of its run time on 20k points. Here the points are
 * partitioned into ~√n k-means cells and each point scans only the `probes`
 * cells nearest to it: about probes/√n of the brute-force work, with near-exact
 * neighbours on clustered data (and neighbours need not be exact for a layout).
 */
import { assignNearest, fitCentroids } from "./kmeans.ts";
import { type DenseMatrix, selectRows, squaredDistance } from "./matrix.ts";
import { type RandomFn, sampleIndices } from "./random.ts";

export interface KnnGraph {
  /** Per point, its neighbours by increasing distance, the point itself first (umap-js convention). */
  indices: number[][];
  /** Euclidean distances matching `indices`. */
  distances: number[][];
}

export interface KnnOptions {
  /** Cells scanned per point. */
  probes?: number;
  /** Below this many points the search is exact (one cell). */
  exactBelow?: number;
}

export function knnGraph(points: DenseMatrix, k: number, random: RandomFn, options: KnnOptions = {}): KnnGraph {
  const n = points.rows;
  const dim = points.cols;
  if (k > n) throw new Error(`knnGraph: k=${k} exceeds ${n} points`);

  const exact = n < (options.exactBelow ?? 3000);
  const nCells = exact ? 1 : Math.round(Math.sqrt(n));
  const probes = exact ? 1 : Math.min(nCells, options.probes ?? 8);
  const centroids = exact
    ? { rows: 1, cols: dim, data: new Float32Array(dim) }
    : fitCentroids(selectRows(points, sampleIndices(n, nCells * 40, random)), nCells, random, {
        restarts: 1,
        maxIterations: 20,
      });
  const { labels } = assignNearest(points, centroids);
  const members: number[][] = Array.from({ length: nCells }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]].push(i);

  const indices: number[][] = new Array(n);
  const distances: number[][] = new Array(n);
  const cellDistances = new Float64Array(nCells);
  const cellOrder = Array.from({ length: nCells }, (_, c) => c);
  const bestIdx = new Int32Array(k);
  const bestDist = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nCells; c++)
      cellDistances[c] = squaredDistance(points.data, i * dim, centroids.data, c * dim, dim);
    cellOrder.sort((a, b) => cellDistances[a] - cellDistances[b]);

    let filled = 0;
    for (let p = 0; p < probes; p++) {
      for (const j of members[cellOrder[p]]) {
        const d = squaredDistance(points.data, i * dim, points.data, j * dim, dim);
        if (filled === k && d >= bestDist[k - 1]) continue;
        // Insertion into the sorted top-k; j === i lands first with distance 0.
        let pos = filled < k ? filled++ : k - 1;
        while (pos > 0 && (bestDist[pos - 1] > d || (bestDist[pos - 1] === d && j === i))) {
          bestDist[pos] = bestDist[pos - 1];
          bestIdx[pos] = bestIdx[pos - 1];
          pos--;
        }
        bestDist[pos] = d;
        bestIdx[pos] = j;
      }
    }
    const rowIdx = new Array<number>(k);
    const rowDist = new Array<number>(k);
    for (let t = 0; t < k; t++) {
      // Unfilled slots (tiny cells) point at the point itself, which UMAP ignores.
      rowIdx[t] = t < filled ? bestIdx[t] : i;
      rowDist[t] = t < filled ? Math.sqrt(bestDist[t]) : 0;
    }
    indices[i] = rowIdx;
    distances[i] = rowDist;
  }
  return { indices, distances };
}
