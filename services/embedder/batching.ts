export interface BatchLimits {
  /** Most padded tokens (rows × longest row) one model call may take. */
  tokenBudget: number;
  /** Most rows one model call may take, however short they are. */
  maxBatchSize: number;
}

/**
 * Groups inputs into model calls. Inputs are sorted by token length (longest first) so each
 * batch holds rows of similar length and padding waste stays small; a batch grows while
 * rows × its longest row fits the token budget. A row longer than the budget gets a batch of
 * its own. Returns the input indices of each batch; every index appears exactly once.
 */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = Math.max(1, lengths[i]!);
    if (current.length === 0) longest = len;
    if (
      current.length > 0 &&
      (current.length >= limits.maxBatchSize || (current.length + 1) * longest > limits.tokenBudget)
    ) {
      batches.push(current);
      current = [];
      longest = len;
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Fraction of padded positions that are padding, for a plan (0 = no waste). */
export function paddingWaste(lengths: readonly number[], batches: readonly number[][]): number {
  let padded = 0;
  let real = 0;
  for (const batch of batches) {
    const longest = Math.max(1, ...batch.map((i) => lengths[i]!));
    padded += longest * batch.length;
    real += batch.reduce((sum, i) => sum + lengths[i]!, 0);
  }
  return padded === 0 ? 0 : 1 - real / padded;
}
