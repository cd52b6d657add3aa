/** Scales `v` in place to unit length (a zero vector stays zero). */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/**
 * Mean of the token vectors of row `row` of a [B,S,H] tensor over positions whose mask is 1,
 * the pooling sentence-transformers uses for encoders that only output last_hidden_state.
 */
export function meanPoolRow(
  hidden: Float32Array,
  mask: ArrayLike<bigint | number>,
  row: number,
  seqLen: number,
  hiddenSize: number,
): Float32Array {
  const out = new Float32Array(hiddenSize);
  let count = 0;
  for (let s = 0; s < seqLen; s++) {
    if (Number(mask[row * seqLen + s]) === 0) continue;
    count++;
    const base = (row * seqLen + s) * hiddenSize;
    for (let h = 0; h < hiddenSize; h++) out[h]! += hidden[base + h]!;
  }
  if (count > 0) for (let h = 0; h < hiddenSize; h++) out[h]! /= count;
  return out;
}
