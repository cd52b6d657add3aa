import { parse } from "csv-parse";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { withDefaults } from "../io/limits.ts";
import type { Progress } from "../io/progress.ts";

export interface CsvRow {
  /** Cells by header name. */
  cells: Record<string, string>;
  /** 1-based line where the row starts (assuming no blank lines between records). */
  line: number;
}

/**
 * Streams a CSV with a header row as objects, with the line of each record for warnings. One
 * record is one message: its cells together are bounded like one (IMPORT_MAX_MESSAGE_CHARS), and
 * one cell like a string (csv-parse's own bound is per field, so a row of many large fields, or a
 * header of a million columns, was bounded only by the heap).
 */
export async function* readCsvRows(entry: ExportEntry, progress: Progress): AsyncGenerator<CsvRow> {
  const { maxMessageChars, maxStringChars } = withDefaults(entry.limits);
  let stream;
  try {
    stream = await entry.open();
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  }
  stream.on("data", (chunk: Buffer) => {
    progress.bytesRead += chunk.length;
  });
  const parser = stream.pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: Math.min(4 * 1024 * 1024, maxStringChars, maxMessageChars),
    }),
  );
  stream.on("error", (err) => parser.destroy(toParseError(err, entry.readErrorCode, { file: entry.label })));
  // csv-parse reports the line a record ends on; it starts right after the previous one (the header is line 1).
  let previousEnd = 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      let chars = 0;
      for (const key in record) chars += key.length + (record[key]?.length ?? 0);
      if (chars > maxMessageChars)
        throw new ParseError(
          "MESSAGE_TOO_LONG",
          `${entry.label}: the record at line ${previousEnd + 1} is larger than ${maxMessageChars} characters`,
          {
            file: entry.label,
            line: previousEnd + 1,
          },
        );
      yield { cells: record, line: previousEnd + 1 };
      previousEnd = info.lines;
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof ParseError) throw err;
    const line = (err as { lines?: number }).lines;
    if ((err as { code?: unknown }).code === "CSV_MAX_RECORD_SIZE")
      throw new ParseError(
        "MESSAGE_TOO_LONG",
        `${entry.label}: a record near line ${line ?? "?"} is larger than ${Math.min(4 * 1024 * 1024, maxStringChars, maxMessageChars)} characters`,
        line !== undefined ? { file: entry.label, line } : { file: entry.label },
      );
    throw new ParseError(
      "INVALID_CSV",
      `${entry.label} is not valid CSV: ${(err as Error).message}`,
      line !== undefined ? { file: entry.label, line } : { file: entry.label },
      { cause: err },
    );
  }
}
