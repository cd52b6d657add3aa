import StreamJsonParser from "stream-json/Parser.js";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "./container.ts";
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

/**
 * Streams the records at the given paths out of a JSON document of any size (a Telegram
 * `messages` array, a Slack day file), holding only one record plus the small enclosing
 * headers in memory. Returns the document's root with the records left out.
 */
export async function* readJsonRecords(entry: ExportEntry, patterns: JsonPattern[], progress: Progress): AsyncGenerator<JsonRecord, unknown> {
  const path: JsonPath = [];
  const stack: Frame[] = [];
  let root: unknown;
  let stream;
  try {
    stream = await entry.open();
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  }
  stream.on("data", (chunk: Buffer) => {
    progress.bytesRead += chunk.length;
  });
  const tokens = stream.pipe(new StreamJsonParser({ packValues: true, streamValues: false }));
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
    const m = matchOf(path);
    if (m === "record") return { role: "record", extraDepth: 0 };
    if (m === "prefix") return { role: "prefix", extraDepth: 0 };
    return { role: "extra", extraDepth: top && top.role === "extra" ? top.extraDepth + 1 : 1 };
  };

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
          const key = childKey();
          if (key !== undefined) path.push(key);
          const { role, extraDepth } = roleFor();
          const keep = role !== "extra" || extraDepth <= MAX_EXTRA_DEPTH;
          const isArray = token.name === "startArray";
          stack.push({ container: keep ? (isArray ? [] : {}) : undefined, isArray, key: "", nextIndex: 0, role, extraDepth });
          break;
        }
        case "endObject":
        case "endArray": {
          const frame = stack.pop() as Frame;
          const recordPath = path.slice();
          if (stack.length > 0) path.pop();
          if (frame.role === "record") yield { value: frame.container, path: recordPath, ancestors: ancestors() };
          attach(frame.container, frame.role);
          break;
        }
        case "keyValue":
          (stack[stack.length - 1] as Frame).key = token.value as string;
          break;
        default: {
          const value = token.name === "nullValue" ? null : token.name === "trueValue" ? true : token.name === "falseValue" ? false : token.name === "numberValue" ? Number(token.value) : token.value;
          const key = childKey();
          if (key !== undefined) path.push(key);
          const isRecord = stack.length > 0 && stack[stack.length - 1]!.role !== "inner" && stack[stack.length - 1]!.role !== "record" && matchOf(path) === "record";
          const recordPath = path.slice();
          if (key !== undefined) path.pop();
          if (isRecord) yield { value, path: recordPath, ancestors: ancestors() };
          attach(value, isRecord ? "record" : "inner");
        }
      }
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof ParseError) throw err;
    const top = stack[stack.length - 1];
    const where = formatJsonPath(top && !top.isArray && top.key !== "" ? [...path, top.key] : path);
    throw new ParseError("INVALID_JSON", `${entry.label} is not valid JSON (${(err as Error).message}) near ${where}`, { file: entry.label, path: where }, { cause: err });
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
