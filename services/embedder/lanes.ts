// Two lanes in front of one model session: a query's embedding (a search waiting on it) never
// queues behind batch work (an import being embedded). The session runs one call at a time (it
// already uses every thread it was given); whenever it is free, a waiting query call goes first.
// A batch call already running is not interrupted: a query waits at most for that one call.

export type Lane = "query" | "batch";

export class LaneScheduler {
  private busy = false;
  private readonly waiting: Record<Lane, Array<() => void>> = { query: [], batch: [] };

  /** Runs fn when the session is free and no earlier call of a higher lane waits. */
  run<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting[lane].push(() => {
        Promise.resolve()
          .then(fn)
          .then(resolve, reject)
          .finally(() => {
            this.busy = false;
            this.next();
          });
      });
      this.next();
    });
  }

  /** Calls waiting per lane (for metrics and tests). */
  get queued(): Record<Lane, number> {
    return { query: this.waiting.query.length, batch: this.waiting.batch.length };
  }

  private next(): void {
    if (this.busy) return;
    const task = this.waiting.query.shift() ?? this.waiting.batch.shift();
    if (!task) return;
    this.busy = true;
    task();
  }
}
