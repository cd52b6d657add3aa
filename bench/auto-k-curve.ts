/**
 * The automatic-k criterion on cached chunk vectors: observed mean silhouette, the silhouette
 * of a structureless Gaussian reference with the same per-axis variance, and their ratio, for
 * k = 2..40 (the table in bench/RESULTS-cluster.md). Vectors come from bench/topics-real.ts
 * (it caches them under the OS temp dir as raw float32, 512 per chunk).
 *
 *   node --import tsx bench/auto-k-curve.ts /tmp/chatlens-bench-vectors-ubuntu-3351.f32 [sampleSize]
 */
import { readFileSync } from "node:fs";
import { fitCentroids, assignNearest } from "../services/cluster/kmeans.ts";
import {
  fromRows,
  selectRows,
  squaredDistance,
  normalizeInPlace,
  type DenseMatrix,
} from "../services/cluster/matrix.ts";
import { fitPca, projectPca } from "../services/cluster/pca.ts";
import { seededRandom, sampleIndices } from "../services/cluster/random.ts";
import { meanSilhouette } from "../services/cluster/auto-k.ts";
const file = process.argv[2]!;
const buf = readFileSync(file);
const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const n = data.length / 512;
const rows = Array.from({ length: n }, (_, i) => {
  const v = Float32Array.from(data.subarray(i * 512, (i + 1) * 512));
  normalizeInPlace(v);
  return v;
});
const random = seededRandom(1);
const vectors = fromRows(rows);
const pts = projectPca(fitPca(vectors, 48, random), vectors);
const m = Number(process.argv[3] ?? 800);
const sample = selectRows(pts, sampleIndices(pts.rows, m, random));
function dists(p: DenseMatrix) {
  const o = new Float32Array(p.rows * p.rows);
  for (let i = 0; i < p.rows; i++)
    for (let j = i + 1; j < p.rows; j++) {
      const d = Math.sqrt(squaredDistance(p.data, i * p.cols, p.data, j * p.cols, p.cols));
      o[i * p.rows + j] = d;
      o[j * p.rows + i] = d;
    }
  return o;
}
// reference: gaussian with per-column variance of the sample (PCA columns are uncorrelated)
const cols = sample.cols;
const ref = new Float32Array(sample.rows * cols);
for (let c = 0; c < cols; c++) {
  let mu = 0,
    v = 0;
  for (let i = 0; i < sample.rows; i++) mu += sample.data[i * cols + c];
  mu /= sample.rows;
  for (let i = 0; i < sample.rows; i++) v += (sample.data[i * cols + c] - mu) ** 2;
  v /= sample.rows;
  const sd = Math.sqrt(v);
  for (let i = 0; i < sample.rows; i++) {
    const u = 1 - random();
    ref[i * cols + c] = sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
}
const refM: DenseMatrix = { rows: sample.rows, cols, data: ref };
const D = dists(sample),
  R = dists(refM);
const out: string[] = [];
for (const k of [2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 26, 30, 35, 40]) {
  const s = meanSilhouette(
    D,
    assignNearest(sample, fitCentroids(sample, k, random, { restarts: 2, maxIterations: 50 })).labels,
    k,
  );
  const r = meanSilhouette(
    R,
    assignNearest(refM, fitCentroids(refM, k, random, { restarts: 2, maxIterations: 50 })).labels,
    k,
  );
  out.push(`${k}: obs ${s.toFixed(3)} ref ${r.toFixed(3)} gain ${(s - r).toFixed(3)} ratio ${(s / r).toFixed(2)}`);
}
console.log(file, n, "\n" + out.join("\n"));
