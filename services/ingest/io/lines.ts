import { StringDecoder } from "node:string_decoder";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "./container.ts";
import type { Progress } from "./progress.ts";

/** A chat line is at most a few hundred KiB; anything longer is binary data, not a chat. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

/**
 * Streams an entry as arrays of lines (one array per read chunk), so the caller can run a
 * tight synchronous loop instead of awaiting once per line. Strips a leading BOM and the
 * `\r` of CRLF endings; the last line is emitted even without a trailing newline.
 */
export async function* readLineChunks(entry: ExportEntry, progress: Progress): AsyncGenerator<string[]> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let first = true;
  let lineNo = 0;
  let stream;
  try {
    stream = await entry.open();
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      progress.bytesRead += chunk.length;
      let text = decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const lines = splitLines(pending + text);
      pending = lines.pop() as string;
      if (pending.length > MAX_LINE_CHARS) {
        throw new ParseError("NOT_A_CHAT", `${entry.label}: line ${lineNo + lines.length + 1} is longer than ${MAX_LINE_CHARS} characters`, { file: entry.label, line: lineNo + lines.length + 1 });
      }
      lineNo += lines.length;
      if (lines.length > 0) yield lines;
    }
  } catch (err) {
    stream.destroy();
    throw toParseError(err, entry.readErrorCode, { file: entry.label, line: lineNo + 1 });
  }
  pending += decoder.end();
  if (pending.length > 0) yield [stripCr(pending)];
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
