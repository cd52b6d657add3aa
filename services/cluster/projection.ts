/**
 * 2-D map of the chunks with umap-js.
 *
 * umap-js alone takes ~21 s for 5,000 × 384 points, mostly in its NN-descent
 * over nested arrays. We feed it instead: PCA to ~32 dims, our own kNN graph
 * (knn.ts) through `setPrecomputedKNN`, a PCA initial layout (umap-js starts from
 * random noise, which needs many more epochs to untangle; the reference UMAP uses
 * a spectral start for the same reason), fewer epochs for large inputs, and a
 * seeded random for repeatable maps. Above `maxPoints` a stratified sample by
 * cluster is mapped.
 *
 * `method: "tsne"` lays out the same PCA-reduced points with t-SNE (tsne.ts)
 * instead; its exact repulsion is quadratic, so it maps at most `tsneMaxPoints`.
 */
import { UMAP } from "umap-js";
import { knnGraph } from "./knn.ts";
import { type DenseMatrix, selectRows, toNestedArrays } from "./matrix.ts";
import { fitPca, projectPca } from "./pca.ts";
import { type ProgressFn, progressSlice, yieldToEventLoop } from "./progress.ts";
import { seededRandom } from "./random.ts";
import { stratifiedSample } from "./sample.ts";
import { tsne, type TsneOptions } from "./tsne.ts";

export interface MapOptions {
  /** "umap" (default) or "tsne". */
  method?: "umap" | "tsne";
  maxPoints?: number;
  /** Sample size for t-SNE (default 2,000). */
  tsneMaxPoints?: number;
  tsne?: TsneOptions;
  seed?: number;
  /** Dimensions the kNN graph is computed in (0 keeps the input's). */
  pcaDims?: number;
  nNeighbors?: number;
  /** Default 400 up to 5,000 points, 200 above (umap-js: 500 / 200). */
  nEpochs?: number;
  minDist?: number;
}

export interface MapPoint {
  id: string;
  /** Coordinates scaled into [-1, 1], aspect ratio kept. */
  x: number;
  y: number;
  cluster?: number;
}

export interface MapResult {
  method: "umap" | "tsne";
  totalPoints: number;
  /** True when only a stratified sample of the points was mapped. */
  sampled: boolean;
  points: MapPoint[];
}

export async function computeMap(
  vectors: DenseMatrix,
  ids: readonly string[],
  labels: ArrayLike<number> | undefined,
  options: MapOptions = {},
  onProgress?: ProgressFn,
): Promise<MapResult> {
  if (ids.length !== vectors.rows) throw new Error("computeMap: ids and vectors differ in length");
  if (labels && labels.length !== vectors.rows) throw new Error("computeMap: labels and vectors differ in length");
  const random = seededRandom(options.seed ?? 42);
  const method = options.method ?? "umap";
  const maxPoints =
    method === "tsne"
      ? Math.min(options.maxPoints ?? 20000, options.tsneMaxPoints ?? 2000)
      : (options.maxPoints ?? 20000);
  const nNeighbors = options.nNeighbors ?? 15;

  const chosen = stratifiedSample(labels ?? new Int32Array(vectors.rows), maxPoints, random);
  const n = chosen.length;
  if (n <= nNeighbors) throw new Error(`computeMap: need more than ${nNeighbors} points, have ${n}`);
  onProgress?.(0, "map-reduce");
  const sample = selectRows(vectors, chosen);
  const pcaDims = options.pcaDims ?? 32;
  const usePca = pcaDims >= 2 && pcaDims < sample.cols;
  const reduced = usePca ? projectPca(fitPca(sample, pcaDims, random), sample) : sample;
  await yieldToEventLoop();

  if (method === "tsne") {
    const layout = await tsne(reduced, random, options.tsne, progressSlice(onProgress, 0.1, 1));
    const coordinates = scaleToUnitBox(Array.from({ length: n }, (_, i) => [layout[2 * i], layout[2 * i + 1]]));
    onProgress?.(1, "map-layout");
    return {
      method,
      totalPoints: vectors.rows,
      sampled: n < vectors.rows,
      points: toPoints(chosen, ids, labels, coordinates),
    };
  }

  onProgress?.(0.1, "map-knn");
  const knn = knnGraph(reduced, nNeighbors, random);
  await yieldToEventLoop();

  onProgress?.(0.25, "map-layout");
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: options.minDist ?? 0.1,
    // The PCA start leaves little to untangle: 200 epochs from 2,000 points on (a 30k-message
    // chat's ~4,000 chunks spent half its topic run in 400 epochs).
    nEpochs: options.nEpochs ?? (n > 2000 ? 200 : 400),
    random,
  });
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  // initializeFit only needs the rows for their count once the kNN graph is given.
  const nEpochs = umap.initializeFit(toNestedArrays(reduced));
  // PCA columns come ordered by variance: the first two are the principal plane.
  initializeFromAxes(umap.getEmbedding(), usePca ? reduced : projectPca(fitPca(reduced, 2, random), reduced));
  for (let epoch = 0; epoch < nEpochs;) {
    epoch = umap.step();
    if (epoch % 10 === 0) {
      onProgress?.(0.25 + (0.75 * epoch) / nEpochs, "map-layout");
      await yieldToEventLoop();
    }
  }

  const coordinates = scaleToUnitBox(umap.getEmbedding());
  onProgress?.(1, "map-layout");
  return {
    method,
    totalPoints: vectors.rows,
    sampled: n < vectors.rows,
    points: toPoints(chosen, ids, labels, coordinates),
  };
}

function toPoints(
  chosen: Int32Array,
  ids: readonly string[],
  labels: ArrayLike<number> | undefined,
  coordinates: [number, number][],
): MapPoint[] {
  return Array.from(chosen, (index, i) => {
    const point: MapPoint = { id: ids[index], x: coordinates[i][0], y: coordinates[i][1] };
    if (labels) point.cluster = labels[index];
    return point;
  });
}

/** Overwrites umap-js's random start with the first two columns of `axes`, spread over [-10, 10] like its own start. */
function initializeFromAxes(embedding: number[][], axes: DenseMatrix): void {
  const scale = [0, 1].map((c) => {
    let max = 0;
    for (let i = 0; i < axes.rows; i++) max = Math.max(max, Math.abs(axes.data[i * axes.cols + c]));
    return max > 0 ? 10 / max : 1;
  });
  for (let i = 0; i < embedding.length; i++) {
    embedding[i][0] = axes.data[i * axes.cols] * scale[0];
    embedding[i][1] = axes.data[i * axes.cols + 1] * scale[1];
  }
}

function scaleToUnitBox(embedding: number[][]): [number, number][] {
  let cx = 0;
  let cy = 0;
  for (const [x, y] of embedding) {
    cx += x;
    cy += y;
  }
  cx /= embedding.length;
  cy /= embedding.length;
  let extent = 0;
  for (const [x, y] of embedding) extent = Math.max(extent, Math.abs(x - cx), Math.abs(y - cy));
  const s = extent > 0 ? 1 / extent : 1;
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return embedding.map(([x, y]) => [round((x - cx) * s), round((y - cy) * s)]);
}
