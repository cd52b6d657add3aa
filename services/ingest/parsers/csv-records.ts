import { parse } from "csv-parse";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import type { Progress } from "../io/progress.ts";

export interface CsvRow {
  /** Cells by header name. */
  cells: Record<string, string>;
  /** 1-based line where the row starts (assuming no blank lines between records). */
  line: number;
}

/** Streams a CSV with a header row as objects, with the line of each record for warnings. */
export async function* readCsvRows(entry: ExportEntry, progress: Progress): AsyncGenerator<CsvRow> {
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
    parse({ columns: true, bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 4 * 1024 * 1024 }),
  );
  stream.on("error", (err) => parser.destroy(toParseError(err, entry.readErrorCode, { file: entry.label })));
  // csv-parse reports the line a record ends on; it starts right after the previous one (the header is line 1).
  let previousEnd = 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { cells: record, line: previousEnd + 1 };
      previousEnd = info.lines;
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof ParseError) throw err;
    const line = (err as { lines?: number }).lines;
    throw new ParseError("INVALID_CSV", `${entry.label} is not valid CSV: ${(err as Error).message}`, line !== undefined ? { file: entry.label, line } : { file: entry.label }, { cause: err });
  }
}
