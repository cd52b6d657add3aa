/**
 * Progress reporting for long computations. The gateway must never stall, so
 * long loops report through a callback and periodically give the event loop a turn.
 */

/** fraction in [0, 1] of the whole job; stage names the current step (e.g. "kmeans"). */
export type ProgressFn = (fraction: number, stage: string) => void;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Maps a sub-step's own 0..1 progress into its slice [from, to] of the overall job,
 * so nested functions can report without knowing where they sit in the pipeline.
 */
export function progressSlice(onProgress: ProgressFn | undefined, from: number, to: number): ProgressFn | undefined {
  if (!onProgress) return undefined;
  return (fraction, stage) => onProgress(from + (to - from) * Math.min(1, Math.max(0, fraction)), stage);
}
