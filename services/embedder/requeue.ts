import { createHash } from "node:crypto";

/**
 * When to (re-)enqueue a dataset's pending work. The database says what is pending, not what
 * is already queued, so enqueuing on every sweep would pile duplicates onto a busy queue.
 * A dataset is enqueued again only when its vector count has not moved for `stallMs` (its
 * messages were dropped, or the node that held them died), or at once after `forget` (this
 * node knows its jobs were not published). A dataset this node has not seen yet is enqueued
 * at once only when `enqueueUnseen` says so: embedded, a restart loses whatever was queued;
 * on JetStream the queue outlives every node, and enqueuing what each embedder node sees first
 * would queue each new dataset once more per node.
 */
export class RequeuePolicy {
  private readonly seen = new Map<string, { embedded: number; since: number }>();
  /** Datasets whose jobs are known lost: enqueued on the next sweep. */
  private readonly due = new Set<string>();

  constructor(
    private readonly stallMs: number,
    private readonly options: { enqueueUnseen: boolean } = { enqueueUnseen: true },
  ) {}

  shouldEnqueue(datasetId: string, embedded: number, now = Date.now()): boolean {
    const due = this.due.delete(datasetId);
    const s = this.seen.get(datasetId);
    if (!s || due) {
      this.seen.set(datasetId, { embedded, since: now });
      return due || this.options.enqueueUnseen;
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
    this.due.delete(datasetId);
    this.seen.set(datasetId, { embedded: -1, since: now });
  }

  /** This dataset's jobs did not all reach the queue: the next sweep enqueues it whatever it saw. */
  forget(datasetId: string): void {
    this.seen.delete(datasetId);
    this.due.add(datasetId);
  }
}

/**
 * The JetStream message id of an embed job (`Nats-Msg-Id`): the same chunks of a dataset and
 * model published twice within the stream's duplicate window (2 minutes) are stored once, so
 * embedder nodes that find the same stalled dataset in their sweeps queue its work once.
 */
export function jobMessageId(job: { datasetId: string; modelId: string; chunkIds: readonly string[] }): string {
  const digest = createHash("sha256").update(job.chunkIds.join(",")).digest("hex").slice(0, 32);
  return `${job.datasetId}/${job.modelId}/${job.chunkIds.length}/${digest}`;
}
