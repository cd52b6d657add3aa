/**
 * Runs `attempt` until it succeeds or `giveUpAfterMs` has passed, waiting longer after each
 * failure (doubling from `firstDelayMs` up to `maxDelayMs`). For work whose only record is the
 * call itself (an event handler publishing to a durable queue while the queue's server is away):
 * failing once would lose it.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  options: {
    giveUpAfterMs: number;
    firstDelayMs?: number;
    maxDelayMs?: number;
    onRetry?: (err: Error, attemptNo: number) => void;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
  },
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.giveUpAfterMs;
  let delay = options.firstDelayMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (now() + delay > deadline) throw err;
      options.onRetry?.(err as Error, n);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}
