import type { ColumnMapping, FormatName, ParseOptions } from "./types.ts";
import { FORMAT_NAMES } from "./parse-export.ts";

/**
 * Import options as callers send them: query-string parameters of an upload, or fields of an
 * operator's server-side import. Validated by the service with this fastest-validator schema.
 */
export interface ImportOptionParams {
  format?: FormatName;
  timeZone?: string;
  daysFirst?: boolean;
  conversationName?: string;
  /** false keeps an export that overlaps a stored conversation as a conversation of its own. */
  mergeOverlapping?: boolean;
  timestampColumn?: string;
  authorColumn?: string;
  textColumn?: string;
  conversationColumn?: string;
  idColumn?: string;
}

const column = { type: "string", min: 1, max: 200, optional: true } as const;

export const IMPORT_OPTION_PARAMS = {
  format: { type: "enum", values: FORMAT_NAMES, optional: true },
  timeZone: { type: "string", min: 1, max: 64, optional: true },
  daysFirst: { type: "boolean", convert: true, optional: true },
  conversationName: { type: "string", min: 1, max: 200, trim: true, optional: true },
  mergeOverlapping: { type: "boolean", convert: true, optional: true },
  timestampColumn: column,
  authorColumn: column,
  textColumn: column,
  conversationColumn: column,
  idColumn: column,
} as const;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The parser options, and what the imports row records as the import's options. */
export function toParseOptions(p: ImportOptionParams): { format?: FormatName; options: ParseOptions } {
  const options: ParseOptions = { timeZone: p.timeZone ?? "UTC" };
  if (p.daysFirst !== undefined) options.daysFirst = p.daysFirst;
  if (p.conversationName) options.conversationName = p.conversationName;
  if (p.mergeOverlapping !== undefined) options.mergeOverlapping = p.mergeOverlapping;
  const columns: Partial<ColumnMapping> = {};
  if (p.timestampColumn) columns.timestamp = p.timestampColumn;
  if (p.authorColumn) columns.author = p.authorColumn;
  if (p.textColumn) columns.text = p.textColumn;
  if (p.conversationColumn) columns.conversation = p.conversationColumn;
  if (p.idColumn) columns.id = p.idColumn;
  if (Object.keys(columns).length) options.columns = columns;
  return p.format ? { format: p.format, options } : { options };
}

/** The client's file name as a label only: no directories, no control characters, bounded. */
export function safeFilename(name: unknown, fallback = "upload"): string {
  const base = typeof name === "string" ? (name.split(/[\\/]/).pop() ?? "") : "";
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim()
    .slice(0, 200);
  return cleaned || fallback;
}
