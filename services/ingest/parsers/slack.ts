import { ParseError } from "../errors.ts";
import { formatJsonPath, readJsonRecords } from "../io/json-records.ts";
import { secondsToMs } from "../time.ts";
import type { Attachment, Conversation, ConversationKind } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  warning,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { idOf, isObject, num, str, type JsonObject } from "./json-values.ts";

interface SlackUser {
  name: string;
  isBot: boolean;
}

interface ChannelInfo {
  conversation: Conversation;
  /** Member ids, used to name DMs ("Ann, Bob"). */
  members: string[];
}

/** Subtypes that are notices rather than someone's words. */
const SYSTEM_SUBTYPES = new Set([
  "channel_join",
  "channel_leave",
  "channel_topic",
  "channel_purpose",
  "channel_name",
  "channel_archive",
  "channel_unarchive",
  "group_join",
  "group_leave",
  "group_topic",
  "group_purpose",
  "group_name",
  "group_archive",
  "group_unarchive",
  "bot_add",
  "bot_remove",
  "pinned_item",
  "unpinned_item",
  "reminder_add",
  "joiner_notification",
  "channel_convert_to_private",
]);

const LISTS: { file: string; kind: ConversationKind; folderBy: "name" | "id" }[] = [
  { file: "channels.json", kind: "channel", folderBy: "name" },
  { file: "groups.json", kind: "channel", folderBy: "name" },
  { file: "dms.json", kind: "dm", folderBy: "id" },
  { file: "mpims.json", kind: "group", folderBy: "name" },
];

/**
 * Slack workspace export (zip or extracted folder): users.json and the channel lists are
 * read first (they are small), then each conversation folder's per-day files are streamed.
 */
