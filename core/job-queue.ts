/**
 * A node's queue of long jobs run one at a time (imports: parsing and inserting already use a
 * core each; topic runs: a worker thread's full core), so concurrent jobs would only thrash. In a
 * cluster each node works through its own queue.
 *
 * The queue is shared by every org, so it is served round-robin by org (each org's jobs in arrival
 * order): ten jobs queued by one org delay another org's job by at most one job per org ahead of
 * it, not by all ten (issue 15 M6). `countFor` gives the per-org quotas their count.
 */
export class JobQueue<J extends { orgId?: string }> {
  private readonly waiting: { job: J; finished: () => void }[] = [];
  private current: { job: J; abort: AbortController; done: Promise<void> } | undefined;
  private stopped = false;
  private lastOrg: string | undefined;

  constructor(
    private readonly run: (job: J, signal: AbortSignal) => Promise<void>,
    private readonly idOf: (job: J) => string,
  ) {}

  /** Ids of the jobs this node holds (queued or running), for heartbeats. */
  ids(): string[] {
    return [...(this.current ? [this.idOf(this.current.job)] : []), ...this.waiting.map((w) => this.idOf(w.job))];
  }

  /** Jobs of one org queued or running on this node, for the per-org quota. */
  countFor(orgId: string): number {
    return (this.current?.job.orgId === orgId ? 1 : 0) + this.waiting.filter((w) => w.job.orgId === orgId).length;
  }

  /** Queues a job; the promise settles when it has run (never rejects: the runner records failures). */
  add(job: J): Promise<void> {
    if (this.stopped) throw new Error("the job queue is stopped");
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
      this.current.abort.abort(new Error("job queue stopped"));
      await this.current.done;
    }
    for (const w of never) w.finished();
    return never.map((w) => w.job);
  }

  /** The oldest job of the org after the last one served, in the order the orgs first queued. */
  private nextIndex(): number {
    if (this.waiting.length <= 1 || this.lastOrg === undefined) return 0;
    const orgs: (string | undefined)[] = [];
    for (const w of this.waiting) if (!orgs.includes(w.job.orgId)) orgs.push(w.job.orgId);
    const at = orgs.indexOf(this.lastOrg);
    const org = orgs[(at + 1) % orgs.length];
    return this.waiting.findIndex((w) => w.job.orgId === org);
  }

  private next(): void {
    if (this.current || this.stopped) return;
    const entry = this.waiting.splice(this.nextIndex(), 1)[0];
    if (!entry) return;
    this.lastOrg = entry.job.orgId;
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
