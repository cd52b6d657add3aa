/**
 * Response bodies of the ingest endpoints, as JSON Schema for the OpenAPI document. Written
 * from datasets.ts (DatasetView), queries.ts (importView, conversation, participant and
 * message columns) and import-job.ts (ImportSummary).
 */
import { KEYWORD_LANGUAGE_CHOICES } from "../../lib/text/keyword-languages.ts";
import { IMPORT_STATUSES } from "../../models/schema.ts";
import {
  arrayOf,
  bool,
  dateTime,
  int,
  nullable,
  obj,
  oneOfValues,
  record,
  ref,
  str,
  uuid,
  type JsonSchema,
} from "../../core/json-schema.ts";

const fileIssue = (extra: Record<string, JsonSchema> = {}) =>
  obj({ code: str, message: str, file: str, line: int, path: str, ...extra }, ["file", "line", "path"]);

const message = ref("Message");

export const INGEST_SCHEMAS: Record<string, JsonSchema> = {
  Dataset: obj({
    id: uuid,
    name: str,
    description: str,
    modelId: str,
    /** The index version searches use, when pinned (see the index endpoints). */
    pinnedVersion: nullable(str),
    /** Keyword search's language for this dataset ("auto": detected from its text); null follows the platform's KEYWORD_LANGUAGE. */
    keywordLanguage: nullable(oneOfValues(KEYWORD_LANGUAGE_CHOICES)),
    createdBy: nullable(uuid),
    createdAt: dateTime,
    updatedAt: dateTime,
    messageCount: int,
    conversationCount: int,
    participantCount: int,
    firstMessageAt: nullable(dateTime),
    lastMessageAt: nullable(dateTime),
  }),
  ImportStatus: oneOfValues(IMPORT_STATUSES),
  ParseWarning: fileIssue(),
  ImportError: fileIssue(),
  /** What a completed import read and added. */
  ImportSummary: obj(
    {
      format: str,
      messagesRead: int,
      messagesAdded: int,
      messagesByKind: record(int),
      systemNotices: int,
      mediaMessages: int,
      duplicatesSkipped: int,
      duplicatesMerged: int,
      merged: arrayOf(ref("ConversationMerge")),
      conversations: int,
      conversationsAdded: int,
      participants: int,
      participantsAdded: int,
      firstMessageAt: nullable(dateTime),
      lastMessageAt: nullable(dateTime),
      skipped: int,
      warningCount: int,
      warnings: arrayOf(ref("ParseWarning")),
      bytesRead: int,
      durationMs: { type: "number" },
    },
    ["systemNotices", "mediaMessages", "duplicatesSkipped", "duplicatesMerged", "merged"],
  ),
  /** An overlapping export folded into a stored conversation (imports made before this existed lack these fields). */
  ConversationMerge: obj({ from: str, into: str, duplicates: int, moved: int }),
  Import: obj({
    id: uuid,
    datasetId: uuid,
    format: nullable(str),
    filename: str,
    status: ref("ImportStatus"),
    bytesTotal: int,
    bytesRead: int,
    messagesRead: int,
    messagesAdded: int,
    summary: nullable(ref("ImportSummary")),
    error: nullable(ref("ImportError")),
    options: nullable(record()),
    createdBy: nullable(uuid),
    createdAt: dateTime,
    finishedAt: nullable(dateTime),
  }),
  Conversation: obj({
    id: uuid,
    name: str,
    platform: str,
    kind: str,
    sourceKey: str,
    createdAt: dateTime,
    messageCount: int,
    firstMessageAt: nullable(dateTime),
    lastMessageAt: nullable(dateTime),
  }),
  Participant: obj({ id: uuid, displayName: str, platformId: nullable(str), sourceKey: str, messageCount: int }),
  Reaction: {
    type: "object",
    properties: { emoji: str, count: int, users: arrayOf(str) },
    required: ["emoji", "count"],
  },
  Message: obj({
    id: int,
    conversationId: uuid,
    participantId: nullable(uuid),
    author: nullable(str),
    importId: nullable(uuid),
    ts: dateTime,
    /** Wall-clock time as the export wrote it, when it had one. */
    localTime: nullable(str),
    timeZone: nullable(str),
    kind: str,
    text: str,
    replyTo: nullable(str),
    edited: bool,
    editedAt: nullable(dateTime),
    forwardedFrom: nullable(str),
    reactions: nullable(arrayOf(ref("Reaction"))),
    attachments: nullable(arrayOf(record())),
    sourceFile: nullable(str),
    sourceLine: nullable(int),
    sourcePath: nullable(str),
  }),
  MessagePage: obj({ items: arrayOf(message), nextCursor: nullable(str) }),
  MessageInContext: obj({ message, before: arrayOf(message), after: arrayOf(message) }),
};
