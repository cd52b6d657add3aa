/**
 * Calls `tick` every `ms` until it returns true or `stop()` is called; ticks never overlap.
 * Returns stop (use it as an $effect teardown).
 */
export function poll(tick: () => Promise<boolean> | boolean, ms: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (stopped) return;
    let done = false;
    try {
      done = await tick();
    } catch {
      done = false;
    }
    if (!done && !stopped) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
