import { untrack } from "svelte";
import { poll } from "$lib/util/poll";

/**
 * Data that a page's load read and that changes while the page is open: an import's progress,
 * the list a component just added to, a report whose filters the user changed. The load's
 * answer arrives as a prop (`initial`, read through a function so that it stays reactive); a
 * re-read that a user action or a poll triggers goes through `refresh()` or `follow()`, typed by
 * `read` (an openapi-fetch call through `call`, whose answer type comes from the schema).
 *
 * When the page's load runs again (a navigation, `invalidate`), its new answer replaces whatever
 * was re-read here: a re-read belongs to the answer it superseded.
 */
export class Live<T> {
  readonly #initial: () => T;
  readonly #read: () => Promise<T>;
  #fresh = $state.raw<{ base: T; value: T } | null>(null);
  #latest = 0;
  /** The last re-read's failure (null once one succeeds). */
  error: unknown = $state(null);
  /** Whether a re-read is under way. */
  loading = $state(false);

  constructor(initial: () => T, read: () => Promise<T>) {
    this.#initial = initial;
    this.#read = read;
  }

  /** The newest answer: the latest re-read, or the load's when none came after it. */
  get value(): T {
    const base = this.#initial();
    const fresh = this.#fresh;
    return fresh && fresh.base === base ? fresh.value : base;
  }

  /** A change the page made itself (a created row shown at once), kept until the next read. */
  set value(value: T) {
    this.#latest++; // a re-read already under way answers for what this replaced
    this.#fresh = { base: this.#initial(), value };
    this.loading = false;
  }

  /**
   * Reads again. Of overlapping re-reads only the last one started counts (filters changed
   * quickly). Resolves true when it succeeded; a failure is kept in `error`.
   */
  async refresh(): Promise<boolean> {
    const n = ++this.#latest;
    // Called from an $effect (a filter changed), what the read looks at must not become the
    // effect's dependencies: the effect names its own.
    const base = untrack(this.#initial);
    const reading = untrack(this.#read);
    this.loading = true;
    try {
      const value = await reading;
      if (n !== this.#latest) return false;
      this.#fresh = { base, value };
      this.error = null;
      return true;
    } catch (err) {
      if (n === this.#latest) this.error = err;
      return false;
    } finally {
      if (n === this.#latest) this.loading = false;
    }
  }

  /**
   * Re-reads every `ms` until `done(value)` says so; reads never overlap and a failed read is
   * tried again at the next tick. Returns stop: call it from an $effect's teardown, so that the
   * poll ends with the component. Its answers do not re-run that effect (it would start the
   * poll again at once): the effect depends only on what it reads itself.
   */
  follow(ms: number, done: (value: T) => boolean): () => void {
    return untrack(() => poll(async () => (await this.refresh()) && done(this.value), ms));
  }
}
