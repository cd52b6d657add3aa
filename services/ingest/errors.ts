/**
 * The one error the parsers throw. The ingest service maps it to a 4xx answer, so every
 * failure a caller can cause (wrong file, broken archive, truncated JSON) must end up here
 * rather than as a TypeError or a library's own error class.
 */
export type ParseErrorCode =
  | "UNKNOWN_FORMAT"
  | "UNSUPPORTED_FORMAT"
  | "CORRUPT_ARCHIVE"
  | "INVALID_JSON"
  | "INVALID_CSV"
  | "NOT_A_CHAT"
  | "EMPTY_FILE"
  | "FILE_TOO_LARGE"
  | "INVALID_OPTIONS"
  | "READ_FAILED"
  // Bounds of io/limits.ts: the export is refused rather than held in memory or parsed for ever.
  | "ARCHIVE_TOO_LARGE"
  | "STRING_TOO_LONG"
  | "MESSAGE_TOO_LONG"
  | "JSON_TOO_DEEP"
  | "TOO_MANY_RECORDS"
  | "IMPORT_TIME_EXCEEDED";

export interface ParseErrorLocation {
  /** File (or archive entry) being read when parsing failed. */
  file?: string;
  /** 1-based line, for text formats. */
  line?: number;
  /** JSON path such as `messages[12].text`, for JSON formats. */
  path?: string;
}

export class ParseError extends Error {
  override readonly name = "ParseError";
  readonly code: ParseErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly path?: string;

  constructor(code: ParseErrorCode, message: string, where: ParseErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.path !== undefined) this.path = where.path;
  }
}

/** Wraps anything thrown by a library into a ParseError, keeping ParseErrors as they are. */
export function toParseError(err: unknown, fallback: ParseErrorCode, where: ParseErrorLocation = {}): ParseError {
  if (err instanceof ParseError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ParseError(fallback, detail, where, { cause: err });
}
