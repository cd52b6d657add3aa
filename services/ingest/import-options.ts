import { z } from "zod";
import type { ColumnMapping, FormatName, ParseOptions } from "./types.ts";
import { FORMAT_NAMES } from "./parse-export.ts";

/**
 * Import options as callers send them: query-string parameters of an upload, or fields of an
 * operator's server-side import. Declared once here (see core/define-action.ts): the broker's
 * validator checks them, the handlers get their type, the OpenAPI document lists them.
 */
const column = z.string().min(1).max(200).optional();

export const importOptionsShape = {
  format: z.enum(FORMAT_NAMES as [FormatName, ...FormatName[]]).optional(),
  timeZone: z.string().min(1).max(64).optional(),
  daysFirst: z.coerce.boolean().optional(),
  conversationName: z.string().trim().min(1).max(200).optional(),
  /** false keeps an export that overlaps a stored conversation as a conversation of its own. */
  mergeOverlapping: z.coerce.boolean().optional(),
  timestampColumn: column,
  authorColumn: column,
  textColumn: column,
  conversationColumn: column,
  idColumn: column,
};

export type ImportOptionParams = z.output<z.ZodObject<typeof importOptionsShape>>;

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
