import { ParseError, toParseError } from "./errors.ts";
import type { ExportContainer, ExportEntry } from "./io/container.ts";
import { newHeader, scanHeader } from "./parsers/whatsapp-header.ts";
import type { FormatName } from "./types.ts";

/** What only Instagram's message JSON holds: links to instagram.com and media paths under your_instagram_activity. */
const INSTAGRAM_CONTENT = /instagram\.com\/|your_instagram_activity\//i;

/** Enough of a file to recognise its format: headers, first records, first lines. */
const SNIFF_BYTES = 64 * 1024;

export interface Detection {
  format: FormatName;
  /** Why this format was chosen, for logs and error messages. */
  reason: string;
}

/** Reads the first bytes of an entry without loading the rest. */
export async function sniff(entry: ExportEntry, bytes = SNIFF_BYTES): Promise<string> {
  const stream = await entry.open();
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) break;
    }
  } catch (err) {
    throw toParseError(err, entry.readErrorCode, { file: entry.label });
  } finally {
    stream.destroy();
  }
  // A multi-byte character cut at the end decodes to U+FFFD, which no check below looks at.
  return Buffer.concat(chunks)
    .subarray(0, bytes)
    .toString("utf8")
    .replace(/^\ufeff/, "");
}

/** Format of an opened upload, from member names for archives and folders, else from the content. */
export async function detectFormat(container: ExportContainer): Promise<Detection> {
  const entries = container.entries;
  if (container.kind === "file") return detectFile(entries[0]!);
  const names = entries.map((e) => e.name);
  const base = (n: string) => n.split("/").pop() ?? n;
  const has = (file: string) => names.some((n) => base(n) === file);
  if (
    (has("users.json") || has("channels.json")) &&
    names.some((n) => /(^|\/)[^/]+\/\d{4}-\d{2}-\d{2}\.json$/.test(n))
  ) {
    return { format: "slack", reason: "users.json/channels.json with per-day JSON files" };
  }
  const threads = entries.filter((e) => /(^|\/)message_\d+\.json$/.test(e.name));
  if (threads.length > 0) {
    // Instagram's current layout is your_instagram_activity/messages/inbox/<thread>/message_1.json; older ones share
    // Messenger's messages/inbox/…, so then the first thread's content decides (links and media paths name the app).
    let instagram = names.some((n) => /(^|\/)your_instagram_activity\//i.test(n));
    if (!instagram && !names.some((n) => /(^|\/)(your_facebook_activity|your_activity_across_facebook)\//i.test(n))) {
      instagram = INSTAGRAM_CONTENT.test(await sniff(threads[0]!)) || /instagram/i.test(container.label);
    }
    return { format: instagram ? "instagram" : "messenger", reason: "message_N.json thread files" };
  }
  if (has("result.json")) return { format: "telegram", reason: "result.json" };
  if (names.some((n) => /(^|\/)messages\d*\.html$/i.test(n)))
    return { format: "telegram", reason: "Telegram Desktop HTML pages (messages.html)" };
  if (names.some((n) => /(^|\/)(_chat|WhatsApp[^/]*)\.txt$/i.test(n)))
    return { format: "whatsapp", reason: "WhatsApp chat text file" };
  // Otherwise the archive is a bundle of files of one format (Discord partitions, a chat .txt): look at the first.
  const candidate = entries.find((e) => /\.(json|csv|txt|jsonl|ndjson)$/i.test(e.name));
  if (!candidate)
    throw new ParseError("UNKNOWN_FORMAT", `${container.label} holds no chat export file`, { file: container.label });
  return detectFile(candidate);
}

async function detectFile(entry: ExportEntry): Promise<Detection> {
  const head = await sniff(entry);
  if (head.trim() === "") throw new ParseError("EMPTY_FILE", `${entry.label} is empty`, { file: entry.label });
  if (head.includes("\u0000"))
    throw new ParseError("UNKNOWN_FORMAT", `${entry.label} is a binary file, not a chat export`, { file: entry.label });
  const trimmed = head.trimStart();
  const lower = entry.name.toLowerCase();
  if (/\.(jsonl|ndjson)$/.test(lower)) return { format: "jsonl", reason: "JSON Lines file name" };
  if (/^<(!doctype html|html)/i.test(trimmed)) {
    if (/class="message (default|service)/.test(head) || /<title>Exported Data<\/title>/i.test(head))
      return { format: "telegram", reason: "Telegram Desktop HTML page" };
    throw new ParseError(
      "UNKNOWN_FORMAT",
      `${entry.label} is an HTML page, not a chat export this importer knows. Telegram Desktop HTML exports are read as messages.html (or the whole export folder or zip); WhatsApp, Messenger and Instagram exports are .txt or JSON`,
      { file: entry.label },
    );
  }
  // Before the JSON checks: an iOS WhatsApp export starts with "[", too.
  const h = newHeader();
  const lines = head.split(/\r?\n/).slice(0, 200);
  const headerLines = lines.filter((l) => scanHeader(l, h));
  if (headerLines.length > 0) {
    if (/^\[\d{4}-\d{2}-\d{2}, \d{2}:\d{2}\] /.test(headerLines[0]!))
      return { format: "signal", reason: "[YYYY-MM-DD, HH:MM] headers" };
    return { format: "whatsapp", reason: "lines start with chat timestamps" };
  }
  // Lines that look like a chat's but were not understood: never guess JSON or CSV for them.
  const chatLike = firstChatLikeLine(lines);
  if (chatLike) {
    throw new ParseError(
      "NOT_A_CHAT",
      `${entry.label} looks like a chat export, but line ${chatLike.line} is not understood: "${chatLike.text}". ` +
        "Try format=whatsapp (or format=signal), and daysFirst=true or daysFirst=false if the dates are day-first or month-first; " +
        "if the layout is still not understood, export the chat again from the app.",
      { file: entry.label, line: chatLike.line },
    );
  }
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    if (/"guild"\s*:/.test(head) && /"channel"\s*:/.test(head))
      return { format: "discord", reason: "DiscordChatExporter guild/channel header" };
    if (/"sender_name"\s*:/.test(head) || /"timestamp_ms"\s*:/.test(head) || /"thread_path"\s*:/.test(head)) {
      return {
        format: INSTAGRAM_CONTENT.test(head) || /instagram/i.test(entry.label) ? "instagram" : "messenger",
        reason: "sender_name/timestamp_ms fields",
      };
    }
    if (/"(date_unixtime|date|chats|personal_information)"\s*:/.test(head) && /"(messages|chats)"\s*:/.test(head))
      return { format: "telegram", reason: "Telegram export fields" };
    const firstLine = trimmed.split("\n", 1)[0]!.trim();
    if (firstLine.startsWith("{") && firstLine.endsWith("}") && trimmed.split("\n").length > 1)
      return { format: "jsonl", reason: "one JSON object per line" };
    if (/"messages"\s*:/.test(head)) return { format: "telegram", reason: "messages array" };
    throw new ParseError("UNKNOWN_FORMAT", `${entry.label} is JSON but not a known chat export`, { file: entry.label });
  }
  const firstLine = trimmed.split(/\r?\n/, 1)[0]!;
  if (/^"?AuthorID"?,"?Author"?,"?Date"?,"?Content"?/.test(firstLine))
    return { format: "discord-csv", reason: "DiscordChatExporter CSV header" };
  if (lower.endsWith(".csv") || (firstLine.includes(",") && lines.length > 1))
    return { format: "csv", reason: "comma-separated text" };
  throw new ParseError("UNKNOWN_FORMAT", `${entry.label} is not a chat export this importer knows`, {
    file: entry.label,
  });
}

/**
 * A timestamp-like start ("[3/18/22 ...", "19:23, 28 Aug ...", "Mar 5 ...") with a time and then
 * "] ", ": " or " - ": the shape of a chat line whose exact layout the header scanner does not
 * know. Bounded quantifiers on a bounded prefix: no backtracking blow-up.
 */
const CHAT_LIKE =
  /^[\u200e\u200f\u061c\ufeff]*\[?[\u200e\u200f\u061c\ufeff ]*[\p{L}\p{N}]{1,10}[^\n{}"]{0,40}?\p{N}{1,2}[\u200e\u200f]*[:.][\u200e\u200f]*\p{N}{2}[^\n{}"]{0,30}?(?:\] |: | - )/u;

/** The first line that looks like a chat line, when the first non-empty line does and at least one more does. */
function firstChatLikeLine(lines: string[]): { line: number; text: string } | undefined {
  let first: { line: number; text: string } | undefined;
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.slice(0, 160);
    if (line.trim() === "") continue;
    const like = CHAT_LIKE.test(line);
    if (!first) {
      if (!like) return undefined;
      first = { line: i + 1, text: line.length > 80 ? `${line.slice(0, 80)}…` : line };
    }
    if (like && ++count >= 2) return first;
  }
  return undefined;
}
