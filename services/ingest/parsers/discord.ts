import { ParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { formatJsonPath, readJsonRecords } from "../io/json-records.ts";
import { parseTimestamp } from "../time.ts";
import type { Conversation, ConversationKind, MessageKind } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  warning,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { readCsvRows } from "./csv-records.ts";
import { idOf, isObject, MalformedGuard, num, str, type JsonObject } from "./json-values.ts";

/** DiscordChatExporter channel types. */
function kindOf(channelType: string | undefined): ConversationKind {
  if (channelType === "DirectTextChat") return "dm";
  if (channelType === "DirectGroupTextChat") return "group";
  return "channel";
}

/** DiscordChatExporter message types that are notices rather than someone's words. */
const SYSTEM_TYPES = new Set([
  "RecipientAdd",
  "RecipientRemove",
  "ChannelNameChange",
  "ChannelIconChange",
  "ChannelPinnedMessage",
  "GuildMemberJoin",
  "ThreadCreated",
  "UserPremiumGuildSubscription",
  "ChannelFollowAdd",
  "GuildDiscoveryDisqualified",
  "AutoModerationAction",
]);
const KIND_BY_TYPE: Record<string, MessageKind> = { Call: "call" };

/**
 * DiscordChatExporter JSON. Several files of one channel (partitions `[part 2]`, or
 * exports of overlapping ranges) come in one zip and merge into one conversation by
 * channel id; messages keep their Discord ids, so overlaps dedupe.
 */
export const discordParser: Parser = async function* (ctx: ParserContext) {
  const files =
    ctx.container.kind === "file"
      ? ctx.container.entries
      : ctx.container.entries.filter((e) => /\.json$/i.test(e.name));
  if (files.length === 0)
    throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no DiscordChatExporter JSON file`, {
      file: ctx.container.label,
    });
  const people = new ParticipantBook("discord");
  const conversations = new ConversationBook();
  for (const entry of files) yield* parseFile(entry, ctx, people, conversations);
};

async function* parseFile(
  entry: ExportEntry,
  ctx: ParserContext,
  people: ParticipantBook,
  conversations: ConversationBook,
): AsyncGenerator<ParserEvent[]> {
  const guard = new MalformedGuard(entry.label);
  const reader = readJsonRecords(entry, [["messages", "*"]], ctx.progress);
  let conversationKey: string | undefined;
  let step;
  while (!(step = await reader.next()).done) {
    const { value, path, ancestors } = step.value;
    const out: ParserEvent[] = [];
    conversationKey ??= conversations.ensure(out, conversationOf((ancestors[0] ?? {}) as JsonObject, entry));
    const where = formatJsonPath(path);
    guard.record(convert(value, conversationKey, entry.label, where, ctx, people, out), where, out);
    yield out;
  }
  guard.check();
  const root = step.value;
  if (!isObject(root) || !isObject(root.channel) || !Array.isArray(root.messages)) {
    throw new ParseError("NOT_A_CHAT", `${entry.label} is not a DiscordChatExporter export (no channel or messages)`, {
      file: entry.label,
      path: "$",
    });
  }
  if (conversationKey === undefined) {
    const out: ParserEvent[] = [];
    conversations.ensure(out, conversationOf(root, entry));
    yield out;
  }
}

function conversationOf(root: JsonObject, entry: ExportEntry): Conversation {
  const channel = isObject(root.channel) ? root.channel : {};
  const guild = isObject(root.guild) ? root.guild : {};
  const id = idOf(channel.id);
  const channelName = str(channel.name) ?? entry.name.replace(/\.json$/i, "");
  const guildName = str(guild.name);
  const kind = kindOf(str(channel.type));
  const name =
    kind === "channel" && guildName && guildName !== "Direct Messages" ? `${guildName} / ${channelName}` : channelName;
  const conversation: Conversation = {
    key: id ? `discord:${id}` : `discord:name:${name}`,
    platform: "discord",
    kind,
    name,
  };
  if (id) conversation.platformId = id;
  return conversation;
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
  const id = idOf(value.id);
  if (!id) return "message has no id";
  const utcMs = parseTimestamp(value.timestamp, ctx.clock);
  if (utcMs === undefined) return "message has no valid timestamp";
  const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
    file,
    path: where,
  });
  message.sourceId = id;
  if (isObject(value.author)) {
    const a = value.author;
    const name = str(a.nickname) || str(a.name) || idOf(a.id) || "Unknown";
    message.authorKey = people.ensure(out, name, idOf(a.id), a.isBot === true);
  }
  message.text = str(value.content) ?? "";
  const type = str(value.type) ?? "Default";
  if (SYSTEM_TYPES.has(type)) message.kind = "system";
  else if (KIND_BY_TYPE[type]) message.kind = KIND_BY_TYPE[type];
  if (Array.isArray(value.attachments)) {
    for (const a of value.attachments.filter(isObject)) {
      const attachment: { name?: string; url?: string; sizeBytes?: number } = {};
      const name = str(a.fileName);
      if (name) attachment.name = name;
      const url = str(a.url);
      if (url) attachment.url = url;
      const size = num(a.fileSizeBytes);
      if (size !== undefined) attachment.sizeBytes = size;
      message.attachments.push(attachment);
    }
    if (message.attachments.length > 0 && message.kind === "text") message.kind = "media";
  }
  if (Array.isArray(value.stickers) && value.stickers.length > 0) {
    message.kind = "sticker";
    for (const s of value.stickers.filter(isObject)) {
      const url = str(s.sourceUrl);
      message.attachments.push(
        url
          ? { name: str(s.name) ?? "sticker", url, mediaType: "sticker" }
          : { name: str(s.name) ?? "sticker", mediaType: "sticker" },
      );
    }
  }
  if (isObject(value.reference)) {
    const ref = idOf(value.reference.messageId);
    if (ref) message.replyTo = ref;
  }
  const editedMs = parseTimestamp(value.timestampEdited, ctx.clock);
  if (editedMs !== undefined) {
    message.edited = true;
    message.editedAt = new Date(editedMs);
  }
  if (Array.isArray(value.reactions)) {
    for (const r of value.reactions.filter(isObject)) {
      const emoji = isObject(r.emoji) ? str(r.emoji.name) || str(r.emoji.code) || "?" : "?";
      const reaction: { emoji: string; count: number; by?: string[] } = { emoji, count: num(r.count) ?? 1 };
      if (Array.isArray(r.users)) {
        reaction.by = r.users
          .filter(isObject)
          .map((u) =>
            people.ensure(out, str(u.nickname) || str(u.name) || idOf(u.id) || "Unknown", idOf(u.id), u.isBot === true),
          );
      }
      message.reactions.push(reaction);
    }
  }
  out.push({ type: "message", message });
  return undefined;
}

/**
 * DiscordChatExporter CSV (`AuthorID,Author,Date,Content,Attachments,Reactions`): no
 * channel data or message ids, so the conversation is named after the file.
 */
export const discordCsvParser: Parser = async function* (ctx: ParserContext) {
  const files =
    ctx.container.kind === "file" ? ctx.container.entries : ctx.container.entries.filter((e) => /\.csv$/i.test(e.name));
  if (files.length === 0)
    throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no DiscordChatExporter CSV file`, {
      file: ctx.container.label,
    });
  const people = new ParticipantBook("discord");
  const conversations = new ConversationBook();
  for (const entry of files) {
    const name =
      ctx.options.conversationName ??
      entry.name
        .split("/")
        .pop()!
        .replace(/( \[part \d+\])?\.csv$/i, "");
    let out: ParserEvent[] = [];
    const conversationKey = conversations.ensure(out, {
      key: `discord:name:${name}`,
      platform: "discord",
      kind: "channel",
      name,
    });
    for await (const { cells, line } of readCsvRows(entry, ctx.progress)) {
      const utcMs = parseTimestamp(cells.Date, ctx.clock) ?? (cells.Date ? Date.parse(cells.Date) : Number.NaN);
      if (cells.Author === undefined || !Number.isFinite(utcMs)) {
        out.push(warning("MALFORMED_RECORD", "Row without Author or a valid Date", { file: entry.label, line }));
        continue;
      }
      const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
        file: entry.label,
        line,
      });
      message.authorKey = people.ensure(out, cells.Author, cells.AuthorID || undefined);
      message.text = cells.Content ?? "";
      for (const url of (cells.Attachments ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean))
        message.attachments.push({ url, name: url.split("/").pop()! });
      if (message.attachments.length > 0) message.kind = "media";
      for (const part of (cells.Reactions ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const m = /^(.*?)\s*\((\d+)\)$/.exec(part);
        message.reactions.push(m ? { emoji: m[1]!, count: Number(m[2]) } : { emoji: part, count: 1 });
      }
      out.push({ type: "message", message });
      if (out.length >= 256) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }
};
