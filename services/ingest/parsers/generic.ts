import { ParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { withDefaults, type ParseLimits } from "../io/limits.ts";
import { readLineChunks } from "../io/lines.ts";
import { parseTimestamp } from "../time.ts";
import type { ColumnMapping, Conversation } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  warning,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { readCsvRows } from "./csv-records.ts";
import { idOf, isObject } from "./json-values.ts";

/** Column names tried, in order, when the caller gives no mapping. */
const GUESSES: Record<keyof ColumnMapping, string[]> = {
  timestamp: ["timestamp", "date", "datetime", "time", "created_at", "sent_at", "ts"],
  author: ["author", "sender", "from", "user", "username", "sender_name", "name"],
  text: ["text", "message", "content", "body", "msg"],
  conversation: ["conversation", "chat", "channel", "thread", "room"],
  id: ["id", "message_id", "msg_id"],
};

/** Resolves the mapping against the columns a file actually has; throws when timestamp or text cannot be found. */
function resolveMapping(
  columns: string[],
  given: Partial<ColumnMapping> | undefined,
  file: string,
): Partial<ColumnMapping> & { timestamp: string; text: string } {
  const byLower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const pick = (field: keyof ColumnMapping): string | undefined => {
    const wanted = given?.[field];
    if (wanted !== undefined) return byLower.get(wanted.toLowerCase());
    for (const guess of GUESSES[field]) {
      const hit = byLower.get(guess);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  const mapping: Partial<ColumnMapping> = {};
  for (const field of Object.keys(GUESSES) as (keyof ColumnMapping)[]) {
    const column = pick(field);
    if (column !== undefined) mapping[field] = column;
  }
  if (mapping.timestamp === undefined || mapping.text === undefined) {
    throw new ParseError(
      "NOT_A_CHAT",
      `${file}: no timestamp and text columns (found: ${columns.slice(0, 20).join(", ") || "none"}); pass options.columns`,
      { file },
    );
  }
  return mapping as Partial<ColumnMapping> & { timestamp: string; text: string };
}

/** Turns generic rows (CSV records or JSON Lines objects) into messages. */
class RowConverter {
  private mapping: (Partial<ColumnMapping> & { timestamp: string; text: string }) | undefined;
  private readonly people = new ParticipantBook("generic");
  private readonly conversations = new ConversationBook();
  constructor(private readonly ctx: ParserContext) {}

  convert(
    row: Record<string, unknown>,
    entry: ExportEntry,
    where: { line?: number; path?: string },
    out: ParserEvent[],
  ): void {
    this.mapping ??= resolveMapping(Object.keys(row), this.ctx.options.columns, entry.label);
    const m = this.mapping;
    const source = { file: entry.label, ...where };
    const utcMs =
      parseTimestamp(row[m.timestamp], this.ctx.clock) ??
      (typeof row[m.timestamp] === "string" ? dateParse(row[m.timestamp] as string) : undefined);
    if (utcMs === undefined) {
      out.push(warning("MALFORMED_RECORD", `No valid timestamp in column "${m.timestamp}"`, source));
      return;
    }
    const conversationName =
      (m.conversation && cell(row[m.conversation])) ||
      this.ctx.options.conversationName ||
      entry.name
        .split("/")
        .pop()!
        .replace(/\.(csv|jsonl|ndjson|txt)$/i, "");
    const conversation: Conversation = {
      key: `generic:${conversationName}`,
      platform: "generic",
      kind: "group",
      name: conversationName,
    };
    const message = baseMessage(
      this.conversations.ensure(out, conversation),
      utcMs,
      this.ctx.clock.localText(utcMs),
      this.ctx.clock.zone,
      source,
    );
    const author = m.author ? cell(row[m.author]) : "";
    if (author) message.authorKey = this.people.ensure(out, author);
    message.text = cell(row[m.text]);
    const id = m.id ? idOf(row[m.id]) : undefined;
    if (id !== undefined) message.sourceId = id;
    out.push({ type: "message", message });
  }
}

function cell(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

/** Last resort for human-written dates ("2024-01-05 10:00:00 +0100"); only accepted when the string names an offset or zone. */
function dateParse(text: string): number | undefined {
  if (!/(Z|GMT|UTC|[+-]\d{2}:?\d{2})\s*$/i.test(text.trim())) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function textEntries(ctx: ParserContext, pattern: RegExp): ExportEntry[] {
  const entries =
    ctx.container.kind === "file" ? ctx.container.entries : ctx.container.entries.filter((e) => pattern.test(e.name));
  if (entries.length === 0)
    throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no matching file`, { file: ctx.container.label });
  return entries;
}

/** CSV with a header row; columns mapped by `options.columns` or guessed from common names. */
export const genericCsvParser: Parser = async function* (ctx: ParserContext) {
  const converter = new RowConverter(ctx);
  for (const entry of textEntries(ctx, /\.csv$/i)) {
    let out: ParserEvent[] = [];
    for await (const { cells, line } of readCsvRows(entry, ctx.progress)) {
      converter.convert(cells, entry, { line }, out);
      if (out.length >= 256) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }
};

/**
 * The JSON document bounds of io/limits.ts for one JSON Lines line, checked before JSON.parse:
 * a line is one record (≤ maxMessageChars), no string in it longer than maxStringChars, nesting
 * no deeper than maxJsonDepth. One linear pass that skips string contents; without it a 4 MiB
 * line of brackets held the event loop for seconds in JSON.parse and then overflowed the stack
 * of whatever copied the value (structured clone, JSON.stringify).
 */
export function checkJsonLine(line: string, limits: ParseLimits, where: { file: string; line: number }): void {
  const at = `${where.file}: line ${where.line}`;
  if (line.length > limits.maxMessageChars)
    throw new ParseError("MESSAGE_TOO_LONG", `${at} is longer than ${limits.maxMessageChars} characters`, where);
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < line.length; i++) {
        const d = line.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      if (i - start - 1 > limits.maxStringChars)
        throw new ParseError(
          "STRING_TOO_LONG",
          `${at} holds a string longer than ${limits.maxStringChars} characters`,
          where,
        );
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limits.maxJsonDepth)
        throw new ParseError(
          "JSON_TOO_DEEP",
          `${at}: arrays and objects nest deeper than ${limits.maxJsonDepth} levels`,
          where,
        );
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
}

/** JSON Lines: one message object per line; lines that are not JSON objects become warnings. */
export const jsonLinesParser: Parser = async function* (ctx: ParserContext) {
  const converter = new RowConverter(ctx);
  const limits = withDefaults(ctx.container.limits);
  for (const entry of textEntries(ctx, /\.(jsonl|ndjson)$/i)) {
    let lineNo = 0;
    let parsed = 0;
    for await (const lines of readLineChunks(entry, ctx.progress)) {
      const out: ParserEvent[] = [];
      for (const line of lines) {
        lineNo++;
        if (line.trim() === "") continue;
        checkJsonLine(line, limits, { file: entry.label, line: lineNo });
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          out.push(warning("MALFORMED_RECORD", "Line is not valid JSON", { file: entry.label, line: lineNo }));
          continue;
        }
        if (!isObject(value)) {
          out.push(warning("MALFORMED_RECORD", "Line is not a JSON object", { file: entry.label, line: lineNo }));
          continue;
        }
        parsed++;
        converter.convert(value, entry, { line: lineNo }, out);
      }
      if (out.length > 0) yield out;
    }
    if (parsed === 0)
      throw new ParseError("INVALID_JSON", `${entry.label} has no JSON object lines`, { file: entry.label, line: 1 });
  }
};
