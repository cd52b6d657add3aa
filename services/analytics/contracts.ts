import { z } from "zod";
import { contract } from "../../core/define-action.ts";
import { ref, str } from "../../core/json-schema.ts";
import { tenantCache } from "../../mixins/tenant.mixin.ts";
import { ACTIVITY_TABLES, SEARCH_TABLES } from "./report.ts";

/**
 * Every analytics action's contract, declared once: params (validated by the broker, typed in
 * the handler, documented in OpenAPI), who may call it, its answer, cache and limits. Handlers
 * are in analytics.service.ts, the logic in dashboards.ts and report.ts, paths in routes.ts.
 */

const DB_TIMEOUT = 30_000;
const granularity = z.enum(["day", "week", "month"]).default("week");
const range = { from: z.coerce.date().optional(), to: z.coerce.date().optional() };
const tz = z.string().min(1).max(64).default("UTC");
const top = z.coerce.number().int().min(1).max(100).default(20);
/** A name of the list, or the same name with ".csv" (that table as a CSV download). */
const tableOrCsv = (tables: readonly [string, ...string[]]) =>
  z.enum([...tables, ...tables.map((t) => `${t}.csv`)] as [string, ...string[]]);

const activityShape = {
  datasetId: z.uuid(),
  ...range,
  conversationId: z.uuid().optional(),
  // ?participantIds=<one id> is a list of one.
  participantIds: z.array(z.uuid()).max(100).meta({ singleAsArray: true }).optional(),
  tz,
  granularity,
  gapHours: z.coerce.number().min(0.1).max(720).default(4),
  top,
};
export const activityParams = z.object(activityShape).strict();
const activityKeys = Object.keys(activityShape);

const searchShape = {
  ...range,
  mode: z.string().min(1).max(32).optional(),
  datasetId: z.uuid().optional(),
  tz,
  granularity,
  top,
};
export const searchParams = z.object(searchShape).strict();
const searchKeys = Object.keys(searchShape);

const published = {
  visibility: "published" as const,
  permissions: ["analytics.read" as const],
  timeout: DB_TIMEOUT,
};
const internal = { visibility: "public", timeout: DB_TIMEOUT } as const;

/**
 * Every activity table of a dataset: summary, messages over time, weekday × hour heatmap (in
 * `tz`), top participants, message lengths, reply delays, conversation starters, streaks, emoji,
 * link domains, words and n-grams, people, most reacted, calendar, sentiment, languages, calls.
 */
export const activity = contract({
  ...published,
  openapi: { summary: "Activity dashboard of a dataset (every table)", response: ref("ActivityReport") },
  cache: tenantCache(...activityKeys),
  params: activityParams,
});

/** One activity table as flat rows, or as a CSV download when the name ends in ".csv" (`heatmap.csv`). */
export const activityTable = contract({
  ...published,
  openapi: {
    summary: "One activity table as rows, or CSV for a name ending in .csv",
    response: ref("AnalyticsTable"),
    content: { "text/csv": str },
  },
  params: activityParams.extend({ table: tableOrCsv(ACTIVITY_TABLES) }),
});

/** The cached rows behind activityTable (JSON and CSV share one cache entry). */
export const activityRows = contract({
  ...internal,
  cache: tenantCache("datasetId", "table", ...activityKeys.slice(1)),
  params: activityParams.extend({ table: z.enum(ACTIVITY_TABLES) }),
});

/**
 * The shareable report: one self-contained HTML file (inline CSS and SVG, no script, no
 * request) with the dashboards and the newest completed topic run, as a download.
 */
export const report = contract({
  ...published,
  timeout: 120_000,
  openapi: {
    summary: "A self-contained HTML report of the dashboards and topics (opens offline)",
    response: str,
    content: { "text/html": str },
  },
  params: activityParams,
});

/** Search volume over time, top and zero-result queries, latency percentiles by mode, of the caller's org. */
export const search = contract({
  ...published,
  openapi: { summary: "Search analytics of the organisation", response: ref("SearchReport") },
  // The search log grows with every query: a short life instead of event-driven cleaning.
  cache: { ...tenantCache(...searchKeys), ttl: 60 },
  params: searchParams,
});

/** One search table as rows, or CSV when the name ends in ".csv". */
export const searchTable = contract({
  ...published,
  openapi: {
    summary: "One search-analytics table as rows, or CSV for a name ending in .csv",
    response: ref("AnalyticsTable"),
    content: { "text/csv": str },
  },
  params: searchParams.extend({ table: tableOrCsv(SEARCH_TABLES) }),
});

export const searchRows = contract({
  ...internal,
  cache: { ...tenantCache("table", ...searchKeys), ttl: 60 },
  params: searchParams.extend({ table: z.enum(SEARCH_TABLES) }),
});
