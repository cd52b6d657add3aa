import { ParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { formatJsonPath, readJsonRecords, type JsonPath } from "../io/json-records.ts";
import type { Attachment, Conversation, Platform } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { isObject, MalformedGuard, num, str } from "./json-values.ts";
import { repairMojibake } from "./mojibake.ts";

const MEDIA_FIELDS: [string, string][] = [
  ["photos", "photo"],
  ["videos", "video"],
  ["audio_files", "audio"],
  ["gifs", "gif"],
  ["files", "file"],
];

const text = (v: unknown): string | undefined => {
  const s = str(v);
  return s === undefined ? undefined : repairMojibake(s);
};

/**
 * Facebook Messenger and Instagram DM exports: per thread, `message_1.json` (newest) …
 * `message_N.json` (oldest), each newest-first. Facebook caps a file at a few thousand
 * messages, so one file's records are held to emit them oldest-first; files are read
 * oldest first too.
 */
export function messengerParser(platform: Platform): Parser {
  return async function* (ctx: ParserContext) {
    const files =
      ctx.container.kind === "file"
        ? ctx.container.entries
        : ctx.container.entries.filter((e) => /(^|\/)message_\d+\.json$/.test(e.name));
    if (files.length === 0)
      throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no message_N.json file`, {
        file: ctx.container.label,
      });
    const threads = new Map<string, ExportEntry[]>();
    for (const file of files) {
      const dir = file.name.includes("/") ? file.name.slice(0, file.name.lastIndexOf("/")) : "";
      const list = threads.get(dir) ?? [];
      list.push(file);
      threads.set(dir, list);
    }
    const people = new ParticipantBook(platform);
    const conversations = new ConversationBook();
    for (const [dir, thread] of threads) {
      const fileNumber = (e: ExportEntry) => Number(/message_(\d+)\.json$/.exec(e.name)?.[1] ?? 0);
      thread.sort((a, b) => fileNumber(b) - fileNumber(a));
      for (const entry of thread) yield* parseFile(entry, dir, platform, ctx, people, conversations);
    }
  };
}

async function* parseFile(
  entry: ExportEntry,
  dir: string,
  platform: Platform,
  ctx: ParserContext,
  people: ParticipantBook,
  conversations: ConversationBook,
): AsyncGenerator<ParserEvent[]> {
  const records: { value: unknown; path: JsonPath }[] = [];
  const reader = readJsonRecords(entry, [["messages", "*"]], ctx.progress);
  let step;
  while (!(step = await reader.next()).done) records.push({ value: step.value.value, path: step.value.path });
  const root = step.value;
  if (!isObject(root) || !Array.isArray(root.messages)) {
    throw new ParseError("NOT_A_CHAT", `${entry.label} has no "messages" array`, { file: entry.label, path: "$" });
  }
  const out: ParserEvent[] = [];
  const participants = Array.isArray(root.participants)
    ? root.participants
        .filter(isObject)
        .map((p) => text(p.name))
        .filter((n): n is string => !!n)
    : [];
  const title =
    text(root.title) ??
    (participants.length > 0 ? participants.join(", ") : dir.split("/").pop() || entry.name.replace(/\.json$/i, ""));
  const threadPath = str(root.thread_path) ?? (dir || title);
  const threadType = str(root.thread_type);
  const conversation: Conversation = {
    key: `${platform}:${threadPath}`,
    platform,
    kind: threadType === "RegularGroup" || participants.length > 2 ? "group" : "dm",
    name: title,
  };
  const conversationKey = conversations.ensure(out, conversation);
  for (const name of participants) people.ensure(out, name);
  const guard = new MalformedGuard(entry.label);
  for (let i = records.length - 1; i >= 0; i--) {
    const { value, path } = records[i]!;
    const where = formatJsonPath(path);
    guard.record(convert(value, conversationKey, entry.label, where, ctx, people, out), where, out);
    if (out.length >= 256) yield out.splice(0, out.length);
  }
  guard.check();
  if (out.length > 0) yield out;
}

function convert(
  value: unknown,
  conversationKey: string,
  file: string,
  where: string,
  ctx: ParserContext,
  people: ParticipantBook,
  out: ParserEvent[],
): string | undefined {
  if (!isObject(value)) return "message is not an object";
  const utcMs = num(value.timestamp_ms);
  if (utcMs === undefined) return "message has no timestamp_ms";
  const sender = text(value.sender_name);
  if (sender === undefined) return "message has no sender_name";
  const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
    file,
    path: where,
  });
  message.authorKey = people.ensure(out, sender);
  message.text = text(value.content) ?? "";
  for (const [field, mediaType] of MEDIA_FIELDS) {
    if (!Array.isArray(value[field])) continue;
    for (const m of (value[field] as unknown[]).filter(isObject)) {
      const attachment: Attachment = { mediaType };
      const uri = str(m.uri);
      if (uri) attachment.name = uri;
      message.attachments.push(attachment);
    }
  }
  if (message.attachments.length > 0) message.kind = "media";
  if (isObject(value.sticker)) {
    message.kind = "sticker";
    const uri = str(value.sticker.uri);
    message.attachments.push(uri ? { name: uri, mediaType: "sticker" } : { mediaType: "sticker" });
  }
  if (isObject(value.share)) {
    const link = str(value.share.link);
    if (link) message.attachments.push({ url: link, mediaType: "link" });
  }
  const type = str(value.type);
  if (type === "Call" || value.call_duration !== undefined) message.kind = "call";
  if (type === "Subscribe" || type === "Unsubscribe") message.kind = "system";
  if (value.is_unsent === true) message.kind = "deleted";
  if (Array.isArray(value.reactions)) {
    for (const r of value.reactions.filter(isObject)) {
      const emoji = text(r.reaction);
      const actor = text(r.actor);
      if (!emoji) continue;
      message.reactions.push(actor ? { emoji, count: 1, by: [people.ensure(out, actor)] } : { emoji, count: 1 });
    }
  }
  out.push({ type: "message", message });
  return undefined;
}
