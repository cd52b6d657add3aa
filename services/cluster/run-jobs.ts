import { JobQueue } from "../../core/job-queue.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import { ClientError } from "../../core/errors.ts";
import { orgOf } from "../../core/permissions.ts";
import { findOwned } from "../../mixins/tenant.mixin.ts";
import { datasets } from "../../models/schema.ts";
import type { RunParams } from "./contracts.ts";
import type { Caller, ClusterDeps } from "./deps.ts";
import { describeRunFailure } from "./run-errors.ts";
import {
  completeRun,
  createRun,
  embeddingsVersion,
  failRun,
  loadChunks,
  participantNameWords,
  representativeMessages,
  setProgress,
  toStoredResult,
  type RunRow,
} from "./runs.ts";
import { clusterChunksInWorker } from "./worker.ts";

/**
 * Topic runs as jobs of this node: started (checked, stored as queued, counted against the
 * org's quota), queued, computed on a worker thread with progress in the cluster_runs row,
 * stored or marked failed, and interrupted when the node stops.
 */

/** Progress rows are written at most this often: a run reports hundreds of steps. */
const PROGRESS_INTERVAL_MS = 500;
const MIN_CHUNKS = 3;

export interface RunJob {
  orgId: string;
  run: RunRow;
  /** The params the run was stored with. */
  params: RunParams;
  chunkCount: number;
}

export class RunJobs {
  /** Runs of this node, one at a time (each already uses a worker thread's full core), served round-robin by org. */
  private readonly queue: JobQueue<RunJob>;
  /** Runs being started (not queued yet): they count toward the org's quota. */
  private readonly starting = new OrgSlots();

  constructor(private readonly deps: ClusterDeps) {
    this.queue = new JobQueue<RunJob>(
      (job, signal) => executeRun(deps, job, signal),
      (job) => job.run.id,
    );
  }

  /** Checks and stores a run of the caller's dataset, queues it and hands back the queued row. */
  async start(caller: Caller, { datasetId, ...params }: RunParams & { datasetId: string }): Promise<RunRow> {
    const { db, config } = this.deps;
    if (params.kMin !== undefined && params.kMax !== undefined && params.kMin > params.kMax)
      throw new ClientError("VALIDATION_ERROR", "kMin must not exceed kMax", [{ field: "kMin", type: "range" }]);
    const dataset = await findOwned(db, caller, datasets, datasetId, "Dataset");
    const orgId = orgOf(caller);
    // One org's runs must not fill the queue every org shares (issue 15 M6): a run past the
    // quota is refused before anything is stored; runs being started count as well, or many
    // sent at once would all pass before any was queued.
    const release = this.starting.take(orgId, config.CLUSTER_MAX_QUEUED_PER_ORG, this.queue.countFor(orgId));
    if (!release)
      throw new ClientError(
        "QUOTA_EXCEEDED",
        `Your organisation already has ${config.CLUSTER_MAX_QUEUED_PER_ORG} topic runs queued or running; start another when one has ended`,
        { limit: config.CLUSTER_MAX_QUEUED_PER_ORG },
      );
    try {
      const { version, count } = await embeddingsVersion(db, orgId, datasetId, dataset.modelId);
      if (count < MIN_CHUNKS)
        throw new ClientError(
          "NOT_ENOUGH_DATA",
          `Clustering needs at least ${MIN_CHUNKS} embedded chunks; this dataset has ${count}`,
        );
      const run = await createRun(db, {
        orgId,
        datasetId,
        modelId: dataset.modelId,
        indexVersion: version,
        params,
        createdBy: caller.meta.auth?.userId ?? null,
      });
      void this.queue.add({ orgId, run, params, chunkCount: count });
      return run;
    } finally {
      release();
    }
  }

  /** Stops taking runs: the running one is aborted (and marked interrupted by executeRun), the queued ones never start. */
  async stop(): Promise<void> {
    const never = await this.queue.stop();
    const interrupted = describeRunFailure(undefined, "load", true);
    for (const job of never)
      await failRun(this.deps.db, job.run.id, { code: interrupted.code, message: interrupted.message }).catch(() => {});
  }
}

/** Computes one run: loads its chunks, clusters them on a worker thread, stores the result (or the failure). */
export async function executeRun(deps: ClusterDeps, job: RunJob, signal: AbortSignal): Promise<void> {
  const { db, clock, logger } = deps;
  const { run, params: p, chunkCount } = job;
  let lastWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  const report = (progress: number, stage: string) => {
    const now = clock();
    if (now - lastWrite < PROGRESS_INTERVAL_MS) return;
    lastWrite = now;
    writing = writing.then(() => setProgress(db, run.id, progress, stage, "running")).catch(() => {});
  };
  let stage: "load" | "compute" | "store" = "load";
  try {
    signal.throwIfAborted();
    await setProgress(db, run.id, 0, "load", "running");
    const chunks = await loadChunks(db, run, (n) => report((0.1 * n) / chunkCount, "load"));
    stage = "compute";
    const result = await clusterChunksInWorker(
      chunks,
      {
        k: p.k,
        autoK: { kMin: p.kMin, kMax: p.kMax },
        granularity: p.granularity,
        map: p.map ? { method: p.mapMethod } : false,
        seed: p.seed,
        excludeTerms: await participantNameWords(db, run.orgId, run.datasetId),
      },
      (fraction, stage) => report(0.1 + 0.85 * fraction, stage),
      { signal },
    );
    stage = "store";
    const representatives = await representativeMessages(
      db,
      run.orgId,
      result.clusters.flatMap((c) => c.representatives.map((r) => r.chunkId)),
    );
    await writing;
    await completeRun(db, run.id, toStoredResult(result, chunks, representatives));
    logger.info(`cluster run ${run.id}: ${chunks.length} chunks, k=${result.k}`);
  } catch (err) {
    await writing;
    // Never the error's message: a failed insert quotes the statement with the chat's text.
    const failure = describeRunFailure(err, stage, signal.aborted);
    logger.warn(`cluster run ${run.id} failed: ${failure.detail}`);
    await failRun(db, run.id, { code: failure.code, message: failure.message }).catch(() => {});
  }
}
