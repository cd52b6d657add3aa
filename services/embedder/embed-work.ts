import { datasetsWithPendingWork, type DatasetWork } from "../../lib/embed-backlog.ts";
import { retryUntil } from "../../lib/retry.ts";
import { CHUNK_CHANNEL, JOB_CHANNEL } from "./channels.ts";
import { importsAwaitingChunking, markImportChunked, rechunkImport, type ImportRef } from "./chunk-store.ts";
import { ClientError } from "../../core/errors.ts";
import { orgOf } from "../../core/permissions.ts";
import type { Db } from "../../models/db.ts";
import type { Caller, EmbedderDeps } from "./deps.ts";
import {
  chunksToEmbed,
  datasetWork,
  pendingChunkIds,
  planJobs,
  progressForOrg,
  storeVectors,
  type EmbedJob,
} from "./embed-jobs.ts";
import { embedTexts } from "./embedding.ts";

/**
 * An import's way to vectors on this node: chunking asked for (import.completed → a durable
 * chunk request), chunks written and planned into embed jobs, jobs embedded and stored, and the
 * sweep that re-enqueues work nobody is doing (lost requests, stalled datasets), with the
 * backlog gauge.
 */

/** How long work may stand still before the sweep enqueues it again. */
export const STALL_MS = 5 * 60_000;
const CHUNK_PUBLISH_GIVE_UP_MS = 15 * 60_000;

/** How far the caller's dataset is embedded. */
export async function embeddingProgress(db: Db, caller: Pick<Caller, "meta">, p: { datasetId: string }) {
  const progress = await progressForOrg(db, orgOf(caller), p.datasetId);
  if (!progress) throw new ClientError("NOT_FOUND", "Dataset not found");
  return progress;
}

