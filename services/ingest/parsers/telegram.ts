import { ParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { formatJsonPath, readJsonRecords } from "../io/json-records.ts";
import { parseTimestamp, secondsToMs } from "../time.ts";
import type { Attachment, Conversation, ConversationKind, MessageKind, Reaction } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { idOf, isObject, MalformedGuard, num, str, type JsonObject } from "./json-values.ts";

const PATTERNS = [
  ["messages", "*"],
  ["chats", "list", "*", "messages", "*"],
  ["left_chats", "list", "*", "messages", "*"],
] as const;

const KIND_BY_TYPE: Record<string, ConversationKind> = {
  personal_chat: "dm",
  bot_chat: "dm",
  saved_messages: "dm",
  private_group: "group",
  private_supergroup: "group",
  public_supergroup: "group",
  private_channel: "channel",
  public_channel: "channel",
};

const MEDIA_KIND: Record<string, MessageKind> = { sticker: "sticker" };

/** Telegram Desktop `result.json`: one chat, or a whole account (`chats.list[]`). Streams the messages arrays. */
export const telegramParser: Parser = async function* (ctx: ParserContext) {
  const entries =
    ctx.container.kind === "file"
      ? ctx.container.entries
      : ctx.container.entries.filter((e) => /(^|\/)result\.json$/.test(e.name));
  if (entries.length === 0)
    throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no Telegram result.json`, {
      file: ctx.container.label,
    });
  const people = new ParticipantBook("telegram");
  const conversations = new ConversationBook();
  for (const entry of entries) yield* parseFile(entry, ctx, people, conversations);
};

async function* parseFile(
  entry: ExportEntry,
  ctx: ParserContext,
  people: ParticipantBook,
  conversations: ConversationBook,
): AsyncGenerator<ParserEvent[]> {
  const guard = new MalformedGuard(entry.label);
  const records = readJsonRecords(
    entry,
    PATTERNS.map((p) => [...p]),
    ctx.progress,
  );
  const chatKeys = new Map<unknown, string>();
  let step;
  while (!(step = await records.next()).done) {
    const { value, path, ancestors } = step.value;
    const out: ParserEvent[] = [];
    const chat = (ancestors[ancestors.length - 1] ?? {}) as JsonObject;
    let conversationKey = chatKeys.get(chat);
    if (conversationKey === undefined) {
      conversationKey = conversations.ensure(out, conversationOf(chat, entry, path[2]));
      chatKeys.set(chat, conversationKey);
    }
    const where = formatJsonPath(path);
    guard.record(convert(value, conversationKey, entry, where, ctx, people, out), where, out);
    yield out;
  }
  guard.check();
  const root = step.value;
  if (!isObject(root) || (!("messages" in root) && !("chats" in root))) {
    throw new ParseError("NOT_A_CHAT", `${entry.label} is JSON but has no Telegram "messages" or "chats"`, {
      file: entry.label,
      path: "$",
    });
  }
  // A chat with no messages still exists (and is all a fresh export of an empty chat holds).
  const out: ParserEvent[] = [];
  if (Array.isArray(root.messages) && chatKeys.size === 0)
    conversations.ensure(out, conversationOf(root, entry, undefined));
  if (out.length > 0) yield out;
}

function conversationOf(chat: JsonObject, entry: ExportEntry, listIndex: unknown): Conversation {
  const type = str(chat.type);
  const id = idOf(chat.id);
  const name = str(chat.name) ?? (type === "saved_messages" ? "Saved Messages" : entry.name.replace(/\.json$/i, ""));
  const conversation: Conversation = {
    key:
      id !== undefined
        ? `telegram:${id}`
        : `telegram:name:${name}${typeof listIndex === "number" ? `#${listIndex}` : ""}`,
    platform: "telegram",
    kind: (type !== undefined ? KIND_BY_TYPE[type] : undefined) ?? "group",
    name,
  };
  if (id !== undefined) conversation.platformId = id;
  return conversation;
}

/** Flattens Telegram's text: a string, or an array of strings and `{type, text}` entities. */
function flattenText(text: unknown): string | undefined {
  if (typeof text === "string") return text;
  if (!Array.isArray(text)) return undefined;
  let out = "";
  for (const part of text) {
    if (typeof part === "string") out += part;
    else if (isObject(part) && typeof part.text === "string") out += part.text;
  }
  return out;
}

/** Converts one record; returns a description of what is wrong with it, or undefined. */
function convert(
  value: unknown,
  conversationKey: string,
  entry: ExportEntry,
  where: string,
  ctx: ParserContext,
  people: ParticipantBook,
  out: ParserEvent[],
): string | undefined {
  if (!isObject(value)) return "message is not an object";
  const type = value.type;
  if (type !== "message" && type !== "service") return `unknown message type ${JSON.stringify(type)}`;
  const rawText = value.text === undefined ? "" : flattenText(value.text);
  if (rawText === undefined) return "text is neither a string nor an entity array";
  if (value.id !== undefined && idOf(value.id) === undefined) return "id is not a number";
  if ("id" in value === false && value.date_unixtime === undefined) return "message has neither id nor date_unixtime";
  // date_unixtime is absolute; `date` is the exporting computer's wall clock.
  const utcMs = secondsToMs(value.date_unixtime) ?? parseTimestamp(value.date, ctx.clock);
  if (utcMs === undefined) return "message has no valid date";

  const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
    file: entry.label,
    path: where,
  });
  const id = idOf(value.id);
  if (id !== undefined) message.sourceId = id;
  message.text = rawText;

  const isService = type === "service";
  const authorName = str(isService ? value.actor : value.from);
  const authorId = idOf(isService ? value.actor_id : value.from_id);
  if (authorName !== undefined || authorId !== undefined) {
    message.authorKey = people.ensure(
      out,
      authorName ?? (value.from === null ? "Deleted Account" : authorId!),
      authorId,
    );
  } else if (!isService && value.from === null) {
    message.authorKey = people.ensure(out, "Deleted Account");
  }

  if (isService) {
    const action = str(value.action) ?? "service";
    message.kind = action === "phone_call" || action === "group_call" ? "call" : "system";
    if (message.text === "") message.text = describeAction(value, action);
  } else classifyMedia(value, message);

  const replyTo = idOf(value.reply_to_message_id);
  if (replyTo !== undefined) message.replyTo = replyTo;
  const forwarded = str(value.forwarded_from);
  if (forwarded !== undefined) message.forwardedFrom = forwarded;
  const editedMs = secondsToMs(value.edited_unixtime) ?? parseTimestamp(value.edited, ctx.clock);
  if (editedMs !== undefined) {
    message.edited = true;
    message.editedAt = new Date(editedMs);
  }
  if (Array.isArray(value.reactions))
    message.reactions = value.reactions.filter(isObject).map((r) => reactionOf(r, people, out));
  out.push({ type: "message", message });
  return undefined;
}

function describeAction(value: JsonObject, action: string): string {
  const parts = [action.replace(/_/g, " ")];
  const title = str(value.title);
  if (title) parts.push(`"${title}"`);
  if (Array.isArray(value.members)) parts.push(value.members.filter((m) => typeof m === "string").join(", "));
  const duration = num(value.duration_seconds);
  if (duration !== undefined) parts.push(`${duration}s`);
  return parts.filter((p) => p !== "").join(" ");
}

function classifyMedia(value: JsonObject, message: ReturnType<typeof baseMessage>): void {
  const attachments: Attachment[] = [];
  const photo = str(value.photo);
  if (photo !== undefined) attachments.push({ name: photo, mediaType: "photo" });
  const file = str(value.file);
  if (file !== undefined) {
    const attachment: Attachment = { name: file, mediaType: str(value.media_type) ?? "file" };
    const mime = str(value.mime_type);
    if (mime) attachment.mimeType = mime;
    const size = num(value.file_size);
    if (size !== undefined) attachment.sizeBytes = size;
    attachments.push(attachment);
  }
  message.attachments = attachments;
  if (attachments.length > 0) message.kind = MEDIA_KIND[str(value.media_type) ?? ""] ?? "media";
  if (isObject(value.poll)) {
    message.kind = "poll";
    const question = str(value.poll.question) ?? "";
    const answers = Array.isArray(value.poll.answers)
      ? value.poll.answers
          .map((a) => (isObject(a) ? str(a.text) : undefined))
          .filter((a): a is string => a !== undefined)
      : [];
    if (message.text === "") message.text = [question, ...answers.map((a) => `- ${a}`)].join("\n");
  }
  if (isObject(value.location_information)) message.kind = "location";
  if (isObject(value.contact_information)) message.kind = "contact";
}

function reactionOf(r: JsonObject, people: ParticipantBook, out: ParserEvent[]): Reaction {
  const emoji = str(r.emoji) ?? (r.document_id !== undefined ? `custom:${idOf(r.document_id) ?? ""}` : "?");
  const reaction: Reaction = { emoji, count: num(r.count) ?? 1 };
  if (Array.isArray(r.recent)) {
    const by: string[] = [];
    for (const who of r.recent.filter(isObject)) {
      const id = idOf(who.from_id);
      const name = str(who.from) ?? id;
      if (name !== undefined) by.push(people.ensure(out, name, id));
    }
    if (by.length > 0) reaction.by = by;
  }
  return reaction;
}
