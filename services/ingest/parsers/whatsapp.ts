import { ParseError } from "../errors.ts";
import type { ExportEntry } from "../io/container.ts";
import { withDefaults } from "../io/limits.ts";
import { readLineChunks } from "../io/lines.ts";
import type { Conversation, Platform } from "../types.ts";
import {
  baseMessage,
  ConversationBook,
  ParticipantBook,
  warning,
  type ParsedMessage,
  type Parser,
  type ParserContext,
  type ParserEvent,
} from "./context.ts";
import { headerWallMs, isMark, newHeader, scanHeader, type Header } from "./whatsapp-header.ts";
import {
  classifyFirstLine,
  isEncryptionNotice,
  looksLikeSystemNotice,
  normaliseAuthor,
  stripEditedMarker,
  stripLeadingMarks,
  stripMarks,
} from "./whatsapp-markers.ts";

/** What the first pass learns from the headers alone. */
interface FileProfile {
  /** The most common header layout. */
  shape: number;
  daysFirst: boolean;
  /**
   * Every layout taken for a header, with its own day-first answer: a phone's language (and so
   * the layout) can change during a chat's life, and every layout seen often enough is real.
   */
  accepted: Map<number, boolean>;
  /** Distinct authors as written (marks included), bounded. */
  authors: Set<string>;
  /** Authors that only ever wrote system notices: the group's own name on iOS. */
  systemAuthors: Set<string>;
  /** The first year a header wrote out, for headers written without one. */
  firstYear: number;
  headers: number;
}

interface AuthorStats {
  /** Messages that are neither mark-led nor a system notice (placeholders included). */
  plain: number;
  notices: number;
  /** Encryption notices: the group's own name writes the one that opens the chat. */
  encryption: number;
  /** Mark-led texts that are neither a known notice nor a placeholder: a person's text, or a notice in a wording not known. */
  unknown: number;
}

interface ShapeStats {
  count: number;
  firstOver12: number;
  secondOver12: number;
  backwardsIfDayFirst: number;
  backwardsIfMonthFirst: number;
  firstChanges: number;
  secondChanges: number;
  prevA: number;
  prevB: number;
  prevYear: number;
}

/**
 * The first pass may stop early once the answer cannot change in practice: the main layout
 * has dates that already proved their order (a part above 12 on one side only, or year
 * first) and there are more than two authors (a group). A DM is only known at the end.
 */
const EARLY_STOP_HEADERS = 20_000;

function decisive(shapes: Map<number, ShapeStats>): boolean {
  let best: ShapeStats | undefined;
  for (const stats of shapes.values()) if (!best || stats.count > best.count) best = stats;
  if (!best) return false;
  return best.prevYear === -1 || best.firstOver12 > 0 !== best.secondOver12 > 0;
}

/** Distinct authors tracked by the first pass; enough to tell a DM from a group. */
const MAX_TRACKED_AUTHORS = 5000;

/**
 * First pass: reads only the headers to learn the file's header layout (the most common
 * one, so a pasted timestamp in a message body is not mistaken for a header) and whether
 * dates are day-first. Day-first is decided by evidence (a part above 12), then by which
 * order keeps the dates chronological, then by which part changes more often between
 * consecutive messages (the day), else day-first.
 */
