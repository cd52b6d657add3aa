import { StringDecoder } from "node:string_decoder";
import { Parser as HtmlParser } from "htmlparser2";
import { ParseError, toParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { withDefaults } from "../io/limits.ts";
import type { Attachment, MessageKind } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  type ParsedMessage,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";

/**
 * Telegram Desktop's HTML export ("Export chat history" with the HTML format): one chat per
 * folder, its messages in messages.html, messages2.html, … Each message is
 *   <div class="message default clearfix" id="message123"> … <div class="pull_right date details"
 *   title="14.03.2021 10:00:00 UTC+03:00">10:00</div><div class="from_name">Alice</div>
 *   <div class="text">Hello<br>there</div> …
 * A message sent right after another by the same person is "joined" and has no from_name.
 * Service notices are "message service" with their text in "body details". The pages are
 * streamed through htmlparser2: nothing holds a whole page.
 */

/** messages.html, messages2.html … in page order. */
export function telegramHtmlPages(entries: ExportEntry[]): ExportEntry[] {
  // One uploaded page may have any name.
  if (entries.length === 1 && /\.html?$/i.test(entries[0]!.name)) return entries;
  const page = (e: ExportEntry) => /(?:^|\/)messages(\d*)\.html$/i.exec(e.name);
  return entries
    .filter((e) => page(e))
    .sort((a, b) => {
      const dir = (e: ExportEntry) => e.name.slice(0, e.name.lastIndexOf("/") + 1);
      if (dir(a) !== dir(b)) return dir(a) < dir(b) ? -1 : 1;
      return Number(page(a)![1] || 1) - Number(page(b)![1] || 1);
    });
}

/** "14.03.2021 10:00:00 UTC+03:00" (newer exports) or "14.03.2021 10:00:00" (older: the exporting computer's clock). */
const DATE_TITLE = /^(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: UTC([+-])(\d{1,2}):?(\d{2}))?/;

const MEDIA_CLASSES: [string, MessageKind, string][] = [
  ["photo_wrap", "media", "photo"],
  ["video_file_wrap", "media", "video"],
  ["animated_wrap", "media", "gif"],
  ["media_voice_message", "media", "voice"],
  ["media_audio_file", "media", "audio"],
  ["media_video", "media", "video"],
  ["media_file", "media", "file"],
  ["sticker_wrap", "sticker", "sticker"],
  ["media_contact", "contact", "contact"],
  ["media_location", "location", "location"],
  ["media_live_location", "location", "location"],
  ["media_venue", "location", "location"],
  ["media_call", "call", "call"],
  ["media_poll", "poll", "poll"],
];

interface Pending {
  id: string;
  service: boolean;
  date?: string;
  from?: string;
  forwardedFrom?: string;
  text: string;
  kind: MessageKind;
  attachments: Attachment[];
  replyTo?: string;
  edited: boolean;
}

export const telegramHtmlParser: Parser = async function* parse(ctx: ParserContext): AsyncGenerator<ParserEvent[]> {
  const pages = telegramHtmlPages(ctx.container.entries);
  if (pages.length === 0)
    throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no Telegram messages.html page`, {
      file: ctx.container.label,
    });
  ctx.progress.totalBytes = pages.reduce((sum, e) => sum + e.size, 0);
  const { maxMessageChars } = withDefaults(ctx.container.limits);
  const people = new ParticipantBook("telegram");
  const conversations = new ConversationBook();
  // One export folder is one chat; a zip of several folders holds several chats.
  let folder: string | undefined;
  let conversationKey = "";
  let chatName = "";
  let lastAuthor: string | undefined;
  let lastDate: string | undefined;
  const undated: Pending[] = [];
  let out: ParserEvent[] = [];

  for (const entry of pages) {
    const dir = entry.name.slice(0, entry.name.lastIndexOf("/") + 1);
    const firstPage = dir !== folder;
    if (firstPage) {
      folder = dir;
      chatName = "";
      conversationKey = "";
      lastAuthor = undefined;
      lastDate = undefined;
      undated.length = 0;
    }
    // Element stack: the role each open element plays, so text goes to the right field.
    const stack: string[] = [];
    let message: Pending | undefined;
    let messageDepth = -1;
    let capture: "from" | "text" | "service" | "forwarded" | "header" | undefined;
    let captureDepth = -1;
    let forwardDepth = -1;
    let headerDepth = -1;

    const ensureConversation = () => {
      if (conversationKey) return;
      const name = chatName.trim() || folderName(folder ?? "", ctx.container.label);
      conversationKey = conversations.ensure(out, {
        key: `telegram:html:${name}`,
        platform: "telegram",
        kind: "group",
        name,
      });
    };

    const finish = (m: Pending) => {
      ensureConversation();
      // Service notices carry no date: they take the time of the message before them (or, at the start, after them).
      if (!m.date) {
        if (!lastDate) {
          undated.push(m);
          return;
        }
        m.date = lastDate;
      } else if (!lastDate && undated.length > 0) {
        lastDate = m.date;
        for (const u of undated.splice(0)) finish(u);
      }
      lastDate = m.date;
      const when = DATE_TITLE.exec(m.date);
      if (!when) {
        out.push({
          type: "warning",
          warning: { code: "NO_DATE", message: `Message ${m.id} has no readable date`, file: entry.label },
          skipped: true,
        });
        return;
      }
      const [, d, mo, y, h, mi, s, sign, oh, om] = when;
      const wallMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
      const utcMs = sign
        ? wallMs - (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
        : ctx.clock.wallToUtc(wallMs);
      const message = baseMessage(conversationKey, utcMs, ctx.clock.localText(utcMs), ctx.clock.zone, {
        file: entry.label,
        path: `#message${m.id}`,
      }) as ParsedMessage;
      message.sourceId = m.id;
      message.text = m.text.replace(/[ \t]*\n[ \t]*/g, "\n").trim();
      message.kind = m.service ? "system" : m.kind;
      message.attachments = m.attachments;
      message.edited = m.edited;
      if (m.replyTo) message.replyTo = m.replyTo;
      if (m.forwardedFrom) message.forwardedFrom = m.forwardedFrom.trim();
      if (!m.service) {
        const author = m.from?.trim() || lastAuthor;
        if (author) {
          lastAuthor = author;
          message.authorKey = people.ensure(out, author);
        }
      }
      out.push({ type: "message", message });
    };

    const append = (text: string) => {
      if (!message || capture === undefined) {
        if (capture === "header") chatName += text;
        return;
      }
      if (capture === "from") message.from = (message.from ?? "") + text;
      else if (capture === "forwarded") message.forwardedFrom = (message.forwardedFrom ?? "") + text;
      else message.text += text;
      if (message.text.length > maxMessageChars) {
        throw new ParseError(
          "MESSAGE_TOO_LONG",
          `${entry.label}: message ${message.id} is longer than ${maxMessageChars} characters`,
          { file: entry.label },
        );
      }
    };

    const html = new HtmlParser(
      {
        onopentag(name, attribs) {
          const cls = ` ${attribs.class ?? ""} `;
          let role = "";
          if (name === "div" && cls.includes(" message ") && !message) {
            const id = /^message(-?\d+)$/.exec(attribs.id ?? "")?.[1];
            // Date separators are "message service" with a negative id: not messages.
            if (id !== undefined && !id.startsWith("-")) {
              message = {
                id,
                service: cls.includes(" service "),
                text: "",
                kind: "text",
                attachments: [],
                edited: false,
              };
              messageDepth = stack.length;
            }
          } else if (name === "div" && cls.includes(" page_header ")) {
            headerDepth = stack.length;
          } else if (
            headerDepth >= 0 &&
            !chatName &&
            name === "div" &&
            cls.includes(" text ") &&
            cls.includes(" bold ")
          ) {
            capture = "header";
            captureDepth = stack.length;
          } else if (message) {
            if (name === "div" && cls.includes(" date ") && attribs.title) {
              if (!message.date) message.date = attribs.title;
            } else if (name === "div" && cls.includes(" forwarded ")) {
              forwardDepth = stack.length;
            } else if (name === "div" && cls.includes(" from_name ") && capture === undefined) {
              capture = forwardDepth >= 0 ? "forwarded" : "from";
              captureDepth = stack.length;
            } else if (
              name === "span" &&
              cls.includes(" details ") &&
              (capture === "from" || capture === "forwarded")
            ) {
              // The original date after a forwarded author's name: not part of the name.
              role = "skip";
            } else if (name === "div" && cls.includes(" text ") && capture === undefined) {
              capture = "text";
              captureDepth = stack.length;
            } else if (
              message.service &&
              name === "div" &&
              cls.includes(" body ") &&
              cls.includes(" details ") &&
              capture === undefined
            ) {
              capture = "service";
              captureDepth = stack.length;
            } else if (name === "div" && cls.includes(" reply_to ")) {
              role = "reply";
            } else if (name === "a" && stack.includes("reply")) {
              const to = /go_to_message(\d+)/.exec(attribs.href ?? "")?.[1];
              if (to) message.replyTo = to;
              role = "skip";
            } else if (name === "br" && capture !== undefined) {
              append("\n");
            } else {
              for (const [marker, kind, mediaType] of MEDIA_CLASSES) {
                if (cls.includes(` ${marker} `)) {
                  if (message.kind === "text") message.kind = kind;
                  const href = attribs.href;
                  if (
                    mediaType !== "location" &&
                    mediaType !== "call" &&
                    mediaType !== "poll" &&
                    !message.attachments.some((a) => a.mediaType === mediaType)
                  ) {
                    message.attachments.push(href ? { name: href, mediaType } : { mediaType });
                  }
                  break;
                }
              }
              if (name === "div" && cls.includes(" details ") && cls.includes(" edited ")) message.edited = true;
            }
          }
          stack.push(role || (stack.at(-1) === "skip" ? "skip" : stack.at(-1) === "reply" ? "reply" : ""));
        },
        ontext(text) {
          if (stack.at(-1) === "skip" || stack.at(-1) === "reply") return;
          append(decodeEntitiesLeft(text));
        },
        onclosetag() {
          stack.pop();
          const depth = stack.length;
          if (capture !== undefined && depth === captureDepth) {
            capture = undefined;
            captureDepth = -1;
          }
          if (depth === forwardDepth) forwardDepth = -1;
          if (depth === headerDepth) headerDepth = -1;
          if (message && depth === messageDepth) {
            const done = message;
            message = undefined;
            messageDepth = -1;
            finish(done);
          }
        },
      },
      { decodeEntities: true, lowerCaseTags: true },
    );

    let stream;
    try {
      stream = await entry.open();
    } catch (err) {
      throw toParseError(err, entry.readErrorCode, { file: entry.label });
    }
    const decoder = new StringDecoder("utf8");
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        ctx.progress.bytesRead += chunk.length;
        html.write(decoder.write(chunk));
        if (out.length > 0) {
          const events = out;
          out = [];
          yield events;
        }
      }
      html.write(decoder.end());
      html.end();
    } catch (err) {
      throw toParseError(err, entry.readErrorCode, { file: entry.label });
    } finally {
      stream.destroy();
    }
    if (firstPage) ensureConversation();
    if (out.length > 0) {
      const events = out;
      out = [];
      yield events;
    }
  }
};

/** htmlparser2 decodes entities itself; this only normalises the non-breaking spaces Telegram puts in names. */
function decodeEntitiesLeft(text: string): string {
  return text.replace(/\u00a0/g, " ");
}

/** The chat's folder name ("ChatExport_2024-03-14"), else the upload's name, when the page has no header. */
function folderName(dir: string, label: string): string {
  const parts = dir.split("/").filter(Boolean);
  return parts.at(-1) ?? label.replace(/\.(zip|html)$/i, "");
}
