import { Errors } from "moleculer";
import { ClientError, ERROR_CODES, type ErrorCode } from "../../core/errors.ts";
import { ParseError } from "./errors.ts";

/** What an import row records about its failure: the same code, message and location a 4xx answer carries. */
export interface ImportError {
  code: string;
  message: string;
  file?: string;
  line?: number;
  path?: string;
}

/** The parsers' codes that are not already API error codes. */
const PARSE_CODE_MAP: Partial<Record<ParseError["code"], ErrorCode>> = {
  FILE_TOO_LARGE: "PAYLOAD_TOO_LARGE",
};

function location(err: ParseError) {
  const data: { file?: string; line?: number; path?: string } = {};
  if (err.file !== undefined) data.file = err.file;
  if (err.line !== undefined) data.line = err.line;
  if (err.path !== undefined) data.path = err.path;
  return data;
}

/** The one place a ParseError becomes an API error: same code where the API has it, location in `data`. */
export function toClientError(err: unknown): unknown {
  if (!(err instanceof ParseError)) return err;
  const code = PARSE_CODE_MAP[err.code] ?? (err.code in ERROR_CODES ? (err.code as ErrorCode) : "BAD_REQUEST");
  return new ClientError(code, err.message, location(err));
}

/** The `imports.error` of a failed job. Server faults keep a generic message: details go to the log. */
export function toImportError(err: unknown): ImportError {
  const mapped = toClientError(err);
  if (mapped instanceof Errors.MoleculerClientError) {
    const data = (mapped.data ?? {}) as { file?: string; line?: number; path?: string };
    return { code: mapped.type, message: mapped.message, ...pick(data) };
  }
  return { code: "INTERNAL_ERROR", message: "The import failed on the server" };
}

function pick(data: { file?: unknown; line?: unknown; path?: unknown }) {
  const out: { file?: string; line?: number; path?: string } = {};
  if (typeof data.file === "string") out.file = data.file;
  if (typeof data.line === "number") out.line = data.line;
  if (typeof data.path === "string") out.path = data.path;
  return out;
}
