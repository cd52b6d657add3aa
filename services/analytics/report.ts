/**
 * The dashboards as named tables: which queries make up each, and the flat rows each
 * table exports to CSV. The service asks for all tables (the dashboard) or one (a chart
 * or a CSV download); only the queries behind the requested tables run.
 */
import { stringify } from "csv-stringify/sync";
import type { Db } from "../../models/db.ts";
import * as activity from "./activity.ts";
import { callsOverTime, type CallPeriod } from "./calls.ts";
import { scanMessages } from "./message-scan.ts";
import { participantHandles, PeopleCounter, type PersonStats, type ReactedMessage } from "./people.ts";
import * as search from "./search-analytics.ts";
import { languageReport, SentimentCounter, type ConversationLanguages, type SentimentPeriod } from "./sentiment.ts";
import { TextCounter, type TextStats } from "./text-stats.ts";

export const ACTIVITY_TABLES = [
  "summary",
  "messagesOverTime",
  "heatmap",
  "participants",
  "lengths",
  "responseTimes",
  "starters",
  "streaks",
  "emoji",
  "domains",
  "words",
  "bigrams",
  "trigrams",
  "people",
  "topReacted",
  "calendar",
  "sentiment",
  "languages",
  "calls",
] as const;
export type ActivityTable = (typeof ACTIVITY_TABLES)[number];

const TEXT_TABLES = new Set<ActivityTable>(["emoji", "domains", "words", "bigrams", "trigrams"]);

export interface ActivityOptions {
  granularity: activity.Granularity;
  /** Silence after which a message starts a new conversation (and is no reply). */
  gapHours: number;
  top: number;
}

export type ActivityReport = Partial<{
  summary: activity.KindCounts;
  messagesOverTime: activity.PeriodCount[];
  heatmap: activity.HeatmapCell[];
  participants: activity.ParticipantActivity[];
  lengths: activity.MessageLengths;
  responseTimes: activity.ResponseTime[];
  starters: activity.Starter[];
  streaks: activity.Streak[];
  text: TextStats;
  /** Per person: messages, words, emoji with counts, media, links, calls, mentions, replies, reactions received. */
  people: PersonStats[];
  /** The most reacted messages (platforms that export reactions). */
  topReacted: ReactedMessage[];
  hasReactions: boolean;
  /** Messages per day, for the calendar heatmap (whatever the chosen granularity). */
  calendar: activity.PeriodCount[];
  /** Positive, negative and neutral text messages per period (lexicon-based, in each message's language). */
  sentiment: SentimentPeriod[];
  /** Text messages left out of `sentiment`: written in a language without a lexicon. */
  sentimentUnscored: number;
  /** Languages that sentiment is scored in. */
  sentimentLanguages: string[];
  /** The languages each conversation is written in, with their shares. */
  languages: ConversationLanguages[];
  /** Calls per period, missed and video among them. */
  calls: CallPeriod[];
}>;

export async function activityReport(
  db: Db,
  f: activity.ActivityFilter,
  o: ActivityOptions,
  tables: readonly ActivityTable[] = ACTIVITY_TABLES,
): Promise<ActivityReport> {
  const want = new Set(tables);
  const out: ActivityReport = {};
  let sentiment: SentimentCounter | undefined;
  if (want.has("summary")) out.summary = await activity.kindCounts(db, f);
  if (want.has("messagesOverTime")) out.messagesOverTime = await activity.messagesOverTime(db, f, o.granularity);
  if (want.has("heatmap")) out.heatmap = await activity.weekdayHourHeatmap(db, f);
  if (want.has("participants")) out.participants = await activity.topParticipants(db, f, o.top);
  if (want.has("lengths")) out.lengths = await activity.messageLengths(db, f);
  if (want.has("responseTimes")) out.responseTimes = await activity.responseTimes(db, f, o.gapHours);
  if (want.has("starters")) out.starters = await activity.conversationStarters(db, f, o.gapHours, o.top);
  if (want.has("streaks")) out.streaks = await activity.longestStreaks(db, f, Math.min(o.top, 10));
  if (want.has("calendar")) out.calendar = await activity.messagesOverTime(db, f, "day");
  if (want.has("sentiment") || want.has("languages")) {
    const languages = await languageReport(db, f);
    if (want.has("languages")) out.languages = languages.languages;
    if (want.has("sentiment")) sentiment = new SentimentCounter(languages);
  }
  // The tables that need every message's text share one scan of the messages.
  const text = tables.some((t) => TEXT_TABLES.has(t)) ? new TextCounter() : undefined;
  const people =
    want.has("people") || want.has("topReacted")
      ? new PeopleCounter(await participantHandles(db, f), o.top)
      : undefined;
  await scanMessages(
    db,
    f,
    o.granularity,
    [text, people, sentiment].filter((v) => v !== undefined),
  );
  if (text) out.text = text.result(o.top);
  if (people) {
    const r = people.result();
    out.people = r.people;
    out.topReacted = r.topReacted;
    out.hasReactions = r.hasReactions;
  }
  if (sentiment) {
    const r = sentiment.result();
    out.sentiment = r.sentimentOverTime;
    out.sentimentUnscored = r.unscored;
    out.sentimentLanguages = r.scoredLanguages;
  }
  if (want.has("calls")) out.calls = await callsOverTime(db, f, o.granularity);
  return out;
}

