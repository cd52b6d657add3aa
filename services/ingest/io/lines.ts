import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "./container.ts";
import type { Progress } from "./progress.ts";

/** A chat line is at most a few hundred KiB; anything longer is binary data, not a chat. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

const LF = 10;

/**
 * Streams an entry as arrays of lines (one array per read chunk), so the caller can run a
 * tight synchronous loop instead of awaiting once per line. Strips a leading BOM and the
 * `\r` of CRLF endings; the last line is emitted even without a trailing newline.
 *
 * A `\n` byte never occurs inside a multi-byte UTF-8 sequence, so each chunk is cut after
 * its last `\n` and the complete lines are decoded in one call; only the unfinished line's
 * bytes are carried into the next chunk (no decoder state, no joining of decoded text).
 */
export async function* readLineChunks(entry: ExportEntry, progress: Progress): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  let first = true;
  let lineNo = 0;
  let stream;
  try {
    stream = await entry.open();
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  }
  // Regions are decoded in stream order and the first one starts at byte 0, where a BOM would be.
  const decode = (bytes: Buffer): string => {
    const text = bytes.toString("utf8");
    if (!first) return text;
    first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      progress.bytesRead += chunk.length;
      const lastLf = chunk.lastIndexOf(LF);
      if (lastLf < 0) {
        carry = carry ? Buffer.concat([carry, chunk]) : chunk;
        // Bytes bound the characters from above, so the decode to count them happens only for a very long line.
        if (carry.length > MAX_LINE_CHARS && carry.toString("utf8").length > MAX_LINE_CHARS) {
          throw new ParseError(
            "NOT_A_CHAT",
            `${entry.label}: line ${lineNo + 1} is longer than ${MAX_LINE_CHARS} characters`,
            { file: entry.label, line: lineNo + 1 },
          );
        }
        continue;
      }
      let head: string | undefined;
      let start = 0;
      if (carry) {
        // The carried line ends at this chunk's first `\n`: decode it alone rather than joining it to the whole chunk.
        start = chunk.indexOf(LF) + 1;
        head = decode(Buffer.concat([carry, chunk.subarray(0, start - 1)]));
      }
      const lines = start <= lastLf ? decode(chunk.subarray(start, lastLf)).split("\n") : [];
      // CRLF files: drop each line's `\r`; a byte search spares LF-only files the pass over the lines.
      if (chunk.includes(13, start)) for (let i = 0; i < lines.length; i++) lines[i] = stripCr(lines[i]!);
      if (head !== undefined) lines.unshift(stripCr(head));
      carry = lastLf + 1 < chunk.length ? chunk.subarray(lastLf + 1) : undefined;
      lineNo += lines.length;
      yield lines;
    }
  } catch (err) {
    stream.destroy();
    throw toParseError(err, entry.readErrorCode, { file: entry.label, line: lineNo + 1 });
  }
  if (carry) {
    // A file holding only a BOM has no line.
    const last = decode(carry);
    if (last.length > 0) yield [stripCr(last)];
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
