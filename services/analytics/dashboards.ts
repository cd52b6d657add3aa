import type { Context } from "moleculer";
import type { CallMeta } from "../../core/permissions.ts";
import { orgOf } from "../../core/permissions.ts";
import { ClientError } from "../../core/errors.ts";
import type { Db } from "../../models/db.ts";
import { datasets } from "../../models/schema.ts";
import { findOwned } from "../../mixins/tenant.mixin.ts";
import { latestCompletedRun } from "../cluster/runs.ts";
import type { ActivityFilter, Granularity } from "./activity.ts";
import { renderReport } from "./report-html.ts";
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

/** The self-contained HTML report of a dataset's dashboards and newest topic run, and its file name. */
export async function htmlReport(
  db: Db,
  caller: Caller,
  p: ActivityQuery,
): Promise<{ html: string; filename: string }> {
  const { dataset, filter } = await ownedDataset(db, caller, p);
  const activity = await activityReport(db, filter, p);
  const run = await latestCompletedRun(db, filter.orgId, filter.datasetId);
  const r = run?.result;
  const html = renderReport({
    datasetName: dataset.name,
    generatedAt: new Date(),
    timeZone: p.tz,
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
  return { html, filename: `chatlens-report-${slug}.html` };
}