async function profile(entry: ExportEntry, ctx: ParserContext, conversationName: string): Promise<FileProfile> {
  const h = newHeader();
  const shapes = new Map<number, ShapeStats>();
  const authors = new Map<string, AuthorStats>();
  let headers = 0;
  let firstYear = 0;
  let lineNo = 0;
  // The first non-empty line that is not a header, for the error when no line is one.
  let firstText: { line: number; text: string } | undefined;
  for await (const lines of readLineChunks(entry, ctx.progress)) {
    if (headers >= EARLY_STOP_HEADERS && authors.size > 2 && decisive(shapes)) break;
    for (const line of lines) {
      lineNo++;
      if (!scanHeader(line, h)) {
        if (!firstText && headers === 0 && line.trim() !== "")
          firstText = { line: lineNo, text: line.length > 80 ? `${line.slice(0, 80)}…` : line };
        continue;
      }
      headers++;
      let s = shapes.get(h.shape);
      if (!s) {
        s = {
          count: 0,
          firstOver12: 0,
          secondOver12: 0,
          backwardsIfDayFirst: 0,
          backwardsIfMonthFirst: 0,
          firstChanges: 0,
          secondChanges: 0,
          prevA: -1,
          prevB: -1,
          prevYear: -1,
        };
        shapes.set(h.shape, s);
      }
      s.count++;
      if (firstYear === 0 && !(h.textual && h.n3 === 0)) firstYear = headerYear(h);
      if (h.textual) {
        // A month name leaves no doubt about the order.
      } else if (h.yearPos !== 0) {
        const a = h.n1;
        const b = h.yearPos === 1 ? h.n3 : h.n2;
        const year = h.yearPos === 1 ? h.n2 : h.n3;
        if (a > 12) s.firstOver12++;
        if (b > 12) s.secondOver12++;
        if (s.prevA >= 0) {
          if (a !== s.prevA) s.firstChanges++;
          if (b !== s.prevB) s.secondChanges++;
          // Messages are chronological: the wrong order makes dates jump backwards.
          if (year === s.prevYear) {
            if (b * 100 + a < s.prevB * 100 + s.prevA) s.backwardsIfDayFirst++;
            if (a * 100 + b < s.prevA * 100 + s.prevB) s.backwardsIfMonthFirst++;
          }
        }
        s.prevA = a;
        s.prevB = b;
        s.prevYear = year;
      }
      const sep = line.indexOf(": ", h.bodyStart);
      if (sep > h.bodyStart) {
        const author = line.slice(h.bodyStart, sep);
        let stats = authors.get(author);
        if (!stats && authors.size < MAX_TRACKED_AUTHORS) {
          stats = { plain: 0, notices: 0, encryption: 0, unknown: 0 };
          authors.set(author, stats);
        }
        if (stats) {
          const marked = isMark(line.charCodeAt(sep + 2));
          // Only mark-led bodies and the first lines (where the encryption notice is) are looked at closely.
          if ((marked || headers <= 3) && isEncryptionNotice(line.slice(sep + 2))) {
            stats.notices++;
            stats.encryption++;
          } else if (marked && looksLikeSystemNotice(line.slice(sep + 2), normaliseAuthor(author))) stats.notices++;
          else if (!marked || classifyFirstLine(line.slice(sep + 2))) stats.plain++;
          else stats.unknown++;
        }
      }
    }
  }
  let best: { shape: number; stats: ShapeStats } | undefined;
  for (const [shape, stats] of shapes) if (!best || stats.count > best.stats.count) best = { shape, stats };
  if (!best) {
    const where = firstText ? `; line ${firstText.line} is not understood: "${firstText.text}"` : "";
    throw new ParseError(
      "NOT_A_CHAT",
      `${entry.label} has no line starting with a chat timestamp${where}. Try another format (format=whatsapp, signal, telegram, csv…), or daysFirst=true / daysFirst=false for the date order`,
      { file: entry.label, line: firstText?.line ?? 1 },
    );
  }
  const [mainDaysFirst] = dayOrder(best.stats, ctx);
  const accepted = new Map<number, boolean>();
  for (const [shape, stats] of shapes) {
    // A layout seen once may be a timestamp quoted in a message; "just a space" after the time is the weakest layout of all.
    const weak = ((shape >> 10) & 3) === 3;
    if (shape !== best.shape && (stats.count < 2 || (weak && stats.count * 100 < headers))) continue;
    const [daysFirst, strength] = dayOrder(stats, ctx);
    accepted.set(shape, shape === best.shape || strength >= 2 ? daysFirst : mainDaysFirst);
  }
  const systemAuthors = new Set<string>();
  for (const [author, stats] of authors) {
    // The group's name opens the chat with the encryption notice and writes only notices, some perhaps in wordings not
    // known; a person who wrote notices and mark-led texts (and nothing else) stays a person.
    if (
      stats.plain === 0 &&
      (stats.encryption > 0 ||
        (stats.notices > 0 && stats.unknown === 0) ||
        normaliseAuthor(author) === conversationName)
    ) {
      systemAuthors.add(author);
    }
  }
  return {
    shape: best.shape,
    daysFirst: mainDaysFirst,
    accepted,
    authors: new Set(authors.keys()),
    systemAuthors,
    firstYear,
    headers,
  };
}

