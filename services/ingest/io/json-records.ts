import StreamJsonParser from "stream-json/Parser.js";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "./container.ts";
import { withDefaults } from "./limits.ts";
import type { Progress } from "./progress.ts";

export type JsonPath = (string | number)[];
/** A path pattern; `"*"` matches any array index or object key at that level. */
export type JsonPattern = readonly (string | number)[];

export interface JsonRecord {
  value: unknown;
  path: JsonPath;
  /** The objects enclosing the record, outermost first, with the fields read so far (records excluded). */
  ancestors: unknown[];
}

/** Values outside records are kept only this many containers deep (headers, not payloads). */
const MAX_EXTRA_DEPTH = 3;

type Token = { name: string; value?: unknown };

interface Frame {
  container: Record<string, unknown> | unknown[] | undefined;
  isArray: boolean;
  key: string | number;
  nextIndex: number;
  /** "record": root of a record; "prefix": on the way to records; "inner": inside a record; "extra": other. */
  role: "record" | "prefix" | "inner" | "extra";
  extraDepth: number;
}

/** stream-json's private state this module bounds (stream-json 1.9: one accumulator for keys, strings and numbers). */
interface ParserInternals {
  _accumulator: string;
  _processBuffer(callback: (err?: Error | null) => void): void;
}

/** Whether the parser still has the private members this module relies on (its typings declare none). */
function hasInternals(parser: StreamJsonParser): parser is StreamJsonParser & ParserInternals {
  return (
    "_accumulator" in parser &&
    typeof parser._accumulator === "string" &&
    "_processBuffer" in parser &&
    typeof parser._processBuffer === "function"
  );
}

/** Raised inside the tokenizer, where the JSON path is not known; the reader turns it into STRING_TOO_LONG. */
class StringTooLong extends Error {}

/**
 * A stream-json parser that refuses a string, key or number longer than `maxChars`. The parser
 * packs each one into a single accumulator before it emits the value, so a 700 MiB string in a
 * small zip would otherwise end in V8's "Invalid string length" RangeError. The check runs after
 * every input chunk, so the accumulator never holds more than `maxChars` plus one chunk.
 */
function boundedParser(maxChars: number): StreamJsonParser {
  const parser = new StreamJsonParser({ packValues: true, streamValues: false });
  if (!hasInternals(parser)) throw new Error("stream-json's Parser no longer has _accumulator and _processBuffer");
  const processBuffer = parser._processBuffer.bind(parser);
  parser._processBuffer = (callback) =>
    processBuffer((err) => callback(err ?? (parser._accumulator.length > maxChars ? new StringTooLong() : null)));
  return parser;
}

/**
 * Streams the records at the given paths out of a JSON document of any size (a Telegram
 * `messages` array, a Slack day file), holding only one record plus the small enclosing
 * headers in memory. Returns the document's root with the records left out.
 */
