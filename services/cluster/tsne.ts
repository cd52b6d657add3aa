/**
 * t-SNE (van der Maaten & Hinton 2008) for the map's alternative layout.
 *
 * Affinities are sparse: each point's conditional distribution is fitted to the
 * perplexity over its 3·perplexity nearest neighbours (knn.ts), as Barnes-Hut
 * t-SNE does; the rest of P is zero. Repulsion is exact, O(n²) per iteration, which
 * is why callers map at most a few thousand points (a stratified sample above that):
 * 2,000 points take a few seconds here, and an exact gradient needs no space-
 * partitioning tree. The start is the PCA plane (deterministic, and it keeps the
 * global arrangement that a random start loses), so a run is repeatable.
 */
import { knnGraph } from "./knn.ts";
import type { DenseMatrix } from "./matrix.ts";
import { fitPca, projectPca } from "./pca.ts";
import { type ProgressFn, yieldToEventLoop } from "./progress.ts";
import type { RandomFn } from "./random.ts";

export interface TsneOptions {
  perplexity?: number;
  /** Total gradient steps (default 750). */
  iterations?: number;
  /** Steps with early exaggeration (default 250). */
  exaggerationIterations?: number;
  exaggeration?: number;
  /** Default max(n / exaggeration, 50) (Belkina et al. 2019). */
  learningRate?: number;
}

/** 2-D coordinates, row-major [x0, y0, x1, y1, …]. */
export async function tsne(
  points: DenseMatrix,
  random: RandomFn,
  options: TsneOptions = {},
  onProgress?: ProgressFn,
): Promise<Float64Array> {
  const n = points.rows;
  if (n < 3) throw new Error(`tsne: need at least 3 points, have ${n}`);
  const perplexity = Math.min(options.perplexity ?? 30, (n - 1) / 3);
  const iterations = options.iterations ?? 750;
  const exaggerationIterations = Math.min(options.exaggerationIterations ?? 250, iterations);
  const exaggeration = options.exaggeration ?? 12;
  const learningRate = options.learningRate ?? Math.max(n / exaggeration, 50);

  const { rows, cols, values } = affinities(points, perplexity, random);
  const y = initialLayout(points, random);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const gradient = new Float64Array(2 * n);

  for (let iter = 0; iter < iterations; iter++) {
    const exag = iter < exaggerationIterations ? exaggeration : 1;
    const momentum = iter < exaggerationIterations ? 0.5 : 0.8;
    gradient.fill(0);

    // Repulsion: q_ij² (y_i − y_j) / Z over all pairs, Z = Σ q_ij.
    let z = 0;
    for (let i = 0; i < n; i++) {
      const xi = y[2 * i];
      const yi = y[2 * i + 1];
      let gx = 0;
      let gy = 0;
      for (let j = i + 1; j < n; j++) {
        const dx = xi - y[2 * j];
        const dy = yi - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        z += 2 * q;
        const q2 = q * q;
        gx += q2 * dx;
        gy += q2 * dy;
        gradient[2 * j] += q2 * dx;
        gradient[2 * j + 1] += q2 * dy;
      }
      gradient[2 * i] -= gx;
      gradient[2 * i + 1] -= gy;
    }
    for (let i = 0; i < 2 * n; i++) gradient[i] /= z;
    // Attraction along the sparse, symmetric P.
    for (let e = 0; e < values.length; e++) {
      const i = rows[e];
      const j = cols[e];
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const pq = (exag * values[e]) / (1 + dx * dx + dy * dy);
      gradient[2 * i] += pq * dx;
      gradient[2 * i + 1] += pq * dy;
    }

    // Delta-bar-delta gains with momentum, as in the reference implementation.
    for (let d = 0; d < 2 * n; d++) {
      const g = 4 * gradient[d];
      gains[d] = Math.sign(g) !== Math.sign(update[d]) ? gains[d] + 0.2 : Math.max(gains[d] * 0.8, 0.01);
      update[d] = momentum * update[d] - learningRate * gains[d] * g;
      y[d] += update[d];
    }
    if (iter % 25 === 24) {
      centre(y);
      onProgress?.((iter + 1) / iterations, "map-layout");
      await yieldToEventLoop();
    }
  }
  centre(y);
  return y;
}

/** Symmetric sparse P as COO arrays holding both (i, j) and (j, i); sums to 1. */
function affinities(points: DenseMatrix, perplexity: number, random: RandomFn) {
  const n = points.rows;
  const k = Math.min(n - 1, Math.ceil(3 * perplexity));
  const graph = knnGraph(points, k + 1, random);
  const target = Math.log(perplexity);
  const conditional = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const neighbours = graph.indices[i]!.slice(1);
    const d2 = graph.distances[i]!.slice(1).map((d) => d * d);
    const p = conditionalRow(d2, target);
    neighbours.forEach((j, m) => {
      if (j === i) return;
      const key = i < j ? i * n + j : j * n + i;
      conditional.set(key, (conditional.get(key) ?? 0) + p[m]!);
    });
  }
  const rows = new Int32Array(2 * conditional.size);
  const cols = new Int32Array(2 * conditional.size);
  const values = new Float64Array(2 * conditional.size);
  let e = 0;
  for (const [key, sum] of conditional) {
    const i = Math.floor(key / n);
    const j = key % n;
    const v = sum / (2 * n);
    rows[e] = i;
    cols[e] = j;
    values[e++] = v;
    rows[e] = j;
    cols[e] = i;
    values[e++] = v;
  }
  return { rows, cols, values };
}

/** p_{j|i} over one point's neighbours, with the Gaussian's precision found by bisection to match the perplexity. */
function conditionalRow(d2: number[], targetEntropy: number): number[] {
  const min = Math.min(...d2);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  let p: number[] = [];
  for (let step = 0; step < 64; step++) {
    // Distances shifted by their minimum: same distribution, no underflow for far points.
    p = d2.map((d) => Math.exp(-(d - min) * beta));
    const sum = p.reduce((a, b) => a + b, 0);
    let entropy = 0;
    for (let m = 0; m < p.length; m++) {
      p[m] /= sum;
      if (p[m]! > 1e-12) entropy -= p[m]! * Math.log(p[m]!);
    }
    if (Math.abs(entropy - targetEntropy) < 1e-5) break;
    if (entropy > targetEntropy) {
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  return p;
}

/** First two principal axes, scaled to a small spread (1e-4 standard deviation, as the reference start). */
function initialLayout(points: DenseMatrix, random: RandomFn): Float64Array {
  const n = points.rows;
  const plane = points.cols > 2 ? projectPca(fitPca(points, 2, random), points) : points;
  const y = new Float64Array(2 * n);
  for (let c = 0; c < 2; c++) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += plane.data[i * plane.cols + c] ** 2;
    const s = 1e-4 / (Math.sqrt(sq / n) || 1);
    for (let i = 0; i < n; i++) y[2 * i + c] = plane.cols > c ? plane.data[i * plane.cols + c] * s : 0;
  }
  return y;
}

function centre(y: Float64Array): void {
  const n = y.length / 2;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += y[2 * i];
    cy += y[2 * i + 1];
  }
  cx /= n;
  cy /= n;
  for (let i = 0; i < n; i++) {
    y[2 * i] -= cx;
    y[2 * i + 1] -= cy;
  }
}
