import type { Context, ServiceSchema } from "moleculer";
import type { SearchFilter } from "./search-analytics.ts";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import { findOwned, tenantCache, tenantMixin } from "../../mixins/tenant.mixin.ts";
import { datasets } from "../../models/schema.ts";
import type { AppContext } from "../../core/app-context.ts";
import { ClientError } from "../../core/errors.ts";
import { ref, str } from "../../core/json-schema.ts";
import { latestCompletedRun } from "../cluster/runs.ts";
import type { ActivityFilter } from "./activity.ts";
import { renderReport } from "./report-html.ts";
import {
  ACTIVITY_TABLES,
  SEARCH_TABLES,
  activityReport,
  activityRows,
  searchReport,
  searchRows,
  toCsv,
  type ActivityTable,
  type SearchTable,
} from "./report.ts";

type Ctx<P> = Context<P, CallMeta & { $responseType?: string; $responseHeaders?: Record<string, string> }>;

interface ActivityParams {
  datasetId: string;
  table?: ActivityTable;
  from?: Date;
  to?: Date;
  conversationId?: string;
  participantIds?: string[];
  tz: string;
  granularity: "day" | "week" | "month";
  gapHours: number;
  top: number;
}

interface SearchParams {
  table?: SearchTable;
  from?: Date;
  to?: Date;
  mode?: string;
  datasetId?: string;
  tz: string;
  granularity: "day" | "week" | "month";
  top: number;
}

const DB_TIMEOUT = 30_000;
const granularity = { type: "enum", values: ["day", "week", "month"], default: "week" } as const;
const range = {
  from: { type: "date", convert: true, optional: true },
  to: { type: "date", convert: true, optional: true },
} as const;
const tz = { type: "string", min: 1, max: 64, default: "UTC" } as const;
const top = { type: "number", integer: true, min: 1, max: 100, convert: true, default: 20 } as const;

const activityParams = {
  $$strict: true,
  datasetId: { type: "uuid" },
  ...range,
  conversationId: { type: "uuid", optional: true },
  participantIds: { type: "array", items: "uuid", max: 100, convert: true, optional: true },
  tz,
  granularity,
  gapHours: { type: "number", min: 0.1, max: 720, convert: true, default: 4 },
  top,
} as const;
const activityKeys = [
  "datasetId",
  "from",
  "to",
  "conversationId",
  "participantIds",
  "tz",
  "granularity",
  "gapHours",
  "top",
];

const searchParams = {
  $$strict: true,
  ...range,
  mode: { type: "string", min: 1, max: 32, optional: true },
  datasetId: { type: "uuid", optional: true },
  tz,
  granularity,
  top,
} as const;
const searchKeys = ["from", "to", "mode", "datasetId", "tz", "granularity", "top"];

type Row = Record<string, string | number | null>;

const csvName = (name: string) =>
  name.endsWith(".csv") ? { table: name.slice(0, -4), csv: true } : { table: name, csv: false };

function checkTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new ClientError("VALIDATION_ERROR", `Unknown time zone: ${zone}`, [{ field: "tz", type: "timeZone" }]);
  }
}

