/** Public API of the chat-export parsers, for the ingest service. */
export { parseExport, parseExportToArrays, FORMAT_NAMES } from "./parse-export.ts";
export { detectFormat } from "./detect.ts";
export { ParseError, type ParseErrorCode } from "./errors.ts";
export type * from "./types.ts";
