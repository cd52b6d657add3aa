/**
 * Import jobs of one node run one at a time, in arrival order: parsing and inserting already
 * use a core each, so concurrent imports would only thrash. In a cluster, uploads are balanced
 * across ingest nodes and each node works through its own queue.
 */
export class JobQueue<J extends { importId: string }> {
  private readonly waiting: { job: J; finished: () => void }[] = [];
  private current: { job: J; abort: AbortController; done: Promise<void> } | undefined;
  private stopped = false;

  constructor(private readonly run: (job: J, signal: AbortSignal) => Promise<void>) {}

  /** Ids of the jobs this node holds (queued or running), for heartbeats. */
  ids(): string[] {
    return [...(this.current ? [this.current.job.importId] : []), ...this.waiting.map((w) => w.job.importId)];
  }

  /** Queues a job; the promise settles when it has run (never rejects: the runner records failures). */
  add(job: J): Promise<void> {
    if (this.stopped) throw new Error("the import queue is stopped");
    const finished = new Promise<void>((resolve) => this.waiting.push({ job, finished: resolve }));
    this.next();
    return finished;
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  /** Stops taking jobs, aborts the running one, and hands back the ones never started. */
  async stop(): Promise<J[]> {
    this.stopped = true;
    const never = this.waiting.splice(0);
    if (this.current) {
      this.current.abort.abort(new Error("import queue stopped"));
      await this.current.done;
    }
    for (const w of never) w.finished();
    return never.map((w) => w.job);
  }

  private next(): void {
    if (this.current || this.stopped) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    const { job } = entry;
    const abort = new AbortController();
    const done = this.run(job, abort.signal)
      .catch(() => {})
      .finally(() => {
        this.current = undefined;
        entry.finished();
        this.next();
      });
    this.current = { job, abort, done };
  }
}
