/**
 * When to (re-)enqueue a dataset's pending work. The database says what is pending, not what
 * is already queued, so enqueuing on every sweep would pile duplicates onto a busy queue.
 * A dataset is enqueued when this node has not seen it yet (start-up: whatever was queued
 * before may be lost), and again only when its vector count has not moved for `stallMs`
 * (its messages were dropped, or the node that held them died).
 */
export class RequeuePolicy {
  private readonly seen = new Map<string, { embedded: number; since: number }>();

  constructor(private readonly stallMs: number) {}

  shouldEnqueue(datasetId: string, embedded: number, now = Date.now()): boolean {
    const s = this.seen.get(datasetId);
    if (!s) {
      this.seen.set(datasetId, { embedded, since: now });
      return true;
    }
    if (s.embedded !== embedded) {
      s.embedded = embedded;
      s.since = now;
      return false;
    }
    if (now - s.since < this.stallMs) return false;
    s.since = now;
    return true;
  }

  /** Work was just enqueued by other means (an import): give it time before the sweep doubles it. */
  enqueued(datasetId: string, now = Date.now()): void {
    this.seen.set(datasetId, { embedded: -1, since: now });
  }

  forget(datasetId: string): void {
    this.seen.delete(datasetId);
  }
}