export async function* readJsonRecords(
  entry: ExportEntry,
  patterns: JsonPattern[],
  progress: Progress,
): AsyncGenerator<JsonRecord, unknown> {
  const { maxStringChars, maxMessageChars, maxJsonDepth } = withDefaults(entry.limits);
  const path: JsonPath = [];
  const stack: Frame[] = [];
  let root: unknown;
  /** Characters (one per non-string value) of the record being read, and of what is kept outside records. */
  let recordChars = 0;
  let headerChars = 0;
  let stream;
  try {
    stream = await entry.open();
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  }
  stream.on("data", (chunk: Buffer) => {
    progress.bytesRead += chunk.length;
  });
  const tokens = stream.pipe(boundedParser(maxStringChars));
  stream.on("error", (err) => tokens.destroy(toParseError(err, entry.readErrorCode, { file: entry.label })));

  const matchOf = (p: JsonPath): "record" | "prefix" | "none" => {
    let prefix = false;
    for (const pattern of patterns) {
      if (p.length > pattern.length) continue;
      let ok = true;
      for (let i = 0; i < p.length; i++) {
        const want = pattern[i];
        if (want !== "*" && want !== p[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (p.length === pattern.length) return "record";
      prefix = true;
    }
    return prefix ? "prefix" : "none";
  };

  /** Key (or index) the next value gets in the current container. */
  const childKey = (): string | number | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return undefined;
    return top.isArray ? top.nextIndex : top.key;
  };

  const ancestors = (): unknown[] => stack.filter((f) => f.role === "prefix" && !f.isArray).map((f) => f.container);

  const roleFor = (): { role: Frame["role"]; extraDepth: number } => {
    const top = stack[stack.length - 1];
    if (top && (top.role === "inner" || top.role === "record")) return { role: "inner", extraDepth: 0 };
    // No pattern runs through a path that is not a prefix: below an extra frame nothing can match,
    // and skipping the match keeps deep extra nesting linear.
    if (top && top.role === "extra") return { role: "extra", extraDepth: top.extraDepth + 1 };
    const m = matchOf(path);
    if (m === "record") return { role: "record", extraDepth: 0 };
    if (m === "prefix") return { role: "prefix", extraDepth: 0 };
    return { role: "extra", extraDepth: top && top.role === "extra" ? top.extraDepth + 1 : 1 };
  };

  const where = (): string => {
    const top = stack[stack.length - 1];
    return formatJsonPath(top && !top.isArray && top.key !== "" ? [...path, top.key] : path);
  };

  /**
   * Counts what a value adds to memory: to the record it belongs to (bounded like a message), or
   * to the headers kept outside records. Either past its bound fails the parse with its path.
   */
  const charge = (chars: number, inRecord: boolean, kept: boolean): void => {
    if (inRecord) {
      recordChars += chars;
      if (recordChars > maxMessageChars)
        throw new ParseError(
          "MESSAGE_TOO_LONG",
          `${entry.label}: the record at ${where()} is larger than ${maxMessageChars} characters`,
          { file: entry.label, path: where() },
        );
    } else if (kept) {
      // Headers add up over a whole account export (one object per chat), so they get the larger string bound.
      headerChars += chars;
      if (headerChars > maxStringChars)
        throw new ParseError(
          "MESSAGE_TOO_LONG",
          `${entry.label}: the fields outside its messages are larger than ${maxStringChars} characters (near ${where()})`,
          { file: entry.label, path: where() },
        );
    }
  };

  const tooLong = (): ParseError =>
    new ParseError(
      "STRING_TOO_LONG",
      `${entry.label}: a string near ${where()} is longer than ${maxStringChars} characters`,
      { file: entry.label, path: where() },
    );

  /** Stores a finished value into the enclosing container unless it is a record or skipped. */
  const attach = (value: unknown, role: Frame["role"]): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
      return;
    }
    if (role !== "record" && top.container !== undefined) {
      if (top.isArray) (top.container as unknown[]).push(value);
      else (top.container as Record<string, unknown>)[top.key as string] = value;
    }
    if (top.isArray) top.nextIndex++;
  };

  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      switch (token.name) {
        case "startObject":
        case "startArray": {
          if (stack.length >= maxJsonDepth) {
            throw new ParseError(
              "JSON_TOO_DEEP",
              `${entry.label}: arrays and objects nest deeper than ${maxJsonDepth} levels near ${where()}`,
              { file: entry.label, path: where() },
            );
          }
          const key = childKey();
          if (key !== undefined) path.push(key);
          const { role, extraDepth } = roleFor();
          const keep = role !== "extra" || extraDepth <= MAX_EXTRA_DEPTH;
          const isArray = token.name === "startArray";
          if (role === "record") recordChars = 0;
          charge(1, role === "record" || role === "inner", keep);
          stack.push({
            container: keep ? (isArray ? [] : {}) : undefined,
            isArray,
            key: "",
            nextIndex: 0,
            role,
            extraDepth,
          });
          break;
        }
        case "endObject":
        case "endArray": {
          const frame = stack.pop() as Frame;
          // Only a record's path is copied: a copy per closing bracket made deep nesting quadratic.
          const recordPath = frame.role === "record" ? path.slice() : undefined;
          if (stack.length > 0) path.pop();
          if (recordPath) yield { value: frame.container, path: recordPath, ancestors: ancestors() };
          attach(frame.container, frame.role);
          break;
        }
        case "keyValue": {
          const key = token.value as string;
          if (key.length > maxStringChars) throw tooLong();
          const top = stack[stack.length - 1] as Frame;
          charge(key.length, top.role === "inner" || top.role === "record", top.container !== undefined);
          top.key = key;
          break;
        }
        default: {
          const value =
            token.name === "nullValue"
              ? null
              : token.name === "trueValue"
                ? true
                : token.name === "falseValue"
                  ? false
                  : token.name === "numberValue"
                    ? Number(token.value)
                    : token.value;
          const raw = token.value;
          if (typeof raw === "string" && raw.length > maxStringChars) throw tooLong();
          const top = stack[stack.length - 1];
          const key = childKey();
          if (key !== undefined) path.push(key);
          const parentRole = top?.role;
          const isRecord = top !== undefined && parentRole === "prefix" && matchOf(path) === "record";
          const recordPath = isRecord ? path.slice() : undefined;
          const chars = typeof value === "string" ? value.length + 1 : 1;
          if (isRecord) recordChars = 0;
          charge(chars, isRecord || parentRole === "inner" || parentRole === "record", top?.container !== undefined);
          if (key !== undefined) path.pop();
          if (recordPath) yield { value, path: recordPath, ancestors: ancestors() };
          attach(value, isRecord ? "record" : "inner");
        }
      }
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof ParseError) throw err;
    if (err instanceof StringTooLong) throw tooLong();
    const at = where();
    throw new ParseError(
      "INVALID_JSON",
      `${entry.label} is not valid JSON (${(err as Error).message}) near ${at}`,
      { file: entry.label, path: at },
      { cause: err },
    );
  }
  return root;
}

/** `["chats","list",3,"messages",7]` → `chats.list[3].messages[7]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out.length === 0 ? part : `.${part}`;
  }
  return out.length === 0 ? "$" : out;
}
