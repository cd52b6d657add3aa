import { randomUUID } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { eq, inArray } from "drizzle-orm";
import { Errors, type Context, type ServiceSchema } from "moleculer";
import { auditMixin } from "../../mixins/audit.mixin.ts";
import { recordImport, recordImportProgress, setImportsActive } from "../../core/metrics.ts";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import { imports } from "../../models/schema.ts";
import type { AppContext } from "../../core/app-context.ts";
import { ClientError } from "../../core/errors.ts";
import { JobQueue } from "../../core/job-queue.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import {
  activeImportCount,
  createDataset,
  deleteDataset,
  findDataset,
  getDataset,
  listDatasets,
  updateDataset,
  type DatasetPatch,
} from "./datasets.ts";
import { KEYWORD_LANGUAGE_CHOICES } from "../../lib/text/keyword-languages.ts";
import {
  failImport,
  INTERRUPTED,
  precheckExport,
  reapInterrupted,
  runImport,
  touchImports,
  type ImportJob,
} from "./import-job.ts";
import {
  IMPORT_OPTION_PARAMS,
  isTimeZone,
  safeFilename,
  toParseOptions,
  type ImportOptionParams,
} from "./import-options.ts";
import { parseLimitsFromConfig } from "./io/limits.ts";
import { FORMAT_NAMES } from "./parse-export.ts";
import { warmParseWorker } from "./parse-in-worker.ts";
import {
  getImport,
  getMessageWithContext,
  importView,
  listConversations,
  listImports,
  listMessages,
  listParticipants,
} from "./queries.ts";
import { holdStreamErrors, saveUpload } from "./upload-file.ts";
import { arrayOf, constant, itemsOf, obj, ref, str, uuid as uuidSchema } from "../../core/json-schema.ts";

type Meta = CallMeta & {
  $statusCode?: number;
  $location?: string;
  filename?: string;
  $params?: Record<string, unknown>;
};
type Ctx<P = Record<string, any>> = Context<P, Meta>;

interface IngestService extends DbService {
  queue: JobQueue<ImportJob>;
  /** Uploads being received or prechecked, not queued yet: they count toward the org's quota. */
  receiving: OrgSlots;
  checkUploadParams: (p: unknown) => true | unknown[] | Promise<true | unknown[]>;
  timers: NodeJS.Timeout[];
  [method: string]: any;
}

const uuid = { type: "uuid" } as const;
const DB_TIMEOUT = 15_000;
/** How often, at most, this node marks its jobs alive (IMPORT_STALE_AFTER_S is the silence after which a job counts as dead). */
const HEARTBEAT_MS = 15_000;
/** An upload file this old with no live import is left over from a crash. */
const ORPHAN_FILE_AGE_MS = 10 * 60_000;

function validationError(field: string, message: string) {
  return new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
    { type: "custom", field, message },
  ]);
}

/** A dataset's keyword-search language: one of the analysers, "auto" to detect it, or null for the platform's default. */
const KEYWORD_LANGUAGE_PARAM = {
  type: "enum",
  values: [...KEYWORD_LANGUAGE_CHOICES],
  optional: true,
  nullable: true,
} as const;

