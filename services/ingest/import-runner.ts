import { randomUUID } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { Errors } from "moleculer";
import type { Config } from "../../config/index.ts";
import { ClientError } from "../../core/errors.ts";
import { JobQueue } from "../../core/job-queue.ts";
import type { Logger } from "../../core/logger.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import type { Database } from "../../models/db.ts";
import { findDataset } from "./datasets.ts";
import {
  failImport,
  INTERRUPTED,
  precheckExport,
  reapInterrupted,
  runImport,
  touchImports,
  type ImportJob,
} from "./import-job.ts";
import { isTimeZone, safeFilename, toParseOptions, type ImportOptionParams } from "./import-options.ts";
import { parseLimitsFromConfig } from "./io/limits.ts";
import { warmParseWorker } from "./parse-in-worker.ts";
import { importById, importStatuses, recordQueuedImport } from "./queries.ts";
import { saveUpload } from "./upload-file.ts";

/** How often, at most, this node marks its jobs alive (IMPORT_STALE_AFTER_S is the silence after which a job counts as dead). */
const HEARTBEAT_MS = 15_000;
/** An upload file this old with no live import is left over from a crash. */
const ORPHAN_FILE_AGE_MS = 10 * 60_000;

/** The import counters and gauges (core/metrics.ts), bound to the node's broker. */
export interface ImportMetrics {
  active(count: number): void;
  progress(progress: { format: string; messages: number; bytes?: number }): void;
  finished(outcome: { format: string; status: "completed" | "failed"; durationSeconds: number }): void;
}

export interface ImportRunnerDeps {
  database: Database;
  config: Config;
  /** This node's id, recorded on the imports it runs. */
  nodeId: string;
  /** Whether another node is alive (undefined when the registry does not know it). */
  nodeAlive(nodeId: string): boolean | undefined;
  /** Tells the cluster an import completed (the embedder chunks it). */
  completed(event: { orgId: string; datasetId: string; importId: string; messagesAdded: number }): Promise<void>;
  metrics: ImportMetrics;
  logger: Logger;
  clock?: () => number;
}

/** Who uploads: the caller's org and account. */
export interface Uploader {
  orgId: string;
  userId: string | null;
}

export type UploadQuery = ImportOptionParams & { datasetId: string; filename?: string };

function validationError(field: string, message: string) {
  return new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
    { type: "custom", field, message },
  ]);
}

/**
 * Imports on this node: uploads received and checked, then run one at a time by this node's
 * queue (served round-robin by org); jobs of dead nodes (and of this node before a restart)
 * rolled back; leftover upload files removed. The service only wires it to the broker.
 */
export class ImportRunner {
  readonly queue: JobQueue<ImportJob>;
  /** Uploads being received or prechecked, not queued yet: they count toward the org's quota. */
  private readonly receiving = new OrgSlots();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly staleAfterMs: number;
  private readonly parseLimits;
  private readonly now: () => number;

  constructor(private readonly deps: ImportRunnerDeps) {
    this.staleAfterMs = deps.config.IMPORT_STALE_AFTER_S * 1000;
    this.parseLimits = parseLimitsFromConfig(deps.config);
    this.now = deps.clock ?? Date.now;
    this.queue = new JobQueue<ImportJob>(
      (job, signal) => this.runJob(job, signal),
      (job) => job.importId,
    );
  }

  /**
   * Receives an upload's body into a file, checks it and queues its import. The body's errors
   * are already held (defineStreamAction), as saveUpload needs.
   */
  async upload(who: Uploader, body: Readable, query: UploadQuery, multipartName: string | undefined) {
    const { config } = this.deps;
    if (query.timeZone && !isTimeZone(query.timeZone)) throw validationError("timeZone", "Unknown IANA time zone");
    await findDataset(this.deps.database.db, who.orgId, query.datasetId);
    // Before the body is read: one org's uploads must not fill the queue every org shares (issue 15 M6).
    // Uploads still arriving count too, or many sent at once would all pass before any was queued.
    const release = this.receiving.take(who.orgId, config.IMPORT_MAX_QUEUED_PER_ORG, this.queue.countFor(who.orgId));
    if (!release)
      throw new ClientError(
        "QUOTA_EXCEEDED",
        `Your organisation already has ${config.IMPORT_MAX_QUEUED_PER_ORG} imports queued or running; upload again when one has ended`,
        { limit: config.IMPORT_MAX_QUEUED_PER_ORG },
      );
    try {
      const importId = randomUUID();
      const filename = safeFilename(multipartName ?? query.filename);
      const saved = await saveUpload(body, config.uploadDir, config.UPLOAD_MAX_BYTES, importId);
      const { format, options } = toParseOptions(query);
      const job: ImportJob = {
        importId,
        orgId: who.orgId,
        datasetId: query.datasetId,
        path: saved.path,
        filename,
        options,
        removeFile: true,
        ...(format ? { format } : {}),
      };
      return (await this.enqueue(job, saved.bytes, who.userId)).row;
    } finally {
      // Queued by now (counted by the queue), or refused.
      release();
    }
  }

