/**
 * Seeded randomness. Every random choice in the cluster pipeline goes through
 * here so that the same dataset and seed always give the same clusters and map.
 */

export type RandomFn = () => number;

/** mulberry32: tiny, fast, good enough for sampling and initialisation (not for crypto). */
export function seededRandom(seed: number): RandomFn {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices out of [0, n) in random order (all of them, shuffled, when count >= n). */
export function sampleIndices(n: number, count: number, random: RandomFn): Int32Array {
  const take = Math.min(n, count);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  // Partial Fisher–Yates: only the first `take` slots need shuffling.
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (n - i));
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  return pool.subarray(0, take);
}
