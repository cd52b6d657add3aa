import type { Context, ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { recordAudit } from "../../core/audit.ts";
import { defineAction, defineStreamAction } from "../../core/define-action.ts";
import { recordImport, recordImportProgress, setImportsActive } from "../../core/metrics.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import type { Db } from "../../models/db.ts";
import * as C from "./contracts.ts";
import { changeDataset, removeDataset, type DatasetAnnouncer } from "./dataset-changes.ts";
import { createDataset, findDataset, getDataset, listDatasets, setPinnedVersion } from "./datasets.ts";
import { ImportRunner } from "./import-runner.ts";
import { FORMAT_NAMES } from "./parse-export.ts";
import {
  getImport,
  getMessageWithContext,
  listConversations,
  listImports,
  listMessages,
  listParticipants,
} from "./queries.ts";

/**
 * Datasets, imports and what they hold: the wiring. Contracts (params, guards, answers) are in
 * contracts.ts; imports are received, queued, run and reaped by import-runner.ts; the rest of
 * the logic is in datasets.ts, dataset-changes.ts and queries.ts; HTTP paths in routes.ts.
 */
export default function createIngestService(app: AppContext): ServiceSchema {
  const { config } = app;
  let db: Db;
  let runner: ImportRunner;

  /** What a dataset change tells others, from this call (the audit entry carries its caller). */
  const announcer = (ctx: Context<unknown, CallMeta>): DatasetAnnouncer => ({
    keywordLanguageChanged: (event) => ctx.broker.broadcast("dataset.keywordLanguageChanged", event),
    deleted: async ({ orgId, datasetId, name }) => {
      await recordAudit(ctx, ctx.service!.logger, "dataset.deleted", { target: datasetId, data: { name } });
      await ctx.emit("dataset.deleted", { orgId, datasetId });
    },
  });
  const userOf = (ctx: Context<unknown, CallMeta>) => ctx.meta.auth?.userId ?? null;
  /** A dataset of the caller's org must exist before its contents are listed. */
  const ownDataset = async (ctx: Context<unknown, CallMeta>, datasetId: string) => {
    await findDataset(db, orgOf(ctx), datasetId);
    return orgOf(ctx);
  };

  return {
    name: "ingest",
    mixins: [tenantMixin()],

    actions: {
      listFormats: defineAction(C.listFormats, () => ({ formats: FORMAT_NAMES })),

      listDatasets: defineAction(C.listDatasets, async (ctx) => ({ items: await listDatasets(db, orgOf(ctx)) })),
      createDataset: defineAction(C.createDataset, async (ctx) => {
        const dataset = await createDataset(db, {
          ...ctx.params,
          orgId: orgOf(ctx),
          modelId: config.DEFAULT_MODEL,
          createdBy: userOf(ctx),
        });
        ctx.meta.$location = `/api/datasets/${dataset.id}`;
        return dataset;
      }),
      getDataset: defineAction(C.getDataset, (ctx) => getDataset(db, orgOf(ctx), ctx.params.datasetId)),
      updateDataset: defineAction(C.updateDataset, (ctx) => {
        const { datasetId, ...patch } = ctx.params;
        return changeDataset(db, announcer(ctx), orgOf(ctx), datasetId, patch);
      }),
      deleteDataset: defineAction(C.deleteDataset, (ctx) =>
        removeDataset(db, announcer(ctx), orgOf(ctx), ctx.params.datasetId),
      ),

      setPinnedVersion: defineAction(C.setPinnedVersion, async (ctx) => {
        await setPinnedVersion(db, ctx.params.datasetId, ctx.params.version);
        return { datasetId: ctx.params.datasetId, pinnedVersion: ctx.params.version };
      }),

      upload: defineStreamAction(C.upload, async (ctx, query) => {
        const row = await runner.upload(
          { orgId: orgOf(ctx), userId: userOf(ctx) },
          ctx.params,
          query,
          ctx.meta.filename,
        );
        ctx.meta.$location = `/api/imports/${row.id}`;
        return row;
      }),
      importPath: defineAction(C.importPath, (ctx) =>
        runner.importPath(ctx.meta.auth?.orgId ?? null, userOf(ctx), ctx.params),
      ),
      listImports: defineAction(C.listImports, async (ctx) => {
        const orgId = await ownDataset(ctx, ctx.params.datasetId);
        return { items: await listImports(db, orgId, ctx.params.datasetId, ctx.params.limit ?? 50) };
      }),
      getImport: defineAction(C.getImport, (ctx) => getImport(db, orgOf(ctx), ctx.params.importId)),

      listConversations: defineAction(C.listConversations, async (ctx) => {
        const orgId = await ownDataset(ctx, ctx.params.datasetId);
        return { items: await listConversations(db, orgId, ctx.params.datasetId) };
      }),
      listParticipants: defineAction(C.listParticipants, async (ctx) => {
        const orgId = await ownDataset(ctx, ctx.params.datasetId);
        return { items: await listParticipants(db, orgId, ctx.params.datasetId) };
      }),
      listMessages: defineAction(C.listMessages, (ctx) => {
        const { limit, order, ...rest } = ctx.params;
        return listMessages(db, { ...rest, orgId: orgOf(ctx), order: order ?? "asc", limit: limit ?? 100 });
      }),
      getMessage: defineAction(C.getMessage, (ctx) =>
        getMessageWithContext(db, orgOf(ctx), ctx.params.datasetId, ctx.params.messageId, ctx.params.context ?? 5),
      ),
    },

    async started() {
      const database = await app.database();
      db = database.db;
      const broker = this.broker;
      runner = new ImportRunner({
        database,
        config,
        nodeId: broker.nodeID,
        nodeAlive: (nodeId) => broker.registry.nodes.get(nodeId)?.available,
        completed: (event) => broker.emit("import.completed", event),
        metrics: {
          active: (count) => setImportsActive(broker, count),
          progress: (progress) => recordImportProgress(broker, progress),
          finished: (outcome) => recordImport(broker, outcome),
        },
        logger: this.logger,
      });
      await runner.start();
    },

    async stopped() {
      await runner?.stop();
    },
  };
}