export default function createIngestService(app: AppContext): ServiceSchema {
  const { config } = app;
  const staleAfterMs = config.IMPORT_STALE_AFTER_S * 1000;
  // Several heartbeats fit in the stale window, so one slow heartbeat never gets a live job reaped.
  const heartbeatMs = Math.min(HEARTBEAT_MS, staleAfterMs / 4);
  const parseLimits = parseLimitsFromConfig(config);

  return {
    name: "ingest",
    mixins: [dbMixin(app), tenantMixin(), auditMixin()],

    actions: {
      listFormats: {
        visibility: "published",
        openapi: { summary: "Export formats the importer reads", response: obj({ formats: arrayOf(str) }) },
        permissions: ["datasets.read"],
        params: { $$strict: true },
        handler() {
          return { formats: FORMAT_NAMES };
        },
      },

      // ── datasets ──────────────────────────────────────────────────────────
      listDatasets: {
        visibility: "published",
        openapi: { summary: "Datasets of the organisation", response: itemsOf(ref("Dataset")) },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: IngestService, ctx: Ctx) {
          return { items: await listDatasets(this.db, orgOf(ctx)) };
        },
      },
      createDataset: {
        visibility: "published",
        openapi: { summary: "Create a dataset", response: ref("Dataset"), successStatus: 201 },
        permissions: ["datasets.write"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          name: { type: "string", min: 1, max: 200, trim: true },
          description: { type: "string", max: 2000, trim: true, optional: true },
          keywordLanguage: KEYWORD_LANGUAGE_PARAM,
        },
        async handler(
          this: IngestService,
          ctx: Ctx<{ name: string; description?: string; keywordLanguage?: string | null }>,
        ) {
          const dataset = await createDataset(this.db, {
            orgId: orgOf(ctx),
            name: ctx.params.name,
            description: ctx.params.description,
            keywordLanguage: ctx.params.keywordLanguage,
            modelId: config.DEFAULT_MODEL,
            createdBy: ctx.meta.auth?.userId ?? null,
          });
          ctx.meta.$statusCode = 201;
          ctx.meta.$location = `/api/datasets/${dataset.id}`;
          return dataset;
        },
      },
      getDataset: {
        visibility: "published",
        openapi: { summary: "A dataset with its counts", response: ref("Dataset") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string }>) {
          return getDataset(this.db, orgOf(ctx), ctx.params.datasetId);
        },
      },
      updateDataset: {
        visibility: "published",
        openapi: {
          summary: "Rename or describe a dataset, or set its keyword-search language",
          response: ref("Dataset"),
        },
        permissions: ["datasets.write"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          name: { type: "string", min: 1, max: 200, trim: true, optional: true },
          description: { type: "string", max: 2000, trim: true, optional: true },
          keywordLanguage: KEYWORD_LANGUAGE_PARAM,
        },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string } & DatasetPatch>) {
          const { datasetId, ...patch } = ctx.params;
          const before =
            patch.keywordLanguage === undefined ? undefined : await findDataset(this.db, orgOf(ctx), datasetId);
          const dataset = await updateDataset(this.db, orgOf(ctx), datasetId, patch);
          // Every index node rebuilds its keyword index of the dataset with the new language.
          if (before && before.keywordLanguage !== dataset.keywordLanguage)
            await this.broker.broadcast("dataset.keywordLanguageChanged", { orgId: orgOf(ctx), datasetId });
          return dataset;
        },
      },
      deleteDataset: {
        visibility: "published",
        openapi: {
          summary: "Delete a dataset and everything in it",
          response: obj({ id: uuidSchema, deleted: constant(true) }),
        },
        permissions: ["datasets.delete"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string }>) {
          const orgId = orgOf(ctx);
          const { datasetId } = ctx.params;
          await findDataset(this.db, orgId, datasetId);
          // A running job would fail on its next batch and its rollback would race the cascade.
          if (await activeImportCount(this.db, datasetId))
            throw new ClientError(
              "CONFLICT",
              "An import of this dataset is queued or running; delete it when the import has ended",
            );
          const row = await deleteDataset(this.db, orgId, datasetId);
          await this.audit(ctx, "dataset.deleted", { target: datasetId, data: { name: row.name } });
          await ctx.emit("dataset.deleted", { orgId, datasetId });
          return { id: datasetId, deleted: true };
        },
      },

      // ── imports ───────────────────────────────────────────────────────────
      /**
       * The body arrives as a stream (multipart file or raw request body), so `params` is the
       * stream itself; route and query parameters are validated from `meta.$params` instead.
       */
      upload: {
        visibility: "published",
        openapi: { summary: "Upload a chat export; the import is queued", response: ref("Import"), successStatus: 202 },
        permissions: ["datasets.write"],
        timeout: 0,
        async handler(this: IngestService, ctx: Ctx<Readable>) {
          holdStreamErrors(ctx.params);
          const orgId = orgOf(ctx);
          const params = { ...ctx.meta.$params } as unknown as ImportOptionParams & {
            datasetId: string;
            filename?: string;
          };
          const checked = await this.checkUploadParams(params);
          if (checked !== true)
            throw new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", checked);
          if (params.timeZone && !isTimeZone(params.timeZone))
            throw validationError("timeZone", "Unknown IANA time zone");
          await findDataset(this.db, orgId, params.datasetId);
          // Before the body is read: one org's uploads must not fill the queue every org shares (issue 15 M6).
          // Uploads still arriving count too, or many sent at once would all pass before any was queued.
          const release = this.receiving.take(orgId, config.IMPORT_MAX_QUEUED_PER_ORG, this.queue.countFor(orgId));
          if (!release) {
            throw new ClientError(
              "QUOTA_EXCEEDED",
              `Your organisation already has ${config.IMPORT_MAX_QUEUED_PER_ORG} imports queued or running; upload again when one has ended`,
              { limit: config.IMPORT_MAX_QUEUED_PER_ORG },
            );
          }
          try {
            const importId = randomUUID();
            const filename = safeFilename(ctx.meta.filename ?? params.filename);
            const saved = await saveUpload(ctx.params, config.uploadDir, config.UPLOAD_MAX_BYTES, importId);
            const { format, options } = toParseOptions(params);
            const job: ImportJob = {
              importId,
              orgId,
              datasetId: params.datasetId,
              path: saved.path,
              filename,
              options,
              removeFile: true,
            };
            if (format) job.format = format;
            const { row } = await this.enqueue(ctx, job, saved.bytes);
            ctx.meta.$statusCode = 202;
            ctx.meta.$location = `/api/imports/${importId}`;
            return row;
          } finally {
            // Queued by now (counted by the queue), or refused.
            release();
          }
        },
      },

      /**
       * Operators: import an export (file, zip or extracted folder) from a path on this node's
       * disk, from the REPL or bin/import.ts. Not reachable over HTTP. `wait` returns when the
       * job has ended, with its final row.
       */
      importPath: {
        visibility: "public",
        timeout: 0,
        params: {
          $$strict: true,
          datasetId: uuid,
          path: { type: "string", min: 1, max: 4096 },
          wait: { type: "boolean", optional: true },
          ...IMPORT_OPTION_PARAMS,
        },
        async handler(
          this: IngestService,
          ctx: Ctx<ImportOptionParams & { datasetId: string; path: string; wait?: boolean }>,
        ) {
          const { datasetId, path: source, wait, ...rest } = ctx.params;
          if (rest.timeZone && !isTimeZone(rest.timeZone)) throw validationError("timeZone", "Unknown IANA time zone");
          const dataset = await findDataset(this.db, ctx.meta.auth?.orgId ?? null, datasetId);
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
          };
          if (format) job.format = format;
          const { row, finished } = await this.enqueue(ctx, job, info.isFile() ? info.size : 0);
          if (!wait) return row;
          await finished;
          return importView((await this.db.select().from(imports).where(eq(imports.id, job.importId)))[0]!);
        },
      },
      listImports: {
        visibility: "published",
        openapi: { summary: "Imports of a dataset, newest first", response: itemsOf(ref("Import")) },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          limit: { type: "number", integer: true, min: 1, max: 200, convert: true, optional: true },
        },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string; limit?: number }>) {
          const orgId = orgOf(ctx);
          await findDataset(this.db, orgId, ctx.params.datasetId);
          return { items: await listImports(this.db, orgId, ctx.params.datasetId, ctx.params.limit ?? 50) };
        },
      },
      getImport: {
        visibility: "published",
        openapi: { summary: "Status and summary of an import", response: ref("Import") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, importId: uuid },
        async handler(this: IngestService, ctx: Ctx<{ importId: string }>) {
          return getImport(this.db, orgOf(ctx), ctx.params.importId);
        },
      },

      // ── reading what was imported ─────────────────────────────────────────
      listConversations: {
        visibility: "published",
        openapi: { summary: "Conversations of a dataset", response: itemsOf(ref("Conversation")) },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string }>) {
          const orgId = orgOf(ctx);
          await findDataset(this.db, orgId, ctx.params.datasetId);
          return { items: await listConversations(this.db, orgId, ctx.params.datasetId) };
        },
      },
      listParticipants: {
        visibility: "published",
        openapi: { summary: "Participants of a dataset", response: itemsOf(ref("Participant")) },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string }>) {
          const orgId = orgOf(ctx);
          await findDataset(this.db, orgId, ctx.params.datasetId);
          return { items: await listParticipants(this.db, orgId, ctx.params.datasetId) };
        },
      },
      listMessages: {
        visibility: "published",
        openapi: { summary: "Messages of a conversation, one page", response: ref("MessagePage") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          conversationId: uuid,
          cursor: { type: "string", min: 1, max: 64, optional: true },
          order: { type: "enum", values: ["asc", "desc"], optional: true },
          limit: { type: "number", integer: true, min: 1, max: 500, convert: true, optional: true },
          from: { type: "date", convert: true, optional: true },
          to: { type: "date", convert: true, optional: true },
          participantId: { type: "uuid", optional: true },
          kind: {
            type: "enum",
            values: ["text", "media", "system", "deleted", "call", "poll", "sticker", "location", "contact"],
            optional: true,
          },
          q: { type: "string", min: 1, max: 500, optional: true },
        },
        async handler(
          this: IngestService,
          ctx: Ctx<{
            datasetId: string;
            conversationId: string;
            cursor?: string;
            order?: "asc" | "desc";
            limit?: number;
            from?: Date;
            to?: Date;
            participantId?: string;
            kind?: string;
            q?: string;
          }>,
        ) {
          const { limit, order, ...rest } = ctx.params;
          return listMessages(this.db, { ...rest, orgId: orgOf(ctx), order: order ?? "asc", limit: limit ?? 100 });
        },
      },
      getMessage: {
        visibility: "published",
        openapi: { summary: "A message with its neighbours", response: ref("MessageInContext") },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          messageId: { type: "number", integer: true, positive: true, convert: true },
          context: { type: "number", integer: true, min: 0, max: 50, convert: true, optional: true },
        },
        async handler(this: IngestService, ctx: Ctx<{ datasetId: string; messageId: number; context?: number }>) {
          return getMessageWithContext(
            this.db,
            orgOf(ctx),
            ctx.params.datasetId,
            ctx.params.messageId,
            ctx.params.context ?? 5,
          );
        },
      },
    },

    methods: {
      /**
       * Checks the export synchronously (detection and first batch), records the import as
       * queued and hands it to this node's queue: the file is on this node's disk.
       */
      async enqueue(this: IngestService, ctx: Ctx, job: ImportJob, bytesTotal: number) {
        job.limits ??= parseLimits;
        try {
          await precheckExport(job);
        } catch (err) {
          if (job.removeFile) await rm(job.path, { force: true });
          throw err;
        }
        const [row] = await this.db
          .insert(imports)
          .values({
            id: job.importId,
            orgId: job.orgId,
            datasetId: job.datasetId,
            format: job.format ?? null,
            filename: job.filename,
            status: "queued",
            bytesTotal,
            options: { ...job.options, ...(job.format ? { format: job.format } : {}) },
            createdBy: ctx.meta.auth?.userId ?? null,
            nodeId: this.broker.nodeID,
            heartbeatAt: new Date(),
          })
          .returning();
        return { row: importView(row!), finished: this.queue.add(job) };
      },

      async runJob(this: IngestService, job: ImportJob, signal: AbortSignal) {
        const started = Date.now();
        const format = job.format ?? "auto";
        setImportsActive(this.broker, this.queue.ids().length);
        const outcome = await runImport(this.database, job, {
          nodeId: this.broker.nodeID,
          signal,
          staleAfterMs,
          // This node runs one job at a time, so another running import under its own id is a
          // previous life's; other nodes count as gone once the registry has marked them so.
          nodeAlive: (nodeId: string) =>
            nodeId === this.broker.nodeID ? false : this.broker.registry.nodes.get(nodeId)?.available,
          onProgress: (delta) => recordImportProgress(this.broker, { format, ...delta }),
        });
        recordImport(this.broker, {
          format: outcome.ok ? outcome.summary.format : format,
          status: outcome.ok ? "completed" : "failed",
          durationSeconds: (Date.now() - started) / 1000,
        });
        if (outcome.ok) {
          this.logger.info(
            `Import ${job.importId} completed: ${outcome.summary.messagesAdded} of ${outcome.summary.messagesRead} messages added`,
          );
          await this.broker.emit("import.completed", {
            orgId: job.orgId,
            datasetId: job.datasetId,
            importId: job.importId,
            messagesAdded: outcome.summary.messagesAdded,
          });
        } else if (outcome.error.code === "INTERNAL_ERROR")
          this.logger.error(`Import ${job.importId} failed`, outcome.cause);
        else this.logger.info(`Import ${job.importId} failed: ${outcome.error.code} ${outcome.error.message}`);
      },

      /** Jobs of nodes that died (or of this node before a restart) are rolled back and marked failed. */
      async reap(this: IngestService, atStart: boolean) {
        const embedded = config.TRANSPORTER === "none";
        const ids = await reapInterrupted(this.database, {
          staleBeforeMs: staleAfterMs,
          all: atStart && embedded,
          nodeId: atStart ? this.broker.nodeID : undefined,
        });
        if (ids.length) this.logger.warn(`Rolled back ${ids.length} interrupted import(s): ${ids.join(", ")}`);
        if (atStart) await this.removeOrphanFiles();
      },

      /** Upload files named after imports that are no longer queued or running, or after none (a crash mid-upload). */
      async removeOrphanFiles(this: IngestService) {
        const files = await readdir(config.uploadDir).catch(() => [] as string[]);
        const ids = files.filter((f) => /^[0-9a-f-]{36}\.upload$/.test(f)).map((f) => f.slice(0, 36));
        if (!ids.length) return;
        const status = new Map(
          (
            await this.db
              .select({ id: imports.id, status: imports.status })
              .from(imports)
              .where(inArray(imports.id, ids))
          ).map((r) => [r.id, r.status]),
        );
        for (const id of ids) {
          const s = status.get(id);
          if (s === "queued" || s === "running") continue;
          const file = path.join(config.uploadDir, `${id}.upload`);
          const info = await stat(file).catch(() => null);
          // Without a row the upload may still be arriving on another process sharing this folder.
          if (info && (s !== undefined || Date.now() - info.mtimeMs > ORPHAN_FILE_AGE_MS))
            await rm(file, { force: true });
        }
      },
    },

    created(this: IngestService) {
      this.queue = new JobQueue<ImportJob>(
        (job, signal) => this.runJob(job, signal),
        (job) => job.importId,
      );
      this.receiving = new OrgSlots();
      this.checkUploadParams = this.broker.validator!.compile({
        $$strict: true,
        datasetId: uuid,
        filename: { type: "string", min: 1, max: 255, optional: true },
        ...IMPORT_OPTION_PARAMS,
      } as never) as IngestService["checkUploadParams"];
      this.timers = [];
    },

    async started(this: IngestService) {
      warmParseWorker(parseLimits.maxParseHeapMb);
      await this.reap(true);
      this.timers.push(
        setInterval(
          () =>
            void touchImports(this.database, this.queue.ids()).catch((err) =>
              this.logger.warn("Import heartbeat failed", err),
            ),
          heartbeatMs,
        ),
        setInterval(
          () => void this.reap(false).catch((err: unknown) => this.logger.warn("Import reaper failed", err)),
          staleAfterMs / 2,
        ),
      );
      for (const t of this.timers) t.unref();
    },

    async stopped(this: IngestService) {
      for (const t of this.timers) clearInterval(t);
      // The running job rolls itself back when aborted; jobs never started are failed here.
      for (const job of await this.queue.stop()) {
        await failImport(this.database, job.importId, job.datasetId, INTERRUPTED).catch((err) =>
          this.logger.warn("Could not fail import", err),
        );
        if (job.removeFile) await rm(job.path, { force: true });
      }
    },
  } as unknown as ServiceSchema;
}
