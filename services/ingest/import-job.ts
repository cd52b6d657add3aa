import { rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { and, eq, inArray, lt, ne, or, sql, isNull } from "drizzle-orm";
import type { Database } from "../../models/db.ts";
import { imports } from "../../models/schema.ts";
import { toClientError, toImportError, type ImportError } from "./client-errors.ts";
import { parseExportInWorker } from "./parse-in-worker.ts";
import { discardImportRows, ImportWriter, type ConversationMerge, type ImportTarget } from "./import-writer.ts";
import type { FormatName, MessageKind, ParseInput, ParseOptions, ParseWarning } from "./types.ts";
import type { ParseLimits } from "./io/limits.ts";

export interface ImportJob extends ImportTarget {
  /** The export on this node's disk: an upload's temp file or an operator's server-side path. */
  path: string;
  filename: string;
  format?: FormatName;
  options: ParseOptions;
  /** Delete `path` when the job ends (uploads; never an operator's own files). */
  removeFile: boolean;
  /** Bounds of the parse (the IMPORT_MAX_* settings); the documented defaults when absent. */
  limits?: Partial<ParseLimits>;
}

export interface ImportSummary {
  format: FormatName;
  messagesRead: number;
  messagesAdded: number;
  messagesByKind: Partial<Record<MessageKind, number>>;
  /** Of the messages read: system notices, and media (photos, videos, audio, documents, stickers). */
  systemNotices: number;
  mediaMessages: number;
  /** Messages read that the dataset already held under the same conversation (a re-import). */
  duplicatesSkipped: number;
  /** Messages read that an overlapping stored conversation already held (see `merged`). */
  duplicatesMerged: number;
  /** Conversations of this export folded into stored ones they overlap. */
  merged: ConversationMerge[];
  conversations: number;
  conversationsAdded: number;
  participants: number;
  participantsAdded: number;
  firstMessageAt: string | null;
  lastMessageAt: string | null;
  /** Lines or records that could not be read (each one is a warning). */
  skipped: number;
  warningCount: number;
  /** The first warnings, with their file and line or JSON path. */
  warnings: ParseWarning[];
  bytesRead: number;
  durationMs: number;
}

export const SUMMARY_WARNINGS = 50;
/** Messages per parser batch and per INSERT: large enough to amortise a round trip, small enough for bounded memory. */
export const WRITE_BATCH = 2000;
const PROGRESS_INTERVAL_MS = 1000;

function parseInput(
  job: Pick<ImportJob, "path" | "filename" | "format" | "options" | "limits">,
  signal?: AbortSignal,
): ParseInput {
  const input: ParseInput = {
    path: job.path,
    filename: job.filename,
    options: { ...job.options, batchSize: WRITE_BATCH },
  };
  if (job.format) input.format = job.format;
  if (signal) input.signal = signal;
  if (job.limits) input.limits = job.limits;
  return input;
}

/**
 * Detection and the first parse step, before the caller is told the upload was accepted: an
 * obviously bad file (unknown format, corrupt zip, invalid JSON at the start, empty) is refused
 * synchronously. Throws the mapped ClientError.
 */
export async function precheckExport(
  job: Pick<ImportJob, "path" | "filename" | "format" | "options" | "limits">,
): Promise<void> {
  const events = parseExportInWorker(parseInput(job));
  try {
    // The first batch, or the first 4 MiB (a progress event): what remains is the queued import's.
    for await (const event of events)
      if (event.type === "messages" || event.type === "summary" || event.type === "progress") break;
  } catch (err) {
    throw toClientError(err);
  } finally {
    await events.return(undefined);
  }
}

export interface RunHooks {
  nodeId: string;
  signal?: AbortSignal;
  /** Heartbeat silence after which another node's running import counts as dead (IMPORT_STALE_AFTER_S). */
  staleAfterMs?: number;
  /**
   * Whether the cluster still knows a node as connected: false (the node left or its heartbeats
   * stopped) lets a dead import be rolled back at once instead of after `staleAfterMs`;
   * undefined (not known, e.g. separate embedded processes) falls back to the heartbeat age.
   */
  nodeAlive?: (nodeId: string) => boolean | undefined;
  /** How often a job waiting for another import of its dataset looks again. */
  waitPollMs?: number;
  /** Called with what was read since the last call, about once a second (live metrics). */
  onProgress?: (delta: { messages: number; bytes: number }) => void;
}

export type ImportOutcome = { ok: true; summary: ImportSummary } | { ok: false; error: ImportError; cause: unknown };

/**
 * Runs one import to the end. Messages are committed batch by batch (each statement on its own),
 * and the imports row is updated about once a second with bytes and messages. On failure the
 * rows this import added are removed and the row is marked failed with the error's code,
 * message and location; nothing that existed before is touched.
 */
export async function runImport(database: Database, job: ImportJob, hooks: RunHooks): Promise<ImportOutcome> {
  const { db } = database;
  const started = Date.now();
  try {
    await claimDataset(database, job, hooks);
  } catch (cause) {
    const error = hooks.signal?.aborted ? INTERRUPTED : toImportError(cause);
    await failImport(database, job.importId, job.datasetId, error);
    if (job.removeFile) await rm(job.path, { force: true, recursive: true });
    return { ok: false, error, cause };
  }
  const writer = new ImportWriter(database, job);
  const s = {
    messagesRead: 0,
    messagesAdded: 0,
    byKind: {} as Partial<Record<MessageKind, number>>,
    first: Infinity,
    last: -Infinity,
    warnings: [] as ParseWarning[],
    bytesRead: 0,
    bytesTotal: 0,
  };
  let lastProgress = Date.now();
  let reported = { messages: 0, bytes: 0 };
  // One batch is written while the parser reads the next: parsing (here) and inserting (the server) overlap.
  let pending: Promise<void> = Promise.resolve();
  const write = (batch: Parameters<ImportWriter["messages"]>[0]) => {
    const previous = pending;
    pending = previous.then(async () => {
      s.messagesAdded += await writer.messages(batch);
    });
    // The failure is reported by the next await of `pending`, not as an unhandled rejection.
    pending.catch(() => {});
    return previous;
  };
  try {
    let summary: Awaited<ReturnType<typeof finish>> | undefined;
    // On a worker thread: the gateway and every other org's requests keep this one (parse-in-worker.ts).
    for await (const event of parseExportInWorker(parseInput(job, hooks.signal))) {
      switch (event.type) {
        case "conversation":
          await pending;
          await writer.conversation(event.conversation);
          break;
        case "participant":
          await pending;
          await writer.participant(event.participant);
          break;
        case "messages":
          for (const m of event.messages) {
            s.messagesRead++;
            s.byKind[m.kind] = (s.byKind[m.kind] ?? 0) + 1;
            const t = m.timestamp.getTime();
            if (t < s.first) s.first = t;
            if (t > s.last) s.last = t;
          }
          await write(event.messages);
          break;
        case "warning":
          if (s.warnings.length < SUMMARY_WARNINGS) s.warnings.push(event.warning);
          break;
        case "progress":
          s.bytesRead = event.bytesRead;
          s.bytesTotal = event.totalBytes;
          break;
        case "summary":
          summary = finish(event.summary);
          break;
      }
      if (Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        hooks.onProgress?.({ messages: s.messagesRead - reported.messages, bytes: s.bytesRead - reported.bytes });
        reported = { messages: s.messagesRead, bytes: s.bytesRead };
        await db
          .update(imports)
          .set({
            bytesRead: s.bytesRead,
            bytesTotal: s.bytesTotal,
            messagesRead: s.messagesRead,
            messagesAdded: s.messagesAdded,
            heartbeatAt: new Date(),
          })
          .where(eq(imports.id, job.importId));
      }
    }
    await pending;
    if (!summary) throw new Error("the parser ended without a summary");
    const addedBeforeMerge = s.messagesAdded;
    const merged = job.options.mergeOverlapping === false ? [] : await writer.mergeOverlaps(addedBeforeMerge);
    const duplicatesMerged = merged.reduce((sum, m) => sum + m.duplicates, 0);
    s.messagesAdded -= duplicatesMerged;
    summary = {
      ...summary,
      merged,
      duplicatesMerged,
      duplicatesSkipped: s.messagesRead - addedBeforeMerge,
      conversationsAdded: writer.conversationsAdded,
    };
    hooks.onProgress?.({ messages: s.messagesRead - reported.messages, bytes: s.bytesRead - reported.bytes });
    const result = { ...summary, messagesAdded: s.messagesAdded };
    const marked = await db
      .update(imports)
      .set({
        status: "completed",
        format: result.format,
        bytesRead: result.bytesRead,
        bytesTotal: Math.max(s.bytesTotal, result.bytesRead),
        messagesRead: result.messagesRead,
        messagesAdded: result.messagesAdded,
        summary: result,
        finishedAt: new Date(),
        heartbeatAt: new Date(),
      })
      // A job that was taken for dead (reaped while it was silent) must not come back as completed:
      // its rows were removed and a re-upload may already be counting on that.
      .where(and(eq(imports.id, job.importId), eq(imports.status, "running")))
      .returning({ id: imports.id });
    if (!marked.length)
      throw new Error("the import was rolled back by another node while it ran (its heartbeat went stale)");
    return { ok: true, summary: result };
  } catch (cause) {
    await pending.catch(() => {});
    const error = hooks.signal?.aborted ? INTERRUPTED : toImportError(cause);
    await failImport(database, job.importId, job.datasetId, error, s);
    return { ok: false, error, cause };
  } finally {
    if (job.removeFile) await rm(job.path, { force: true, recursive: true });
  }

  function finish(p: {
    format: FormatName;
    conversations: number;
    participants: number;
    skipped: number;
    warnings: number;
    bytesRead: number;
  }): ImportSummary {
    return {
      format: p.format,
      messagesRead: s.messagesRead,
      messagesAdded: s.messagesAdded,
      messagesByKind: s.byKind,
      systemNotices: s.byKind.system ?? 0,
      mediaMessages: (s.byKind.media ?? 0) + (s.byKind.sticker ?? 0),
      duplicatesSkipped: 0,
      duplicatesMerged: 0,
      merged: [],
      conversations: p.conversations,
      conversationsAdded: writer.conversationsAdded,
      participants: p.participants,
      participantsAdded: writer.participantsAdded,
      firstMessageAt: Number.isFinite(s.first) ? new Date(s.first).toISOString() : null,
      lastMessageAt: Number.isFinite(s.last) ? new Date(s.last).toISOString() : null,
      skipped: p.skipped,
      warningCount: p.warnings,
      warnings: s.warnings,
      bytesRead: p.bytesRead,
      durationMs: Date.now() - started,
    };
  }
}

/**
 * Makes this job the only running import of its dataset before it writes a row. Messages are
 * deduplicated against the dataset's rows (ON CONFLICT DO NOTHING), so a job that wrote while
 * another import of the same dataset was still unfinished would skip that import's rows, and
 * lose them when that import is rolled back (a crashed node's import, reaped later, took a
 * re-upload's messages with it). So: another running import of the dataset that is dead (its
 * node gone from the cluster, or its heartbeat older than `staleAfterMs`) is rolled back here and
 * now; one that is alive is waited for. The check and the switch to "running" happen in one
 * transaction holding the dataset row's lock, so two jobs of one dataset never both pass.
 */
export async function claimDataset(
  database: Database,
  job: Pick<ImportJob, "importId" | "datasetId">,
  hooks: RunHooks,
): Promise<void> {
  const staleAfterMs = hooks.staleAfterMs ?? 120_000;
  const pollMs = hooks.waitPollMs ?? 1000;
  for (;;) {
    hooks.signal?.throwIfAborted();
    const dead: string[] = [];
    const claimed = await database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from datasets where id = ${job.datasetId} for update`);
      const others = await tx
        .select({ id: imports.id, nodeId: imports.nodeId, heartbeatAt: imports.heartbeatAt })
        .from(imports)
        .where(and(eq(imports.datasetId, job.datasetId), eq(imports.status, "running"), ne(imports.id, job.importId)));
      let alive = 0;
      for (const o of others) {
        const silentMs = o.heartbeatAt ? Date.now() - o.heartbeatAt.getTime() : Infinity;
        const nodeGone = o.nodeId !== null && hooks.nodeAlive?.(o.nodeId) === false;
        if (nodeGone || silentMs > staleAfterMs) dead.push(o.id);
        else alive++;
      }
      if (dead.length || alive) return false;
      await tx
        .update(imports)
        .set({ status: "running", nodeId: hooks.nodeId, heartbeatAt: new Date() })
        .where(eq(imports.id, job.importId));
      return true;
    });
    if (claimed) return;
    // Rolled back outside the transaction (it deletes many rows); the next pass claims.
    for (const id of dead) await rollBackDead(database, id, job.datasetId);
    if (!dead.length) await delay(pollMs, undefined, hooks.signal ? { signal: hooks.signal } : {});
  }
}

export const INTERRUPTED: ImportError = {
  code: "IMPORT_INTERRUPTED",
  message: "The import was interrupted (node stopped or lost) and has been rolled back",
};

/** Removes an import's rows and marks it failed. */
export async function failImport(
  database: Database,
  importId: string,
  datasetId: string,
  error: ImportError,
  progress: { messagesRead?: number; bytesRead?: number } = {},
): Promise<void> {
  await discardImportRows(database, importId, datasetId);
  await database.db
    .update(imports)
    .set({
      status: "failed",
      error,
      messagesAdded: 0,
      ...(progress.messagesRead !== undefined ? { messagesRead: progress.messagesRead } : {}),
      ...(progress.bytesRead !== undefined ? { bytesRead: progress.bytesRead } : {}),
      finishedAt: new Date(),
    })
    .where(eq(imports.id, importId));
}

/**
 * Imports left queued or running by a node that stopped without finishing them: their rows are
 * removed and they are marked failed. `staleBeforeMs` is the heartbeat age that counts as dead;
 * `nodeId` also reaps that node's own jobs at once (it has just restarted, so none are alive).
 * Returns the ids reaped.
 */
export async function reapInterrupted(
  database: Database,
  o: { staleBeforeMs: number; nodeId?: string; all?: boolean },
): Promise<string[]> {
  const staleBefore = new Date(Date.now() - o.staleBeforeMs);
  const alive = inArray(imports.status, ["queued", "running"]);
  const dead = o.all
    ? undefined
    : or(
        lt(imports.heartbeatAt, staleBefore),
        isNull(imports.heartbeatAt),
        o.nodeId ? eq(imports.nodeId, o.nodeId) : undefined,
      );
  const rows = await database.db
    .select({ id: imports.id, datasetId: imports.datasetId })
    .from(imports)
    .where(and(alive, dead));
  const reaped: string[] = [];
  for (const row of rows) if (await rollBackDead(database, row.id, row.datasetId)) reaped.push(row.id);
  return reaped;
}

/**
 * Marks a dead import failed, then removes its rows; false when it had meanwhile ended (it was
 * alive after all, or another node's reaper got there first). Status first: a crash between the
 * two leaves rows that a re-upload deduplicates against, never a completed import's rows removed.
 */
async function rollBackDead(database: Database, importId: string, datasetId: string): Promise<boolean> {
  const marked = await database.db
    .update(imports)
    .set({ status: "failed", error: INTERRUPTED, messagesAdded: 0, finishedAt: new Date() })
    .where(and(eq(imports.id, importId), inArray(imports.status, ["queued", "running"])))
    .returning({ id: imports.id });
  if (!marked.length) return false;
  await discardImportRows(database, importId, datasetId);
  return true;
}

/** Keeps this node's queued and running jobs from looking dead to other nodes' reapers. */
export async function touchImports(database: Database, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await database.db
    .update(imports)
    .set({ heartbeatAt: sql`now()` })
    .where(inArray(imports.id, ids));
}
