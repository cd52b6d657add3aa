import type { ParseLimits } from "./io/limits.ts";

/**
 * The one message model every parser emits, and the events of `parseExport`.
 * Keys (`key`, `sourceKey`) are stable across re-imports of the same export so the ingest
 * service can upsert instead of duplicating.
 */

export type Platform = "whatsapp" | "telegram" | "discord" | "slack" | "messenger" | "instagram" | "signal" | "generic";

/** Names accepted by `parseExport({ format })`; detection returns one of them. */
export type FormatName =
  | "whatsapp"
  | "telegram"
  | "discord"
  | "discord-csv"
  | "slack"
  | "messenger"
  | "instagram"
  | "signal"
  | "csv"
  | "jsonl";

export type ConversationKind = "group" | "dm" | "channel";

export type MessageKind =
  "text" | "media" | "system" | "deleted" | "call" | "poll" | "sticker" | "location" | "contact";

/** Where a message came from: a line for text formats, a JSON path for JSON formats. */
export interface SourceRef {
  /** File name, or `archive.zip!entry/path.json` for archive members. */
  file: string;
  line?: number;
  path?: string;
}

export interface Conversation {
  /** Stable key, unique within the import (e.g. `telegram:123456`, `whatsapp:Family`). */
  key: string;
  platform: Platform;
  kind: ConversationKind;
  name: string;
  /** The platform's own id where the export has one. */
  platformId?: string;
}

export interface Participant {
  /** Stable key, unique within the import: the platform id where there is one, else the name. */
  key: string;
  platform: Platform;
  displayName: string;
  platformId?: string;
  isBot?: boolean;
}

export interface Reaction {
  emoji: string;
  count: number;
  /** Participant keys, where the export lists who reacted. */
  by?: string[];
}

export interface Attachment {
  /** File name or path inside the export, when known. */
  name?: string;
  mimeType?: string;
  url?: string;
  sizeBytes?: number;
  /** Coarse media type: photo, video, audio, voice, file, sticker, gif… */
  mediaType?: string;
}

export interface Message {
  conversationKey: string;
  /** Stable key for idempotent re-import (see `sourceKey` in source-key.ts). */
  sourceKey: string;
  /** The platform's message id, when the export has one. */
  sourceId?: string;
  /** Participant key of the author; undefined for system messages without an actor. */
  authorKey?: string;
  /** The instant, in UTC. */
  timestamp: Date;
  /** The wall-clock time as shown to the user (`YYYY-MM-DDTHH:mm:ss`), in `timeZone`. */
  localTime: string;
  /** IANA zone `localTime` is expressed in. */
  timeZone: string;
  kind: MessageKind;
  text: string;
  /** Source id of the message this one replies to. */
  replyTo?: string;
  /** Thread (Slack thread_ts, Discord thread) the message belongs to. */
  threadId?: string;
  edited: boolean;
  editedAt?: Date;
  reactions: Reaction[];
  attachments: Attachment[];
  /** Display name of the original author of a forwarded message. */
  forwardedFrom?: string;
  source: SourceRef;
}

export interface ParseWarning {
  code: string;
  message: string;
  file?: string;
  line?: number;
  path?: string;
}

export interface ParseSummary {
  format: FormatName;
  conversations: number;
  participants: number;
  messages: number;
  warnings: number;
  /** Lines or records that could not be turned into a message (each also reported as a warning). */
  skipped: number;
  bytesRead: number;
  totalBytes: number;
  durationMs: number;
}

export type ParseEvent =
  | { type: "conversation"; conversation: Conversation }
  | { type: "participant"; participant: Participant }
  | { type: "messages"; messages: Message[] }
  | { type: "warning"; warning: ParseWarning }
  | { type: "progress"; bytesRead: number; totalBytes: number }
  | { type: "summary"; summary: ParseSummary };

/** Column mapping for generic CSV / JSON Lines imports (column names or JSON keys). */
export interface ColumnMapping {
  timestamp: string;
  author: string;
  text: string;
  conversation?: string;
  id?: string;
}

export interface ParseOptions {
  /** IANA zone for formats that store local wall-clock times (WhatsApp, Signal, Telegram `date`). Default "UTC". */
  timeZone?: string;
  /** WhatsApp/Signal: force day-before-month (true) or month-before-day (false) instead of inferring it. */
  daysFirst?: boolean;
  /** Messages per `messages` event. Default 500. */
  batchSize?: number;
  /** Generic CSV/JSONL column mapping; common names are guessed when absent. */
  columns?: Partial<ColumnMapping>;
  /** Name for single-conversation exports that do not carry one (WhatsApp .txt, CSV). */
  conversationName?: string;
  /**
   * Not a parser option: whether the import folds a conversation it creates into a stored one
   * it overlaps (the same chat exported again under another name). Default true.
   */
  mergeOverlapping?: boolean;
}

export interface ParseInput {
  /** Path of the uploaded file (or of an extracted export folder). */
  path: string;
  /** The client's file name: only used as a format hint and a conversation-name fallback. */
  filename?: string;
  format?: FormatName;
  options?: ParseOptions;
  /** Aborts the parse; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Bounds of this parse (io/limits.ts); the documented defaults when absent. */
  limits?: Partial<ParseLimits>;
}