export class EmbedWork {
  /** Imports this node is chunking now (the sweep leaves them alone). */
  private readonly chunking = new Set<string>();
  /** Models whose backlog gauge was set, so they are reset to 0 once caught up. */
  private readonly backlogModels: Set<string>;
  private sweeping: Promise<number> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: EmbedderDeps) {
    // The default model's backlog reads 0 from the first sweep, not only once it had work (issue 19).
    this.backlogModels = new Set([deps.config.DEFAULT_MODEL]);
  }

  /** import.completed: chunking goes through a durable channel, so a node dying mid-way leaves it queued. */
  async importCompleted(p: ImportRef & { messagesAdded?: number }): Promise<void> {
    if (p.messagesAdded === 0) return;
    const { orgId, datasetId, importId } = p;
    // This event is the only record that the import waits for chunking: a publish that fails
    // (NATS restarting) is retried until it goes through, or the import would never be embedded.
    await retryUntil(() => this.deps.node.publish(CHUNK_CHANNEL, { orgId, datasetId, importId }), {
      giveUpAfterMs: CHUNK_PUBLISH_GIVE_UP_MS,
      onRetry: (err) =>
        this.deps.logger.warn(`embedder: chunking of import ${importId} not queued yet (${err.message}); retrying`),
    });
  }

  private async enqueueChunks(work: DatasetWork, chunkIds: string[]): Promise<void> {
    try {
      for (const job of planJobs(work, chunkIds, this.deps.config.EMBED_BATCH_CHUNKS))
        await this.deps.node.publish(JOB_CHANNEL, job);
    } catch (err) {
      // Jobs that could not be published (NATS away) are lost: the next sweep re-enqueues the
      // dataset's pending chunks at once instead of after the stall time.
      this.deps.requeue.forget(work.datasetId);
      throw err;
    }
  }

  /** Chunks still without a vector, per model, for the backlog gauge (models that caught up go to 0). */
  private reportBacklog(pending: { modelId: string; chunks: number; embedded: number }[]): void {
    const byModel = new Map<string, number>([...this.backlogModels].map((m) => [m, 0]));
    for (const w of pending) byModel.set(w.modelId, (byModel.get(w.modelId) ?? 0) + w.chunks - w.embedded);
    for (const [model, chunks] of byModel) {
      this.deps.node.setEmbedBacklog({ model, chunks });
      this.backlogModels.add(model);
    }
  }

  /** Enqueues the pending chunks of every dataset whose work is not moving; returns how many datasets. */
  enqueuePending(): Promise<number> {
    const { db, logger, requeue, node, clock } = this.deps;
    this.sweeping ??= (async () => {
      let n = 0;
      // Imports whose chunking never finished, long after they completed: chunking again is
      // idempotent (only missing chunks are written), so a slow one redone costs only time.
      for (const ref of await importsAwaitingChunking(db, new Date(clock() - STALL_MS))) {
        if (this.chunking.has(ref.importId)) continue;
        logger.warn(`embedder: import ${ref.importId} was never chunked (its request was lost); asking again`);
        await node.publish(CHUNK_CHANNEL, ref);
      }
      const pending = await datasetsWithPendingWork(db);
      this.reportBacklog(pending);
      for (const work of pending) {
        if (!requeue.shouldEnqueue(work.datasetId, work.embedded)) continue;
        n++;
        for await (const ids of pendingChunkIds(db, work)) await this.enqueueChunks(work, ids);
      }
      return n;
    })().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Once jobs can be published: a sweep now, then one every `intervalMs`. */
  async startSweeping(intervalMs: number): Promise<void> {
    const { logger } = this.deps;
    await this.enqueuePending().catch((err: Error) => logger.error(`embedder: start-up sweep failed: ${err.message}`));
    this.sweepTimer = setInterval(() => {
      void this.enqueuePending().catch((err: Error) => logger.warn(`embedder: sweep failed: ${err.message}`));
    }, intervalMs).unref();
  }

  /** Stops sweeping; waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping?.catch(() => undefined);
  }

  /** A chunk request: chunks the import, plans its embed jobs, marks it chunked. */
  async handleChunkRequest(ref: ImportRef): Promise<void> {
    const { db, requeue, node, logger } = this.deps;
    const work = await datasetWork(db, ref.datasetId);
    if (!work || work.orgId !== ref.orgId) return;
    requeue.enqueued(work.datasetId);
    this.chunking.add(ref.importId);
    const result = await rechunkImport(db, ref, {
      chunking: this.deps.chunkingConfig,
      onInserted: (ids) => this.enqueueChunks(work, ids),
    }).finally(() => this.chunking.delete(ref.importId));
    // A redelivered request (its first try failed, e.g. publishing jobs while NATS restarted)
    // finds its chunks stored and enqueues nothing: the sweep must enqueue whatever of them is
    // still without a vector, at once rather than after the stall time.
    if (result.inserted === 0) requeue.forget(work.datasetId);
    if (result.deletedIds.length > 0)
      node.emit("chunks.deleted", { orgId: ref.orgId, datasetId: ref.datasetId, chunkIds: result.deletedIds });
    await markImportChunked(db, ref);
    // The last vectors may have been stored before this mark: the index commits its version now.
    node.emit("import.chunked", { orgId: ref.orgId, datasetId: ref.datasetId, modelId: work.modelId });
    logger.info(
      `embedder: chunked import ${ref.importId}: ${result.conversations} conversations, ${result.inserted} new chunks, ${result.deletedIds.length} removed`,
    );
  }

  /** An embed job: the chunks still without a vector are embedded and stored, and every stored one announced. */
  async handleEmbedJob(job: EmbedJob): Promise<void> {
    const { db, node } = this.deps;
    const todo = await chunksToEmbed(db, job);
    // A redelivered job whose vectors were stored before its node died (and before it could
    // announce them) announces them now, or the index would never get them. The index adds a
    // chunk it already holds by replacing it, and ignores ids without a stored vector.
    const pending = new Set(todo.map((c) => c.id));
    const announced = job.chunkIds.filter((id) => !pending.has(id));
    if (todo.length > 0) {
      const { vectors } = await embedTexts(
        this.deps,
        null,
        job.modelId,
        todo.map((c) => c.text),
      );
      announced.push(
        ...(await storeVectors(
          db,
          job,
          todo.map((c, i) => ({ chunkId: c.id, vector: vectors[i]! })),
        )),
      );
    }
    if (announced.length > 0)
      node.emit("embeddings.stored", {
        orgId: job.orgId,
        datasetId: job.datasetId,
        modelId: job.modelId,
        chunkIds: announced,
      });
  }
}