  /**
   * An operator's import of a file, zip or folder on this node's disk (an org's dataset, or any
   * dataset when `orgId` is null). With `wait`, answers the import's final row once it ended.
   */
  async importPath(
    orgId: string | null,
    userId: string | null,
    p: ImportOptionParams & { datasetId: string; path: string; wait?: boolean },
  ) {
    const { datasetId, path: source, wait, ...rest } = p;
    if (rest.timeZone && !isTimeZone(rest.timeZone)) throw validationError("timeZone", "Unknown IANA time zone");
    const dataset = await findDataset(this.deps.database.db, orgId, datasetId);
    const full = path.resolve(source);
    const info = await stat(full).catch(() => null);
    if (!info) throw new ClientError("NOT_FOUND", `No file or folder at ${full}`);
    const { format, options } = toParseOptions(rest);
    const job: ImportJob = {
      importId: randomUUID(),
      orgId: dataset.orgId,
      datasetId,
      path: full,
      filename: path.basename(full),
      options,
      removeFile: false,
      ...(format ? { format } : {}),
    };
    const { row, finished } = await this.enqueue(job, info.isFile() ? info.size : 0, userId);
    if (!wait) return row;
    await finished;
    return importById(this.deps.database.db, job.importId);
  }

  /**
   * Checks the export synchronously (detection and first batch), records the import as queued
   * and hands it to this node's queue: the file is on this node's disk.
   */
  private async enqueue(job: ImportJob, bytesTotal: number, createdBy: string | null) {
    job.limits ??= this.parseLimits;
    try {
      await precheckExport(job);
    } catch (err) {
      if (job.removeFile) await rm(job.path, { force: true });
      throw err;
    }
    const row = await recordQueuedImport(this.deps.database.db, job, {
      bytesTotal,
      createdBy,
      nodeId: this.deps.nodeId,
    });
    return { row, finished: this.queue.add(job) };
  }

  private async runJob(job: ImportJob, signal: AbortSignal) {
    const { deps } = this;
    const started = this.now();
    const format = job.format ?? "auto";
    deps.metrics.active(this.queue.ids().length);
    const outcome = await runImport(deps.database, job, {
      nodeId: deps.nodeId,
      signal,
      staleAfterMs: this.staleAfterMs,
      // This node runs one job at a time, so another running import under its own id is a
      // previous life's; other nodes count as gone once the registry has marked them so.
      nodeAlive: (nodeId: string) => (nodeId === deps.nodeId ? false : deps.nodeAlive(nodeId)),
      onProgress: (delta) => deps.metrics.progress({ format, ...delta }),
    });
    deps.metrics.finished({
      format: outcome.ok ? outcome.summary.format : format,
      status: outcome.ok ? "completed" : "failed",
      durationSeconds: (this.now() - started) / 1000,
    });
    if (outcome.ok) {
      deps.logger.info(
        `Import ${job.importId} completed: ${outcome.summary.messagesAdded} of ${outcome.summary.messagesRead} messages added`,
      );
      await deps.completed({
        orgId: job.orgId,
        datasetId: job.datasetId,
        importId: job.importId,
        messagesAdded: outcome.summary.messagesAdded,
      });
    } else if (outcome.error.code === "INTERNAL_ERROR")
      deps.logger.error(`Import ${job.importId} failed`, outcome.cause);
    else deps.logger.info(`Import ${job.importId} failed: ${outcome.error.code} ${outcome.error.message}`);
  }

  /** Jobs of nodes that died (or of this node before a restart) are rolled back and marked failed. */
  private async reap(atStart: boolean) {
    const embedded = this.deps.config.TRANSPORTER === "none";
    const ids = await reapInterrupted(this.deps.database, {
      staleBeforeMs: this.staleAfterMs,
      all: atStart && embedded,
      nodeId: atStart ? this.deps.nodeId : undefined,
    });
    if (ids.length) this.deps.logger.warn(`Rolled back ${ids.length} interrupted import(s): ${ids.join(", ")}`);
    if (atStart) await this.removeOrphanFiles();
  }

  /** Upload files named after imports that are no longer queued or running, or after none (a crash mid-upload). */
  private async removeOrphanFiles() {
    const dir = this.deps.config.uploadDir;
    const files = await readdir(dir).catch(() => [] as string[]);
    const ids = files.filter((f) => /^[0-9a-f-]{36}\.upload$/.test(f)).map((f) => f.slice(0, 36));
    const status = await importStatuses(this.deps.database.db, ids);
    for (const id of ids) {
      const s = status.get(id);
      if (s === "queued" || s === "running") continue;
      const file = path.join(dir, `${id}.upload`);
      const info = await stat(file).catch(() => null);
      // Without a row the upload may still be arriving on another process sharing this folder.
      if (info && (s !== undefined || this.now() - info.mtimeMs > ORPHAN_FILE_AGE_MS)) await rm(file, { force: true });
    }
  }

  /** Rolls back what a previous life left, then keeps this node's jobs marked alive and reaps dead nodes' jobs. */
  async start() {
    warmParseWorker(this.parseLimits.maxParseHeapMb);
    await this.reap(true);
    // Several heartbeats fit in the stale window, so one slow heartbeat never gets a live job reaped.
    const heartbeatMs = Math.min(HEARTBEAT_MS, this.staleAfterMs / 4);
    const { logger } = this.deps;
    this.timers.push(
      setInterval(
        () =>
          void touchImports(this.deps.database, this.queue.ids()).catch((err) =>
            logger.warn("Import heartbeat failed", err),
          ),
        heartbeatMs,
      ),
      setInterval(
        () => void this.reap(false).catch((err: unknown) => logger.warn("Import reaper failed", err)),
        this.staleAfterMs / 2,
      ),
    );
    for (const t of this.timers) t.unref();
  }

  /** The running job rolls itself back when aborted; jobs never started are failed here. */
  async stop() {
    for (const t of this.timers) clearInterval(t);
    for (const job of await this.queue.stop()) {
      await failImport(this.deps.database, job.importId, job.datasetId, INTERRUPTED).catch((err) =>
        this.deps.logger.warn("Could not fail import", err),
      );
      if (job.removeFile) await rm(job.path, { force: true });
    }
  }
}