/**
 * Whether a layout's dates are day-first, and how sure: 3 a part above 12, 2 chronology,
 * 1 which part changes more often, 0 the default. The caller's option wins.
 */
function dayOrder(s: ShapeStats, ctx: ParserContext): [boolean, number] {
  if (ctx.options.daysFirst !== undefined) return [ctx.options.daysFirst, 4];
  if (s.firstOver12 !== s.secondOver12) return [s.firstOver12 > s.secondOver12, 3];
  if (s.backwardsIfDayFirst !== s.backwardsIfMonthFirst) return [s.backwardsIfDayFirst < s.backwardsIfMonthFirst, 2];
  if (s.firstChanges !== s.secondChanges) return [s.firstChanges > s.secondChanges, 1];
  return [true, 0];
}

/** The year a header wrote (after era and Buddhist conversion). */
function headerYear(h: Header): number {
  const ms = headerWallMs(h, true);
  return Number.isNaN(ms) ? new Date(headerWallMs(h, false)).getUTCFullYear() : new Date(ms).getUTCFullYear();
}

const CHAT_NAME_PATTERNS = [
  /^WhatsApp Chat (?:with|-) (.+)$/i,
  /^Chat de WhatsApp con (.+)$/i,
  /^WhatsApp[- ]Chat mit (.+)$/i,
  /^Discussion WhatsApp avec (.+)$/i,
  /^Conversa do WhatsApp com (.+)$/i,
  /^Chat WhatsApp con (.+)$/i,
];

/**
 * "WhatsApp Chat with Family.txt" → "Family"; `_chat.txt` takes its folder's name ("WhatsApp Chat -
 * Family/_chat.txt", as iOS exports unpack) or, at the top of a zip, the zip's name.
 */
function conversationName(entry: ExportEntry, containerLabel: string, override?: string): string {
  if (override) return override;
  const parts = entry.name.split(/[/\\]/);
  const base = (name: string) => (name.split(/[/\\]/).pop() ?? name).replace(/\.(txt|zip)$/i, "");
  let name = base(entry.name);
  if (name === "_chat" || name === "")
    name = parts.length > 1 && parts[parts.length - 2] !== "" ? base(parts[parts.length - 2]!) : base(containerLabel);
  for (const pattern of CHAT_NAME_PATTERNS) {
    const m = pattern.exec(name);
    if (m) return m[1]!.trim();
  }
  return name;
}

/** Text entries that hold a chat: `_chat.txt` (iOS), "WhatsApp Chat with X.txt" (Android), else any .txt. */
export function chatTextEntries(entries: ExportEntry[]): ExportEntry[] {
  const txt = entries.filter((e) => /\.txt$/i.test(e.name));
  const named = txt.filter((e) => /(^|\/)_chat\.txt$/i.test(e.name) || /(^|\/)WhatsApp[^/]*\.txt$/i.test(e.name));
  return named.length > 0 ? named : txt;
}

/** Parser for WhatsApp exports and other "timestamp, author: text" logs such as Signal's. */
export function textChatParser(platform: Platform): Parser {
  return async function* parse(ctx: ParserContext): AsyncGenerator<ParserEvent[]> {
    const entries = chatTextEntries(ctx.container.entries);
    if (entries.length === 0)
      throw new ParseError("NOT_A_CHAT", `${ctx.container.label} holds no chat text file`, {
        file: ctx.container.label,
      });
    ctx.progress.totalBytes = entries.reduce((sum, e) => sum + 2 * e.size, 0);
    const people = new ParticipantBook(platform);
    const conversations = new ConversationBook();
    const names = new Map<string, number>();
    for (const entry of entries) {
      let name = conversationName(entry, ctx.container.label, ctx.options.conversationName);
      // Files of one upload with one name are one chat; asked to keep overlapping exports apart, each file is its own.
      const seen = names.get(name) ?? 0;
      names.set(name, seen + 1);
      if (seen > 0 && ctx.options.mergeOverlapping === false) name = `${name} (${seen + 1})`;
      const prof = await profile(entry, ctx, name);
      yield* parseEntry(entry, name, prof, ctx, platform, people, conversations);
    }
  };
}

