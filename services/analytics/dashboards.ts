import { Errors, type Context } from "moleculer";
import type { CallMeta } from "../../core/permissions.ts";
import { orgOf } from "../../core/permissions.ts";
import { ClientError } from "../../core/errors.ts";
import type { Db } from "../../models/db.ts";
import { datasets } from "../../models/schema.ts";
import { findOwned } from "../../mixins/tenant.mixin.ts";
import type { ActivityFilter, Granularity } from "./activity.ts";
import { renderReport, type ReportInput } from "./report-html.ts";
import { activityReport, toCsv } from "./report.ts";
import type { SearchFilter } from "./search-analytics.ts";

/** What the analytics actions do between the broker and the report modules: filters, the HTML report, CSV answers. */

type Caller = Context<unknown, CallMeta>;

export interface ActivityQuery {
  datasetId: string;
  from?: Date;
  to?: Date;
  conversationId?: string;
  participantIds?: string[];
  tz: string;
  granularity: Granularity;
  gapHours: number;
  top: number;
}

export interface SearchQuery {
  from?: Date;
  to?: Date;
  mode?: string;
  datasetId?: string;
  tz: string;
}

function checkTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new ClientError("VALIDATION_ERROR", `Unknown time zone: ${zone}`, [{ field: "tz", type: "timeZone" }]);
  }
}

/** The caller's org's dataset (NOT_FOUND for another org's), as an activity filter. */
export async function activityFilter(db: Db, caller: Caller, p: ActivityQuery): Promise<ActivityFilter> {
  return (await ownedDataset(db, caller, p)).filter;
}

/** The dataset row (read once) and its activity filter; checks the zone first. */
async function ownedDataset(db: Db, caller: Caller, p: ActivityQuery) {
  checkTimeZone(p.tz);
  const dataset = await findOwned(db, caller, datasets, p.datasetId, "Dataset");
  const filter: ActivityFilter = {
    orgId: orgOf(caller),
    datasetId: p.datasetId,
    conversationId: p.conversationId,
    participantIds: p.participantIds,
    from: p.from,
    to: p.to,
    timeZone: p.tz,
  };
  return { dataset, filter };
}

export function searchFilter(caller: Caller, p: SearchQuery): SearchFilter {
  checkTimeZone(p.tz);
  return { orgId: orgOf(caller), from: p.from, to: p.to, mode: p.mode, datasetId: p.datasetId, timeZone: p.tz };
}

/** "heatmap.csv" → the table "heatmap" as CSV; "heatmap" → as rows. */
export const csvName = (name: string) =>
  name.endsWith(".csv") ? { table: name.slice(0, -4), csv: true } : { table: name, csv: false };

type Row = Record<string, string | number | null>;

/** A CSV download: the body, and the meta that makes the gateway send it as a file. */
export function csvAnswer(
  meta: CallMeta & { $responseType?: string; $responseHeaders?: object },
  filename: string,
  rows: Row[],
) {
  meta.$responseType = "text/csv; charset=utf-8";
  meta.$responseHeaders = { "Content-Disposition": `attachment; filename="${filename}"` };
  return toCsv(rows);
}

/**
 * The topics are cluster's: asked of it, not read from its table. A platform without the
 * cluster service (a node shape without it, none in the cluster) reports without topics.
 */
async function newestTopics(caller: Caller, orgId: string, datasetId: string): Promise<ReportInput["topics"] | null> {
  try {
    return await caller.call<ReportInput["topics"] | null, object>("cluster.latestTopics", { orgId, datasetId });
  } catch (err) {
    if (err instanceof Errors.ServiceNotFoundError) return null;
    throw err;
  }
}

/** The self-contained HTML report of a dataset's dashboards and newest topic run, and its file name. */
export async function htmlReport(
  db: Db,
  caller: Caller,
  p: ActivityQuery,
): Promise<{ html: string; filename: string }> {
  const { dataset, filter } = await ownedDataset(db, caller, p);
  const activity = await activityReport(db, filter, p);
  const topics = await newestTopics(caller, filter.orgId, filter.datasetId);
  const html = renderReport({
    datasetName: dataset.name,
    generatedAt: new Date(),
    timeZone: p.tz,
    activity,
    ...(topics ? { topics } : {}),
  });
  const slug =
    dataset.name
      .normalize("NFKD")
      .replace(/[^\w-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "dataset";
  return { html, filename: `chatlens-report-${slug}.html` };
}
