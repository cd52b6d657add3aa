/**
 * Counts event-loop turns (setImmediate callbacks) while `work` runs. Work done on the event loop
 * itself lets no turn happen until it yields (a batch run in-process yields about once per batch);
 * work on another thread (a worker, the native thread pool) leaves the loop free to turn hundreds
 * of times per step. A count, not a duration: a busy machine slows both sides alike, so it cannot
 * flip the verdict the way a millisecond threshold on the loop delay did. The delay itself is
 * measured in bench/event-loop-delay.ts.
 */
export async function loopTurnsWhile<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let done = false;
  let turns = 0;
  const spin = (async () => {
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (!done) turns++;
    }
  })();
  try {
    const value = await work();
    return { value, turns };
  } finally {
    done = true;
    await spin;
  }
}
