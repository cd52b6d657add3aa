// Which indexes an index node may answer from, and catching an index up when it moves.
//
// A dataset's index lives on the node the Shard strategy picks among the index nodes; it moves
// when index nodes join, drain or die. The copy a new owner finds is often behind the database:
// its own files from an earlier spell as owner (each node has its own INDEX_DIR in production),
// or files the old owner saved before its last batches (a node killed -9 saves nothing). So a
// node catches an index up from the stored vectors before it first answers from it after any
// change of the index nodes, and once more after the change has settled: a batch announced by a
// node that had not yet seen the change may still have gone to the old owner.
import type { IndexKey } from "./index-key.ts";
import { indexPath } from "./index-key.ts";
import type { VectorEntry } from "./vector-index.ts";

/** What catching one index up needs: the index (via the store) and the database's stored vectors. */
export interface CatchUpDeps {
  /** Whether this node has the index (in memory or files). */
  holds(key: IndexKey): Promise<boolean>;
  /** Chunk ids in the live index. */
  heldIds(key: IndexKey): Promise<string[]>;
  /** Chunk ids with a stored vector of the key's model. */
  storedIds(key: IndexKey): Promise<Set<string>>;
  /** Stored vectors of these chunk ids. */
  vectors(key: IndexKey, chunkIds: string[]): Promise<VectorEntry[]>;
  add(key: IndexKey, entries: VectorEntry[]): Promise<unknown>;
  remove(key: IndexKey, chunkIds: string[]): Promise<unknown>;
}

export interface CatchUpResult {
  added: number;
  removed: number;
  /** Whether the node held a copy of the index before the catch-up (a new one starts empty). */
  heldBefore: boolean;
}

/** Rows per statement when reading missing vectors (a statement's parameters are limited). */
const SLICE = 5000;

/**
 * Makes the index hold exactly the stored vectors: adds the missing ones, removes the ones whose
 * chunk is gone. The index's ids are read before the database's: every id the index holds was
 * stored before it was announced, so an id in the index and not in the database was deleted, never
 * merely stored after the database was read.
 */
export async function catchUpIndex(key: IndexKey, deps: CatchUpDeps): Promise<CatchUpResult> {
  const heldBefore = await deps.holds(key);
  const held = heldBefore ? await deps.heldIds(key) : [];
  const stored = await deps.storedIds(key);
  const heldSet = new Set(held);
  const missing = [...stored].filter((id) => !heldSet.has(id));
  const extra = held.filter((id) => !stored.has(id));
  for (let i = 0; i < missing.length; i += SLICE)
    await deps.add(key, await deps.vectors(key, missing.slice(i, i + SLICE)));
  if (extra.length > 0) await deps.remove(key, extra);
  return { added: missing.length, removed: extra.length, heldBefore };
}

export interface OwnershipOptions {
  /** How long after a change of the index nodes a catch-up still counts as possibly early. */
  settleMs: number;
  catchUp(key: IndexKey): Promise<unknown>;
  now?: () => number;
}

/**
 * Tracks which indexes this node has caught up since the index nodes last changed. `ensureCurrent`
 * runs before a node answers from (or adds to) an index; `changed` is called on every change of
 * the cluster's index nodes.
 */
export class IndexOwnership {
  private changedAt: number;
  private epoch = 0;
  /** Indexes caught up in this epoch, with when. */
  private readonly current = new Map<string, { epoch: number; at: number }>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: OwnershipOptions) {
    this.now = options.now ?? Date.now;
    // A node that just started has not caught anything up: everything counts as moved to it.
    this.changedAt = this.now();
  }

  /** The index nodes changed: every index is caught up again before this node next answers from it. */
  changed(): void {
    this.epoch++;
    this.changedAt = this.now();
    this.current.clear();
  }

  /** Whether the index was caught up late enough to need nothing now. */
  isCurrent(key: IndexKey): boolean {
    const c = this.current.get(indexPath(key));
    if (!c || c.epoch !== this.epoch) return false;
    const settledAt = this.changedAt + this.options.settleMs;
    // Caught up after the change settled, or the change is still settling (caught up once, for now).
    return c.at >= settledAt || this.now() < settledAt;
  }

  /** Catches the index up unless that is done for this epoch; concurrent callers share one run. */
  async ensureCurrent(key: IndexKey): Promise<void> {
    const id = indexPath(key);
    for (;;) {
      if (this.isCurrent(key)) return;
      const pending = this.running.get(id);
      if (pending) {
        await pending;
        continue;
      }
      const epoch = this.epoch;
      const at = this.now();
      const run = (async () => {
        await this.options.catchUp(key);
        // A change while it ran: this catch-up may have read the old picture; the loop runs another.
        if (this.epoch === epoch) this.current.set(id, { epoch, at });
      })().finally(() => this.running.delete(id));
      this.running.set(id, run);
      await run;
      if (this.epoch !== epoch) continue;
      return;
    }
  }

  /**
   * The index's content was set on purpose here (a rollback to an older version): it counts as
   * caught up for this epoch, or the catch-up due once the change settles would add back the
   * stored vectors the rollback left out. (A later change of the index nodes still catches it up
   * to the stored vectors.)
   */
  setByOwner(key: IndexKey): void {
    this.current.set(indexPath(key), {
      epoch: this.epoch,
      at: Math.max(this.now(), this.changedAt + this.options.settleMs),
    });
  }

  /** The index went away here (released, dropped): caught up again on next use. */
  forget(key: IndexKey): void {
    this.current.delete(indexPath(key));
  }
}
