/**
 * Row-major dense matrix on one Float32Array. Large vector sets (100k × 512) stay
 * in a single contiguous buffer: cache-friendly loops, cheap to hand to a worker.
 */
export interface DenseMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function fromRows(vectors: readonly Float32Array[]): DenseMatrix {
  const rows = vectors.length;
  if (rows === 0) throw new Error("fromRows: no vectors");
  const cols = vectors[0].length;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const v = vectors[i];
    if (v.length !== cols) throw new Error(`fromRows: vector ${i} has dimension ${v.length}, expected ${cols}`);
    data.set(v, i * cols);
  }
  return { rows, cols, data };
}

export function row(m: DenseMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function selectRows(m: DenseMatrix, indices: ArrayLike<number>): DenseMatrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) out.set(row(m, indices[i]), i * m.cols);
  return { rows: indices.length, cols: m.cols, data: out };
}

/** number[][] copy, for libraries (ml-kmeans, umap-js) that only take nested arrays. */
export function toNestedArrays(m: DenseMatrix): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(row(m, i));
  return out;
}

export function squaredDistance(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  dim: number,
): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    const diff = a[aOffset + d] - b[bOffset + d];
    sum += diff * diff;
  }
  return sum;
}

export function normalizeInPlace(v: Float32Array | Float64Array): void {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
  norm = Math.sqrt(norm);
  if (norm === 0) return;
  for (let d = 0; d < v.length; d++) v[d] /= norm;
}