type Row = Record<string, string | number | null>;

/** Flat rows of one activity table, as the CSV export writes them. */
export function activityRows(report: ActivityReport, table: ActivityTable): Row[] {
  switch (table) {
    case "summary": {
      const s = report.summary!;
      const { byKind, ...totals } = s;
      return [
        ...Object.entries(totals).map(([metric, value]) => ({ metric, value })),
        ...Object.entries(byKind).map(([kind, value]) => ({ metric: `kind:${kind}`, value })),
      ];
    }
    case "messagesOverTime":
      return report.messagesOverTime!.map((r) => ({ ...r }));
    case "heatmap":
      return report.heatmap!.map((r) => ({ ...r }));
    case "participants":
      return report.participants!.map((r) => ({ ...r }));
    case "lengths":
      return report.lengths!.buckets.map((b) => ({ min: b.min, max: b.max, messages: b.messages }));
    case "responseTimes":
      return report.responseTimes!.map((r) => ({ ...r }));
    case "starters":
      return report.starters!.map((r) => ({ ...r }));
    case "streaks":
      return report.streaks!.map((r) => ({ ...r }));
    case "emoji":
      return report.text!.emoji.top.map((c) => ({ emoji: c.value, count: c.count }));
    case "domains":
      return report.text!.links.domains.map((c) => ({ domain: c.value, count: c.count }));
    case "words":
    case "bigrams":
    case "trigrams":
      return report.text![table].map((c) => ({ term: c.value, count: c.count }));
    case "people":
      return report.people!.map(({ topEmoji, ...p }) => ({
        ...p,
        topEmoji: topEmoji.map((e) => `${e.value} ${e.count}`).join(" "),
      }));
    case "topReacted":
      return report.topReacted!.map(({ top, ...m }) => ({ ...m, top: top.join(" ") }));
    case "calendar":
      return report.calendar!.map((r) => ({ day: r.period, messages: r.messages }));
    case "sentiment":
      return report.sentiment!.map((r) => ({ ...r }));
    case "languages":
      return report.languages!.map((c) => ({
        conversation_id: c.conversationId,
        conversation: c.name,
        messages: c.messages,
        languages: c.languages.map((l) => `${l.name} ${Math.round(l.share * 100)}%`).join("; "),
      }));
    case "calls":
      return report.calls!.map((r) => ({ ...r }));
  }
}

export const SEARCH_TABLES = ["volume", "topQueries", "zeroResults", "latency"] as const;
export type SearchTable = (typeof SEARCH_TABLES)[number];

export type SearchReport = Partial<{
  volume: search.SearchVolume[];
  topQueries: search.QueryCount[];
  zeroResults: search.QueryCount[];
  latency: search.LatencyByMode[];
}>;

export async function searchReport(
  db: Db,
  f: search.SearchFilter,
  o: { granularity: "day" | "week" | "month"; top: number },
  tables: readonly SearchTable[] = SEARCH_TABLES,
): Promise<SearchReport> {
  const want = new Set(tables);
  const out: SearchReport = {};
  if (want.has("volume")) out.volume = await search.searchVolume(db, f, o.granularity);
  if (want.has("topQueries")) out.topQueries = await search.topQueries(db, f, o.top);
  if (want.has("zeroResults")) out.zeroResults = await search.topQueries(db, f, o.top, true);
  if (want.has("latency")) out.latency = await search.latencyPercentiles(db, f);
  return out;
}

export function searchRows(report: SearchReport, table: SearchTable): Row[] {
  return (report[table] ?? []).map((r) => ({ ...r }));
}

/**
 * RFC 4180 CSV with a header row. Cells that a spreadsheet would run as a formula
 * (=, +, -, @ first) are prefixed with a quote: chat text is untrusted input.
 */
export function toCsv(rows: Row[]): string {
  if (!rows.length) return "";
  const columns = Object.keys(rows[0]!);
  const safe = rows.map((r) =>
    columns.map((c) => {
      const v = r[c];
      return typeof v === "string" && /^[=+\-@\t\r]/u.test(v) ? `'${v}` : v;
    }),
  );
  return stringify(safe, { header: true, columns });
}
