import { dayEnd, dayStart } from "$lib/util/format";
import { api, call } from "./client";
import { attempt } from "./page-load";

/** The reader's time zone: reports count days and hours in it. */
export const timeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export type Granularity = "day" | "week" | "month";

/** What the dashboards filter by: from/to days (local, "" for open) and the period a chart groups by. */
export interface RangeFilters {
  from: string;
  to: string;
  granularity: Granularity;
}

/** The activity dashboard's filters: a range, and one person or conversation ("" for all). */
export interface ActivityFilters extends RangeFilters {
  participantId: string;
  conversationId: string;
}

/** What the activity dashboard opens with (the page's load reads its report for these). */
export const ACTIVITY_DEFAULTS: ActivityFilters = {
  from: "",
  to: "",
  granularity: "week",
  participantId: "",
  conversationId: "",
};
/** What the search dashboard opens with. */
export const SEARCH_DEFAULTS: RangeFilters = { from: "", to: "", granularity: "day" };

const range = (f: RangeFilters) => ({
  tz: timeZone(),
  granularity: f.granularity,
  ...(f.from ? { from: dayStart(f.from) } : {}),
  ...(f.to ? { to: dayEnd(f.to) } : {}),
});

/** The activity report's query for these filters (its CSV tables take the same). */
export const activityQuery = (f: ActivityFilters) => ({
  ...range(f),
  ...(f.participantId ? { participantIds: [f.participantId] } : {}),
  ...(f.conversationId ? { conversationId: f.conversationId } : {}),
});

/** The search report's query: one dataset's searches, or all of the organisation's (null). */
export const searchQuery = (datasetId: string | null, f: RangeFilters) => ({
  ...range(f),
  ...(datasetId ? { datasetId } : {}),
});

export const readActivity = (datasetId: string, f: ActivityFilters) =>
  call(api.GET("/api/datasets/{datasetId}/analytics", { params: { path: { datasetId }, query: activityQuery(f) } }));

export const readSearchReport = (datasetId: string | null, f: RangeFilters) =>
  call(api.GET("/api/search-analytics", { params: { query: searchQuery(datasetId, f) } }));

/**
 * What the activity dashboard opens with: the report for the default filters (a failure is
 * shown in its place), and the people (most active first) and conversations to filter by (a
 * failed read of those offers none).
 */
export async function activityOpening(datasetId: string) {
  const path = { params: { path: { datasetId } } };
  const [report, people, conversations] = await Promise.all([
    attempt(readActivity(datasetId, ACTIVITY_DEFAULTS)),
    call(api.GET("/api/datasets/{datasetId}/participants", path)).then(
      (r) => [...r.items].sort((a, b) => b.messageCount - a.messageCount),
      () => [],
    ),
    call(api.GET("/api/datasets/{datasetId}/conversations", path)).then(
      (r) => r.items,
      () => [],
    ),
  ]);
  return { report, people, conversations };
}