/** Activity dashboards of a dataset and search analytics of an org, cached per org and parameters. */
export default function createAnalyticsService(app: AppContext): ServiceSchema {
  return {
    name: "analytics",
    mixins: [dbMixin(app), tenantMixin()],

    actions: {
      /**
       * Every activity table of a dataset: summary, messages over time, weekday × hour heatmap
       * (in `tz`), top participants, message lengths, reply delays, conversation starters,
       * streaks, emoji, link domains, words and n-grams.
       */
      activity: {
        visibility: "published",
        openapi: { summary: "Activity dashboard of a dataset (every table)", response: ref("ActivityReport") },
        permissions: ["analytics.read"],
        timeout: DB_TIMEOUT,
        cache: tenantCache(...activityKeys),
        params: activityParams,
        async handler(this: AnalyticsService, ctx: Ctx<ActivityParams>) {
          return activityReport(this.db, await this.activityFilter(ctx), ctx.params);
        },
      },

      /**
       * One activity table as flat rows (`table` is one of ACTIVITY_TABLES), or as a CSV
       * download when the name ends in ".csv" (`heatmap.csv`).
       */
      activityTable: {
        visibility: "published",
        openapi: {
          summary: "One activity table as rows, or CSV for a name ending in .csv",
          response: ref("AnalyticsTable"),
          content: { "text/csv": str },
        },
        permissions: ["analytics.read"],
        timeout: DB_TIMEOUT,
        params: {
          ...activityParams,
          table: { type: "enum", values: [...ACTIVITY_TABLES, ...ACTIVITY_TABLES.map((t) => `${t}.csv`)] },
        },
        async handler(this: AnalyticsService, ctx: Ctx<ActivityParams & { table: string }>) {
          const { table, csv } = csvName(ctx.params.table);
          const rows = await ctx.call<Row[], ActivityParams>("analytics.activityRows", {
            ...ctx.params,
            table: table as ActivityTable,
          });
          return csv ? this.sendCsv(ctx, `${table}-${ctx.params.datasetId.slice(0, 8)}.csv`, rows) : { table, rows };
        },
      },

      /** The cached rows behind activityTable (JSON and CSV share one cache entry). */
      activityRows: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        cache: tenantCache("datasetId", "table", ...activityKeys.slice(1)),
        params: { ...activityParams, table: { type: "enum", values: [...ACTIVITY_TABLES] } },
        async handler(this: AnalyticsService, ctx: Ctx<ActivityParams & { table: ActivityTable }>) {
          const { table } = ctx.params;
          return activityRows(
            await activityReport(this.db, await this.activityFilter(ctx), ctx.params, [table]),
            table,
          );
        },
      },

      /**
       * The shareable report: one self-contained HTML file (inline CSS and SVG, no script,
       * no request) with the dashboards and the newest completed topic run, as a download.
       */
      report: {
        visibility: "published",
        openapi: {
          summary: "A self-contained HTML report of the dashboards and topics (opens offline)",
          response: str,
          content: { "text/html": str },
        },
        permissions: ["analytics.read"],
        timeout: 120_000,
        params: activityParams,
        async handler(this: AnalyticsService, ctx: Ctx<ActivityParams>) {
          const filter = await this.activityFilter(ctx);
          const dataset = await findOwned(this.db, ctx, datasets, ctx.params.datasetId, "Dataset");
          const activity = await activityReport(this.db, filter, ctx.params);
          const run = await latestCompletedRun(this.db, filter.orgId, filter.datasetId);
          const r = run?.result;
          const html = renderReport({
            datasetName: dataset.name,
            generatedAt: new Date(),
            timeZone: ctx.params.tz,
            activity,
            ...(r
              ? {
                  topics: {
                    totalChunks: r.totalChunks,
                    clusters: r.clusters.map((c) => ({
                      id: c.id,
                      label: c.label,
                      size: c.size,
                      terms: c.terms.map((t) => t.term),
                    })),
                    parents: r.hierarchy?.parents,
                    map: r.map ? { x: r.map.x, y: r.map.y, cluster: r.map.cluster } : undefined,
                  },
                }
              : {}),
          });
          const slug =
            dataset.name
              .normalize("NFKD")
              .replace(/[^\w-]+/g, "-")
              .replace(/^-+|-+$/g, "")
              .slice(0, 60) || "dataset";
          ctx.meta.$responseType = "text/html; charset=utf-8";
          ctx.meta.$responseHeaders = { "Content-Disposition": `attachment; filename="chatlens-report-${slug}.html"` };
          return html;
        },
      },

      /** Search volume over time, top and zero-result queries, latency percentiles by mode, of the caller's org. */
      search: {
        visibility: "published",
        openapi: { summary: "Search analytics of the organisation", response: ref("SearchReport") },
        permissions: ["analytics.read"],
        timeout: DB_TIMEOUT,
        // The search log grows with every query: a short life instead of event-driven cleaning.
        cache: { ...tenantCache(...searchKeys), ttl: 60 },
        params: searchParams,
        async handler(this: AnalyticsService, ctx: Ctx<SearchParams>) {
          return searchReport(this.db, this.searchFilter(ctx), ctx.params);
        },
      },

      /** One search table as rows, or CSV when the name ends in ".csv". */
      searchTable: {
        visibility: "published",
        openapi: {
          summary: "One search-analytics table as rows, or CSV for a name ending in .csv",
          response: ref("AnalyticsTable"),
          content: { "text/csv": str },
        },
        permissions: ["analytics.read"],
        timeout: DB_TIMEOUT,
        params: {
          ...searchParams,
          table: { type: "enum", values: [...SEARCH_TABLES, ...SEARCH_TABLES.map((t) => `${t}.csv`)] },
        },
        async handler(this: AnalyticsService, ctx: Ctx<SearchParams & { table: string }>) {
          const { table, csv } = csvName(ctx.params.table);
          const rows = await ctx.call<Row[], SearchParams>("analytics.searchRows", {
            ...ctx.params,
            table: table as SearchTable,
          });
          return csv ? this.sendCsv(ctx, `search-${table}.csv`, rows) : { table, rows };
        },
      },

      searchRows: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        cache: { ...tenantCache("table", ...searchKeys), ttl: 60 },
        params: { ...searchParams, table: { type: "enum", values: [...SEARCH_TABLES] } },
        async handler(this: AnalyticsService, ctx: Ctx<SearchParams & { table: SearchTable }>) {
          const { table } = ctx.params;
          return searchRows(await searchReport(this.db, this.searchFilter(ctx), ctx.params, [table]), table);
        },
      },
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
      async activityFilter(this: AnalyticsService, ctx: Ctx<ActivityParams>): Promise<ActivityFilter> {
        const p = ctx.params;
        checkTimeZone(p.tz);
        await findOwned(this.db, ctx, datasets, p.datasetId, "Dataset");
        return {
          orgId: orgOf(ctx),
          datasetId: p.datasetId,
          conversationId: p.conversationId,
          participantIds: p.participantIds,
          from: p.from,
          to: p.to,
          timeZone: p.tz,
        };
      },

      searchFilter(this: AnalyticsService, ctx: Ctx<SearchParams>) {
        const p = ctx.params;
        checkTimeZone(p.tz);
        return { orgId: orgOf(ctx), from: p.from, to: p.to, mode: p.mode, datasetId: p.datasetId, timeZone: p.tz };
      },

      sendCsv(ctx: Ctx<unknown>, filename: string, rows: Row[]) {
        ctx.meta.$responseType = "text/csv; charset=utf-8";
        ctx.meta.$responseHeaders = { "Content-Disposition": `attachment; filename="${filename}"` };
        return toCsv(rows);
      },

      /** Cache keys start with the org and dataset ids (tenantCache order), so one dataset's entries go alone. */
      async forgetDataset(this: AnalyticsService, p: { orgId?: string; datasetId?: string }) {
        const cacher = this.broker.cacher;
        if (!cacher) return;
        if (!p.orgId || !p.datasetId) return cacher.clean("analytics.activity**");
        const prefix = `${p.orgId}|${p.datasetId}|`;
        await cacher.clean([`analytics.activity:${prefix}**`, `analytics.activityRows:${prefix}**`]);
      },
    },
  };
}

interface AnalyticsService extends DbService {
  activityFilter(ctx: Ctx<ActivityParams>): Promise<ActivityFilter>;
  searchFilter(ctx: Ctx<SearchParams>): SearchFilter;
  sendCsv(ctx: Ctx<unknown>, filename: string, rows: Row[]): string;
  forgetDataset(p: { orgId?: string; datasetId?: string }): Promise<void>;
}
