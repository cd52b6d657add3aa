/**
 * Coalesces updates per key (one dataset's index): while a batch of a key is being applied, the
 * ids that arrive for it wait and go together in the next batch. Embedding a dataset announces
 * one `embeddings.stored` per 64 chunks, often many at once (several embedders, redeliveries);
 * applied one by one, each paid its own database reads and index lock turn and the calls queued
 * up behind each other (a bulkhead full for minutes). Each caller's promise settles when the
 * batch holding its items has been applied (or failed), so callers still know their update is in.
 */
export class UpdateBatcher<T, R = void> {
  private readonly keys = new Map<
    string,
    { items: Set<T>; waiters: { resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean }
  >();

  constructor(private readonly apply: (key: string, items: T[]) => Promise<R>) {}

  add(key: string, items: Iterable<T>): Promise<R> {
    let state = this.keys.get(key);
    if (!state) {
      state = { items: new Set(), waiters: [], running: false };
      this.keys.set(key, state);
    }
    for (const item of items) state.items.add(item);
    const done = new Promise<R>((resolve, reject) => state.waiters.push({ resolve, reject }));
    if (!state.running) void this.drain(key, state);
    return done;
  }

  /** Keys with a batch running or waiting (for tests and status). */
  get size(): number {
    return this.keys.size;
  }

  private async drain(
    key: string,
    state: { items: Set<T>; waiters: { resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean },
  ): Promise<void> {
    state.running = true;
    // One turn of the event loop lets the calls that arrived together join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (state.waiters.length) {
      const items = [...state.items];
      const waiters = state.waiters.splice(0);
      state.items.clear();
      try {
        const result = await this.apply(key, items);
        for (const w of waiters) w.resolve(result);
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    state.running = false;
    this.keys.delete(key);
  }
}
