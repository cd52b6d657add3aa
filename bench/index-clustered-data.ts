// Synthetic embeddings shaped like real ones: points scattered around a few thousand random
// directions on the unit sphere, normalised. Uniform random vectors would make every
// neighbour equally far and ANN recall meaningless. Seeded, so runs are comparable.
import os from "node:os";
import path from "node:path";

/**
 * Where the benchmarks keep a built index of this shape between runs: the engine bench saves its
 * index here and the gateway bench loads it, so a 1M build (tens of minutes) is done once.
 */
export function benchIndexDir(count: number, dim: number): string {
  return path.join(os.tmpdir(), "chatlens-bench-index", `${count}x${dim}`);
}

/** Mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface ClusteredData {
  dim: number;
  count: number;
  /** count × dim, row-major, unit rows. */
  vectors: Float32Array;
}

export interface ClusteredOptions {
  count: number;
  dim: number;
  clusters: number;
  /** Per-coordinate noise around a centre: 0.02 at 512-d puts points about 24° from their centre. */
  noise?: number;
  /** Seeds the centres. */
  seed?: number;
  /** Seeds the points; queries use another point seed with the same centres. */
  pointSeed?: number;
}

export function clusteredVectors({
  count,
  dim,
  clusters,
  noise = 0.02,
  seed = 42,
  pointSeed = 7,
}: ClusteredOptions): ClusteredData {
  const centreRandom = seededRandom(seed);
  const centres = new Float32Array(clusters * dim);
  for (let c = 0; c < clusters; c++) unit(fill(centres.subarray(c * dim, (c + 1) * dim), () => gaussian(centreRandom)));
  const random = seededRandom(pointSeed);
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(random() * clusters);
    const row = vectors.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < dim; j++) row[j] = centres[c * dim + j] + noise * gaussian(random);
    unit(row);
  }
  return { dim, count, vectors };
}

/** Query vectors drawn from the same distribution but not in the data set. */
export function clusteredQueries(data: ClusteredOptions, n: number): Float32Array {
  return clusteredVectors({ ...data, count: n, pointSeed: (data.pointSeed ?? 7) + 1000 }).vectors;
}

function fill(v: Float32Array, f: () => number): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = f();
  return v;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
