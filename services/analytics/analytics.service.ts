import type { Context, ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction } from "../../core/define-action.ts";
import type { Db } from "../../models/db.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import * as C from "./contracts.ts";
import { activityFilter, csvAnswer, csvName, htmlReport, searchFilter } from "./dashboards.ts";
import {
  activityReport,
  activityRows,
  searchReport,
  searchRows,
  type ActivityTable,
  type SearchTable,
} from "./report.ts";

type Row = Record<string, string | number | null>;

/**
 * Activity dashboards of a dataset and search analytics of an org, cached per org and
 * parameters: the wiring. Contracts (params, guards, answers, caches) are in contracts.ts, the
 * logic in dashboards.ts and report.ts, the HTTP paths in routes.ts.
 */
export default function createAnalyticsService(app: AppContext): ServiceSchema {
  let db: Db;

  return {
    name: "analytics",
    mixins: [tenantMixin()],

    actions: {
      activity: defineAction(C.activity, async (ctx) =>
        activityReport(db, await activityFilter(db, ctx, ctx.params), ctx.params),
      ),

      activityTable: defineAction(C.activityTable, async (ctx) => {
        const { table, csv } = csvName(ctx.params.table);
        // Through the cached action: the JSON and the CSV of a table share one cache entry.
        const rows = await ctx.call<Row[], object>("analytics.activityRows", { ...ctx.params, table });
        return csv ? csvAnswer(ctx.meta, `${table}-${ctx.params.datasetId.slice(0, 8)}.csv`, rows) : { table, rows };
      }),

      activityRows: defineAction(C.activityRows, async (ctx) => {
        const table = ctx.params.table as ActivityTable;
        return activityRows(
          await activityReport(db, await activityFilter(db, ctx, ctx.params), ctx.params, [table]),
          table,
        );
      }),

      report: defineAction(C.report, async (ctx) => {
        const { html, filename } = await htmlReport(db, ctx, ctx.params);
        ctx.meta.$responseType = "text/html; charset=utf-8";
        ctx.meta.$responseHeaders = { "Content-Disposition": `attachment; filename="${filename}"` };
        return html;
      }),

      search: defineAction(C.search, (ctx) => searchReport(db, searchFilter(ctx, ctx.params), ctx.params)),

      searchTable: defineAction(C.searchTable, async (ctx) => {
        const { table, csv } = csvName(ctx.params.table);
        const rows = await ctx.call<Row[], object>("analytics.searchRows", { ...ctx.params, table });
        return csv ? csvAnswer(ctx.meta, `search-${table}.csv`, rows) : { table, rows };
      }),

      searchRows: defineAction(C.searchRows, async (ctx) => {
        const table = ctx.params.table as SearchTable;
        return searchRows(await searchReport(db, searchFilter(ctx, ctx.params), ctx.params, [table]), table);
      }),
    },

    events: {
      "import.completed"(this: AnalyticsService, ctx: Context<{ orgId?: string; datasetId?: string }>) {
        return this.forgetDataset(ctx.params);
      },
      "dataset.deleted"(this: AnalyticsService, ctx: Context<{ orgId?: string; datasetId?: string }>) {
        return this.forgetDataset(ctx.params);
      },
    },

    methods: {
      /** Cache keys start with the org and dataset ids (tenantCache order), so one dataset's entries go alone. */
      async forgetDataset(this: AnalyticsService, p: { orgId?: string; datasetId?: string }) {
        const cacher = this.broker.cacher;
        if (!cacher) return;
        if (!p.orgId || !p.datasetId) return cacher.clean("analytics.activity**");
        const prefix = `${p.orgId}|${p.datasetId}|`;
        await cacher.clean([`analytics.activity:${prefix}**`, `analytics.activityRows:${prefix}**`]);
      },
    },

    async started() {
      db = (await app.database()).db;
    },
  };
}

interface AnalyticsService {
  broker: { cacher?: { clean(match: string | string[]): Promise<unknown> } | null };
  forgetDataset(p: { orgId?: string; datasetId?: string }): Promise<void>;
}