/** One line that is a file name ("4Bit Adder.mod", "Plan 2024.pdf"): what Android leaves of a document exported without media. */
const DOCUMENT_NAME =
  /^[^\s\n/\\<>][^\n/\\<>]{0,180}\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|txt|csv|zip|rar|7z|apk|vcf|mod|json|xml|html?|epub|mp3|m4a|wav|key|pages|numbers)$/i;

/** Authors matched in place before the map lookup: a typical group chat has fewer. */
const MATCHED_AUTHORS = 16;

async function* parseEntry(
  entry: ExportEntry,
  name: string,
  prof: FileProfile,
  ctx: ParserContext,
  platform: Platform,
  people: ParticipantBook,
  conversations: ConversationBook,
): AsyncGenerator<ParserEvent[]> {
  const conversation: Conversation = {
    key: `${platform}:${name}`,
    platform,
    kind: prof.authors.size > 2 ? "group" : "dm",
    name,
  };
  let out: ParserEvent[] = [];
  const conversationKey = conversations.ensure(out, conversation);
  const clock = ctx.clock;
  const zone = clock.zone;
  const h: Header = newHeader();
  const authorKeys = new Map<string, string>();
  // The first authors (as written, marks included) are matched in place in the line, so most
  // messages cut no author string and hash none for the map; larger groups fall back to it.
  const recentAuthors: string[] = [];
  const recentKeys: string[] = [];
  const authorKeyAt = (line: string, start: number, end: number): string => {
    const length = end - start;
    for (let i = 0; i < recentAuthors.length; i++) {
      const known = recentAuthors[i]!;
      if (known.length === length && line.startsWith(known, start)) return recentKeys[i]!;
    }
    const rawAuthor = line.slice(start, end);
    let key = authorKeys.get(rawAuthor);
    if (key === undefined) {
      key = people.ensure(out, normaliseAuthor(rawAuthor));
      authorKeys.set(rawAuthor, key);
    }
    if (recentAuthors.length < MATCHED_AUTHORS) {
      recentAuthors.push(rawAuthor);
      recentKeys.push(key);
    }
    return key;
  };
  let lineNo = 0;
  let pending: ParsedMessage | undefined;
  let pendingText = "";
  let placeholder = false;
  let lastWallMs = Number.NaN;
  let lastUtcMs = 0;
  let year = 0;
  let lastMonth = 0;
  let headersSeen = 0;
  const { maxMessageChars } = withDefaults(ctx.container.limits);

  const flush = (): void => {
    if (!pending) return;
    let text = placeholder && pendingText.charCodeAt(0) === 10 ? pendingText.slice(1) : pendingText;
    if (placeholder && text !== "" && pending.attachments.length === 1) {
      // Android repeats a document's name on the next line ("Plan.pdf (file attached)\nPlan"): not a caption.
      const name = pending.attachments[0]!.name ?? "";
      const t = text.trim();
      if (
        t === name ||
        (t.length > 0 && name.startsWith(t) && name.charCodeAt(t.length) === 46 && name.indexOf(".", t.length + 1) < 0)
      )
        text = "";
    } else if (
      placeholder &&
      pending.kind === "media" &&
      pending.attachments.length === 0 &&
      text.length < 200 &&
      DOCUMENT_NAME.test(text)
    ) {
      // "<Media omitted>\nPlan 2024.pdf": a document exported without media keeps only its name.
      pending.attachments.push({ name: text.trim(), mediaType: "file" });
      text = "";
    } else if (pending.kind === "text" && !placeholder) {
      // Android writes a shared place on three lines: its name, its area, "location: https://maps…".
      const nl = text.lastIndexOf("\n");
      if (nl > 0 && text.length - nl < 200 && classifyFirstLine(text.slice(nl + 1))?.kind === "location")
        pending.kind = "location";
    }
    const withoutEdited = stripEditedMarker(text);
    if (withoutEdited !== undefined) {
      text = withoutEdited;
      pending.edited = true;
    }
    pending.text = text;
    out.push({ type: "message", message: pending });
    pending = undefined;
  };

  for await (const lines of readLineChunks(entry, ctx.progress)) {
    for (const line of lines) {
      lineNo++;
      const isHeader = scanHeader(line, h) && (h.shape === prof.shape || prof.accepted.has(h.shape));
      let wallMs = Number.NaN;
      if (isHeader) {
        if (h.textual) {
          // Headers without a year (old exports, this year's messages) take the year of the lines before them.
          if (h.n3 !== 0) {
            year = h.n3;
            lastMonth = h.n2;
          } else {
            if (year === 0) {
              year = prof.firstYear || new Date().getUTCFullYear();
              out.push(
                warning(
                  "YEAR_ASSUMED",
                  `Dates without a year from line ${lineNo} on are taken to be in ${year}`,
                  { file: entry.label, line: lineNo },
                  false,
                ),
              );
            } else if (h.n2 < lastMonth) year++;
            lastMonth = h.n2;
            h.defaultYear = year;
          }
        }
        wallMs = headerWallMs(h, h.shape === prof.shape ? prof.daysFirst : prof.accepted.get(h.shape)!);
      }
      if (!isHeader || Number.isNaN(wallMs)) {
        // Not a header in this file's layout: the next line of a multi-line message.
        if (pending) {
          // One header and then endless lines would grow one message without bound.
          if (pendingText.length + line.length >= maxMessageChars) {
            throw new ParseError(
              "MESSAGE_TOO_LONG",
              `${entry.label}: the message at line ${pending.source.line} is longer than ${maxMessageChars} characters (at line ${lineNo})`,
              { file: entry.label, line: lineNo },
            );
          }
          pendingText += "\n" + line;
        } else if (line.trim() !== "")
          out.push(warning("ORPHAN_LINE", "Line before the first message", { file: entry.label, line: lineNo }));
        continue;
      }
      flush();
      if (wallMs !== lastWallMs) {
        lastWallMs = wallMs;
        lastUtcMs = clock.wallToUtc(wallMs);
      }
      const message = baseMessage(conversationKey, lastUtcMs, clock.wallText(wallMs), zone, {
        file: entry.label,
        line: lineNo,
      });
      // Author and text are cut from the line directly: no intermediate body string per message.
      const bodyStart = h.bodyStart;
      headersSeen++;
      placeholder = false;
      let sep = line.indexOf(": ", bodyStart);
      let textStart = sep + 2;
      if (
        sep < 0 &&
        line.charCodeAt(line.length - 1) === 58 &&
        prof.authors.has(line.slice(bodyStart, line.length - 1))
      ) {
        // "Carol:" with nothing after it: an empty message from a known author, not a notice.
        sep = line.length - 1;
        textStart = line.length;
      }
      let text: string;
      if (sep > bodyStart) {
        text = line.slice(textStart);
        const classified = classifyFirstLine(text);
        const marked = isMark(text.charCodeAt(0));
        if (classified) {
          message.kind = classified.kind;
          if (classified.attachment) message.attachments.push(classified.attachment);
          // A placeholder ("<Media omitted>", "file.jpg (file attached)") is not words; a caption on the next lines is.
          text = classified.keepText ? stripMarks(text) : "";
          placeholder = !classified.keepText;
        } else if (prof.systemAuthors.size > 0 && prof.systemAuthors.has(line.slice(bodyStart, sep))) {
          // iOS writes the group's own name as the author of its notices: not a participant.
          message.kind = "system";
          text = stripMarks(text);
        } else if (marked || headersSeen <= 3) {
          // iOS marks notices with a left-to-right mark and puts the actor as author, but the mark
          // also starts ordinary texts: only a notice's wording makes it one.
          if (
            isEncryptionNotice(text) ||
            (marked && looksLikeSystemNotice(text, normaliseAuthor(line.slice(bodyStart, sep))))
          ) {
            message.kind = "system";
            text = stripMarks(text);
          } else text = stripLeadingMarks(text);
        }
        if (message.kind !== "system") message.authorKey = authorKeyAt(line, bodyStart, sep);
      } else {
        message.kind = "system";
        text = stripMarks(bodyStart === 0 ? line : line.slice(bodyStart));
      }
      pending = message;
      pendingText = text;
    }
    if (out.length > 0) {
      // Hand the array over and start a new one rather than copying it out.
      const events = out;
      out = [];
      yield events;
    }
  }
  // A message may continue into the next chunk, so it is flushed only once the file ends.
  flush();
  if (out.length > 0) yield out;
}