export const slackParser: Parser = async function* (ctx: ParserContext) {
  const entries = ctx.container.entries;
  const listEntry = entries.find((e) => /(^|\/)(channels|users)\.json$/.test(e.name));
  if (ctx.container.kind === "file" || !listEntry) {
    throw new ParseError(
      "NOT_A_CHAT",
      `${ctx.container.label} is not a Slack workspace export (no users.json or channels.json)`,
      { file: ctx.container.label },
    );
  }
  const rootPrefix = listEntry.name.slice(0, listEntry.name.lastIndexOf("/") + 1);
  const at = (file: string) => entries.find((e) => e.name === rootPrefix + file);

  const users = new Map<string, SlackUser>();
  const usersEntry = at("users.json");
  if (usersEntry) {
    for await (const { value } of readJsonRecords(usersEntry, [["*"]], ctx.progress)) {
      if (!isObject(value)) continue;
      const id = idOf(value.id);
      if (!id) continue;
      const profile = isObject(value.profile) ? value.profile : {};
      const name = str(value.real_name) || str(profile.real_name) || str(profile.display_name) || str(value.name) || id;
      users.set(id, { name, isBot: value.is_bot === true });
    }
  }

  // Slack's own bot posts notices (tombstones, reminders) but is never listed in users.json.
  if (!users.has("USLACKBOT")) users.set("USLACKBOT", { name: "Slackbot", isBot: true });

  const channels = new Map<string, ChannelInfo>();
  for (const list of LISTS) {
    const entry = at(list.file);
    if (!entry) continue;
    for await (const { value } of readJsonRecords(entry, [["*"]], ctx.progress)) {
      if (!isObject(value)) continue;
      const id = idOf(value.id);
      const name = str(value.name);
      const folder = list.folderBy === "id" ? id : name;
      if (!id || !folder) continue;
      const members = Array.isArray(value.members)
        ? value.members.filter((m): m is string => typeof m === "string")
        : [];
      const display = list.kind === "dm" ? members.map((m) => users.get(m)?.name ?? m).join(", ") || id : (name ?? id);
      const conversation: Conversation = {
        key: `slack:${id}`,
        platform: "slack",
        kind: list.kind,
        name: display,
        platformId: id,
      };
      channels.set(folder, { conversation, members });
    }
  }

  const dayFiles = entries
    .filter(
      (e) => e.name.startsWith(rootPrefix) && /^[^/]+\/\d{4}-\d{2}-\d{2}\.json$/.test(e.name.slice(rootPrefix.length)),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  ctx.progress.totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  const people = new ParticipantBook("slack");
  const conversations = new ConversationBook();
  const missingUsers = new Map<string, string>();

  for (const entry of dayFiles) {
    const folder = entry.name.slice(rootPrefix.length).split("/")[0]!;
    const out: ParserEvent[] = [];
    let channel = channels.get(folder);
    if (!channel) {
      channel = {
        conversation: { key: `slack:name:${folder}`, platform: "slack", kind: "channel", name: folder },
        members: [],
      };
      channels.set(folder, channel);
      out.push(
        warning(
          "UNLISTED_CHANNEL",
          `Folder ${folder} is not in channels.json/groups.json/dms.json/mpims.json`,
          { file: entry.label },
          false,
        ),
      );
    }
    const conversationKey = conversations.ensure(out, channel.conversation);
    const authorKey = (userId: string, profile: unknown): string => {
      const user = users.get(userId);
      if (user) return people.ensure(out, user.name, userId, user.isBot);
      // Users deleted before the export, or from other workspaces, are not in users.json.
      const p = isObject(profile) ? profile : {};
      const name = str(p.real_name) || str(p.display_name) || str(p.name);
      const known = missingUsers.get(userId);
      if (known === undefined) {
        missingUsers.set(userId, name ?? userId);
        out.push(
          warning(
            "UNKNOWN_USER",
            `User ${userId} is not in users.json; named "${name ?? userId}"`,
            { file: entry.label },
            false,
          ),
        );
        return people.ensure(out, name ?? userId, userId);
      }
      const key = people.ensure(out, known, userId);
      // A join notice may come before any message that carries the user's profile.
      if (known === userId && name !== undefined) {
        missingUsers.set(userId, name);
        people.rename(out, key, name, userId);
      }
      return key;
    };
    for await (const { value, path } of readJsonRecords(entry, [["*"]], ctx.progress)) {
      const where = formatJsonPath(path);
      if (!isObject(value) || secondsToMs(value.ts) === undefined) {
        out.push(warning("MALFORMED_RECORD", "Slack message without a valid ts", { file: entry.label, path: where }));
        continue;
      }
      convert(value, conversationKey, entry.label, where, ctx, people, users, authorKey, out);
      if (out.length >= 256) yield out.splice(0, out.length);
    }
    if (out.length > 0) yield out;
  }
};

function convert(
  raw: JsonObject,
  conversationKey: string,
  file: string,
  where: string,
  ctx: ParserContext,
  people: ParticipantBook,
  users: Map<string, SlackUser>,
  authorKey: (userId: string, profile: unknown) => string,
  out: ParserEvent[],
): void {
  const subtype = str(raw.subtype);
  // Old exports record an edit as a message_changed event wrapping the new version.
  const value =
    subtype === "message_changed" && isObject(raw.message) ? { ...raw.message, ts: raw.message.ts ?? raw.ts } : raw;
  const utcMs = secondsToMs(value.ts)!;
  const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
    file,
    path: where,
  });
  const ts = idOf(value.ts)!;
  message.sourceId = ts;
  const userId = str(value.user);
  const botId = str(value.bot_id);
  if (userId) message.authorKey = authorKey(userId, value.user_profile);
  else if (botId)
    message.authorKey = people.ensure(
      out,
      str(value.username) ?? (isObject(value.bot_profile) ? str(value.bot_profile.name) : undefined) ?? botId,
      botId,
      true,
    );

  message.text = renderText(str(value.text) ?? "", users);
  if (message.text === "" && Array.isArray(value.attachments)) {
    message.text = value.attachments
      .filter(isObject)
      .map((a) => renderText([str(a.pretext), str(a.text) ?? str(a.fallback)].filter(Boolean).join("\n"), users))
      .join("\n");
  }
  const innerSubtype = str(value.subtype) ?? subtype;
  if (innerSubtype && SYSTEM_SUBTYPES.has(innerSubtype)) message.kind = "system";
  else if (innerSubtype === "message_deleted" || innerSubtype === "tombstone") message.kind = "deleted";

  const files = Array.isArray(value.files) ? value.files : isObject(value.file) ? [value.file] : [];
  for (const f of files.filter(isObject)) {
    const attachment: Attachment = {};
    const name = str(f.name) ?? str(f.title);
    if (name) attachment.name = name;
    const mime = str(f.mimetype);
    if (mime) attachment.mimeType = mime;
    const url = str(f.url_private) ?? str(f.permalink);
    if (url) attachment.url = url;
    const size = num(f.size);
    if (size !== undefined) attachment.sizeBytes = size;
    const type = str(f.filetype);
    if (type) attachment.mediaType = type;
    message.attachments.push(attachment);
  }
  if (message.attachments.length > 0 && message.kind === "text" && innerSubtype !== "file_comment")
    message.kind = "media";

  const threadTs = idOf(value.thread_ts);
  if (threadTs) {
    message.threadId = threadTs;
    if (threadTs !== ts) message.replyTo = threadTs;
  }
  if (isObject(value.edited) || subtype === "message_changed") {
    message.edited = true;
    const editedMs = isObject(value.edited) ? secondsToMs(value.edited.ts) : secondsToMs(raw.ts);
    if (editedMs !== undefined) message.editedAt = new Date(editedMs);
  }
  if (Array.isArray(value.reactions)) {
    for (const r of value.reactions.filter(isObject)) {
      const who = Array.isArray(r.users) ? r.users.filter((u): u is string => typeof u === "string") : [];
      const reaction = {
        emoji: `:${str(r.name) ?? "?"}:`,
        count: num(r.count) ?? who.length,
        by: who.map((u) => authorKey(u, undefined)),
      };
      message.reactions.push(reaction);
    }
  }
  out.push({ type: "message", message });
}

/** Slack mrkdwn escapes: `<@U123>` → `@Name`, `<url|label>` → `label`, `<#C1|general>` → `#general`, HTML entities. */
function renderText(text: string, users: Map<string, SlackUser>): string {
  if (!text.includes("<") && !text.includes("&")) return text;
  return text
    .replace(
      /<@([A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_, id: string, label?: string) => `@${users.get(id)?.name ?? label ?? id}`,
    )
    .replace(/<#([A-Z0-9]+)\|([^>]*)>/g, (_, _id: string, label: string) => `#${label}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, "@$1")
    .replace(/<([^<>|]+)\|([^<>]+)>/g, "$2")
    .replace(/<([^<>]+)>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
