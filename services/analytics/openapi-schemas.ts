/**
 * Response bodies of the analytics endpoints, as JSON Schema for the OpenAPI document. Written
 * from report.ts (the dashboards run every table, so every part is present), activity.ts,
 * text-stats.ts and search-analytics.ts.
 */
import {
  arrayOf,
  dateTime,
  day,
  int,
  nullable,
  num,
  obj,
  record,
  ref,
  str,
  uuid,
  type JsonSchema,
} from "../../core/json-schema.ts";

const counted = arrayOf(ref("Counted"));
const queryCount = arrayOf(obj({ query: str, searches: int, avgResults: num, zeroResultSearches: int }));

export const ANALYTICS_SCHEMAS: Record<string, JsonSchema> = {
  Counted: obj({ value: str, count: int }),
  ActivityReport: obj({
    summary: obj({
      total: int,
      /** Messages per kind (text, media, system, deleted, sticker, …). */
      byKind: record(int),
      media: int,
      system: int,
      deleted: int,
      edited: int,
      participants: int,
      conversations: int,
      first: nullable(dateTime),
      last: nullable(dateTime),
    }),
    /** `period`: first day of the period in the requested zone (weeks start on Monday). */
    messagesOverTime: arrayOf(obj({ period: day, messages: int })),
    /** All 7 × 24 cells; weekday 1 = Monday … 7 = Sunday. */
    heatmap: arrayOf(obj({ weekday: int, hour: int, messages: int })),
    participants: arrayOf(
      obj({ participantId: uuid, name: str, messages: int, avgLength: num, first: dateTime, last: dateTime }),
    ),
    lengths: obj({
      textMessages: int,
      avg: num,
      median: num,
      p90: num,
      max: int,
      buckets: arrayOf(obj({ min: int, max: nullable(int), messages: int })),
    }),
    responseTimes: arrayOf(
      obj({
        fromParticipantId: uuid,
        fromName: str,
        toParticipantId: uuid,
        toName: str,
        replies: int,
        medianSeconds: num,
      }),
    ),
    starters: arrayOf(obj({ participantId: uuid, name: str, conversationsStarted: int })),
    streaks: arrayOf(obj({ start: day, end: day, days: int })),
    people: arrayOf(
      obj({
        participantId: uuid,
        name: str,
        messages: int,
        words: int,
        emoji: int,
        topEmoji: counted,
        media: int,
        links: int,
        calls: int,
        mentionsMade: int,
        mentioned: int,
        repliesSent: int,
        reactionsReceived: int,
      }),
    ),
    topReacted: arrayOf(
      obj({ messageId: int, author: nullable(str), ts: dateTime, text: str, reactions: int, top: arrayOf(str) }),
    ),
    hasReactions: { type: "boolean" },
    /** Messages per day (YYYY-MM-DD in the requested zone), for the calendar heatmap. */
    calendar: arrayOf(obj({ period: day, messages: int })),
    /** Text messages per period by lexicon sentiment (nlp.js, in each message's language); `average` is the mean score. */
    sentiment: arrayOf(obj({ period: day, positive: int, negative: int, neutral: int, average: num })),
    /** Text messages in a language without a sentiment lexicon (not in `sentiment`). */
    sentimentUnscored: int,
    sentimentLanguages: arrayOf(str),
    /** Languages of each conversation (franc-min over a sample of its longer messages), largest share first. */
    languages: arrayOf(
      obj({
        conversationId: uuid,
        name: nullable(str),
        messages: int,
        languages: arrayOf(obj({ code: str, name: str, share: num })),
      }),
    ),
    /** Calls per period; missed and video are among `calls`. */
    calls: arrayOf(obj({ period: day, calls: int, missed: int, video: int })),
    text: obj({
      messagesScanned: int,
      languages: arrayOf(str),
      emoji: obj({ total: int, messagesWithEmoji: int, top: counted }),
      links: obj({ total: int, messagesWithLinks: int, domains: counted }),
      words: counted,
      bigrams: counted,
      trigrams: counted,
    }),
  }),
  SearchReport: obj({
    volume: arrayOf(obj({ period: day, mode: str, searches: int })),
    topQueries: queryCount,
    zeroResults: queryCount,
    /** Percentiles in milliseconds; mode "all" is every mode together. */
    latency: arrayOf(obj({ mode: str, searches: int, zeroResultRate: num, p50: num, p95: num, p99: num })),
  }),
  /** One table as flat rows (the CSV download's columns). */
  AnalyticsTable: obj({ table: str, rows: arrayOf(record({ type: ["string", "number", "null"] })) }),
};
