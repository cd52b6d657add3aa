import { envSchema, type Env } from "../../../config/schema.ts";

/**
 * Bounds on what one import may make the parser hold or do. An upload is hostile input from
 * any signed-up user and every tenant shares the process: a crafted export must fail its own
 * import with a 4xx code, never exhaust the heap or hold the event loop.
 */
export interface ParseLimits {
  /** Sum of the declared uncompressed sizes of an archive's members (yauzl checks each member against its declaration). */
  maxDecompressedBytes: number;
  /** Uncompressed / compressed size of an archive, or of one of its members, past RATIO_MIN_BYTES. */
  maxCompressionRatio: number;
  /** One JSON string, key or number, in characters. */
  maxStringChars: number;
  /** One message: the lines of a text message, or the characters and values of one JSON record. */
  maxMessageChars: number;
  /** Nesting of JSON arrays and objects. */
  maxJsonDepth: number;
  /** Messages plus skipped records of one import. */
  maxRecords: number;
  /** Time the parser of one import may spend reading and parsing (writing to the database excluded). */
  maxParseMs: number;
  /** Heap of the worker thread an import is parsed on (parse-in-worker.ts), in MiB. */
  maxParseHeapMb: number;
}

/** A small member compresses as it likes: only one this large can be a bomb worth refusing. */
export const RATIO_MIN_BYTES = 1024 * 1024;

type LimitEnv = Pick<
  Env,
  | "IMPORT_MAX_DECOMPRESSED_BYTES"
  | "IMPORT_MAX_COMPRESSION_RATIO"
  | "IMPORT_MAX_STRING_CHARS"
  | "IMPORT_MAX_MESSAGE_CHARS"
  | "IMPORT_MAX_JSON_DEPTH"
  | "IMPORT_MAX_RECORDS"
  | "IMPORT_MAX_PARSE_MS"
  | "IMPORT_MAX_PARSE_HEAP_MB"
>;

export function parseLimitsFromConfig(config: LimitEnv): ParseLimits {
  return {
    maxDecompressedBytes: config.IMPORT_MAX_DECOMPRESSED_BYTES,
    maxCompressionRatio: config.IMPORT_MAX_COMPRESSION_RATIO,
    maxStringChars: config.IMPORT_MAX_STRING_CHARS,
    maxMessageChars: config.IMPORT_MAX_MESSAGE_CHARS,
    maxJsonDepth: config.IMPORT_MAX_JSON_DEPTH,
    maxRecords: config.IMPORT_MAX_RECORDS,
    maxParseMs: config.IMPORT_MAX_PARSE_MS,
    maxParseHeapMb: config.IMPORT_MAX_PARSE_HEAP_MB,
  };
}

/** The documented defaults (config/schema.ts is the one place they are written). */
export const DEFAULT_PARSE_LIMITS: ParseLimits = parseLimitsFromConfig(envSchema.parse({}));

export function withDefaults(limits: Partial<ParseLimits> | undefined): ParseLimits {
  return limits ? { ...DEFAULT_PARSE_LIMITS, ...limits } : DEFAULT_PARSE_LIMITS;
}
