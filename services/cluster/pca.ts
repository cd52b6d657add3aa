/**
 * PCA by subspace iteration on the covariance of a sample.
 *
 * Why our own: the embedding dimension is small (512) and fixed, so the D×D
 * covariance of a few thousand sampled rows is cheap, and a block power iteration
 * on it needs no SVD of the full data matrix (which ml-pca would do: far slower on
 * 100k rows). k-means and the kNN graph then run in 32–64 dims instead of 512,
 * where nearly all of the cluster structure of sentence embeddings lives.
 */
import { type DenseMatrix, row } from "./matrix.ts";
import { type RandomFn, sampleIndices } from "./random.ts";

export interface PcaModel {
  mean: Float64Array;
  /** components × inputDim, row-major, orthonormal rows, by decreasing variance. */
  components: Float64Array;
  inputDim: number;
  outputDim: number;
  /** Variance along each component (eigenvalues of the sample covariance). */
  variances: number[];
}

export interface PcaOptions {
  /** Rows used to estimate the covariance. */
  sampleSize?: number;
  iterations?: number;
}

export function fitPca(data: DenseMatrix, outputDim: number, random: RandomFn, options: PcaOptions = {}): PcaModel {
  const D = data.cols;
  const k = Math.min(outputDim, D);
  const sample = sampleIndices(data.rows, options.sampleSize ?? 5000, random);
  const m = sample.length;

  const mean = new Float64Array(D);
  for (const i of sample) {
    const v = row(data, i);
    for (let d = 0; d < D; d++) mean[d] += v[d];
  }
  for (let d = 0; d < D; d++) mean[d] /= m;

  // Upper triangle of the covariance, then mirrored: half the multiply-adds.
  const cov = new Float64Array(D * D);
  const centered = new Float64Array(D);
  for (const i of sample) {
    const v = row(data, i);
    for (let d = 0; d < D; d++) centered[d] = v[d] - mean[d];
    for (let a = 0; a < D; a++) {
      const ca = centered[a];
      if (ca === 0) continue;
      const base = a * D;
      for (let b = a; b < D; b++) cov[base + b] += ca * centered[b];
    }
  }
  for (let a = 0; a < D; a++) {
    for (let b = a; b < D; b++) {
      const value = cov[a * D + b] / Math.max(1, m - 1);
      cov[a * D + b] = value;
      cov[b * D + a] = value;
    }
  }

  // Block power iteration: Q ← orth(C·Q). Converges to the top-k eigenspace; a
  // little oversampling (extra columns) speeds convergence of the last wanted ones.
  const width = Math.min(D, k + 8);
  const q = new Float64Array(width * D);
  for (let j = 0; j < q.length; j++) q[j] = random() - 0.5;
  orthonormalizeRows(q, width, D);
  const next = new Float64Array(width * D);
  const iterations = options.iterations ?? 30;
  for (let it = 0; it < iterations; it++) {
    multiplyRowsBySymmetric(q, width, cov, D, next);
    q.set(next);
    orthonormalizeRows(q, width, D);
  }

  // Rayleigh quotients order the converged directions by variance.
  multiplyRowsBySymmetric(q, width, cov, D, next);
  const order = Array.from({ length: width }, (_, j) => {
    let rq = 0;
    for (let d = 0; d < D; d++) rq += q[j * D + d] * next[j * D + d];
    return { j, rq };
  }).sort((x, y) => y.rq - x.rq);

  const components = new Float64Array(k * D);
  for (let c = 0; c < k; c++) components.set(q.subarray(order[c].j * D, (order[c].j + 1) * D), c * D);
  return { mean, components, inputDim: D, outputDim: k, variances: order.slice(0, k).map((o) => Math.max(0, o.rq)) };
}

/** Projects every row onto the components (centred by the model's mean). */
export function projectPca(model: PcaModel, data: DenseMatrix): DenseMatrix {
  const { inputDim: D, outputDim: k, components, mean } = model;
  if (data.cols !== D) throw new Error(`projectPca: data has ${data.cols} columns, model expects ${D}`);
  // x·c − mean·c: centring folded into one offset per component.
  const offsets = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += mean[d] * components[c * D + d];
    offsets[c] = s;
  }
  // Float32 copy of the components: the inner loop then reads two Float32Arrays.
  const comp32 = Float32Array.from(components);
  const out = new Float32Array(data.rows * k);
  const src = data.data;
  for (let i = 0; i < data.rows; i++) {
    const base = i * D;
    let c = 0;
    // Four components per pass over the row: each input value is loaded once for
    // four multiply-adds, which roughly halves the time of this, the pipeline's
    // largest linear pass (100k × 512 × 48).
    for (; c + 4 <= k; c += 4) {
      const c0 = c * D;
      const c1 = c0 + D;
      const c2 = c1 + D;
      const c3 = c2 + D;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0; d < D; d++) {
        const x = src[base + d];
        s0 += x * comp32[c0 + d];
        s1 += x * comp32[c1 + d];
        s2 += x * comp32[c2 + d];
        s3 += x * comp32[c3 + d];
      }
      out[i * k + c] = s0 - offsets[c];
      out[i * k + c + 1] = s1 - offsets[c + 1];
      out[i * k + c + 2] = s2 - offsets[c + 2];
      out[i * k + c + 3] = s3 - offsets[c + 3];
    }
    for (; c < k; c++) {
      const cBase = c * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += src[base + d] * comp32[cBase + d];
      out[i * k + c] = s - offsets[c];
    }
  }
  return { rows: data.rows, cols: k, data: out };
}

function multiplyRowsBySymmetric(
  q: Float64Array,
  width: number,
  sym: Float64Array,
  D: number,
  out: Float64Array,
): void {
  out.fill(0);
  for (let j = 0; j < width; j++) {
    const qBase = j * D;
    for (let a = 0; a < D; a++) {
      const qa = q[qBase + a];
      if (qa === 0) continue;
      const sBase = a * D;
      for (let b = 0; b < D; b++) out[qBase + b] += qa * sym[sBase + b];
    }
  }
}

/** Modified Gram–Schmidt on the rows of a width×D matrix. */
function orthonormalizeRows(q: Float64Array, width: number, D: number): void {
  for (let j = 0; j < width; j++) {
    const jBase = j * D;
    for (let p = 0; p < j; p++) {
      const pBase = p * D;
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q[jBase + d] * q[pBase + d];
      for (let d = 0; d < D; d++) q[jBase + d] -= dot * q[pBase + d];
    }
    let norm = 0;
    for (let d = 0; d < D; d++) norm += q[jBase + d] * q[jBase + d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < D; d++) q[jBase + d] /= norm;
  }
}
