import { detectFormat } from "./detect.ts";
import { ParseError } from "./errors.ts";
import { openContainer } from "./io/container.ts";
import { withDefaults } from "./io/limits.ts";
import { Progress } from "./io/progress.ts";
import type { Parser, ParserContext } from "./parsers/context.ts";
import { discordCsvParser, discordParser } from "./parsers/discord.ts";
import { genericCsvParser, jsonLinesParser } from "./parsers/generic.ts";
import { messengerParser } from "./parsers/messenger.ts";
import { slackParser } from "./parsers/slack.ts";
import { telegramParser } from "./parsers/telegram.ts";
import { telegramHtmlPages, telegramHtmlParser } from "./parsers/telegram-html.ts";
import { textChatParser } from "./parsers/whatsapp.ts";
import { SourceKeyer } from "./source-key.ts";
import { ZoneClock } from "./time.ts";
import type { FormatName, Message, ParseEvent, ParseInput, ParseSummary } from "./types.ts";

export const PARSERS: Record<FormatName, Parser> = {
  whatsapp: textChatParser("whatsapp"),
  signal: textChatParser("signal"),
  // Telegram Desktop exports JSON (result.json) or HTML (messages.html, messages2.html …): one format name for both.
  telegram: (ctx) =>
    telegramHtmlPages(ctx.container.entries).length > 0 &&
    !ctx.container.entries.some((e) => /(^|\/)result\.json$/i.test(e.name))
      ? telegramHtmlParser(ctx)
      : telegramParser(ctx),
  discord: discordParser,
  "discord-csv": discordCsvParser,
  slack: slackParser,
  messenger: messengerParser("messenger"),
  instagram: messengerParser("instagram"),
  csv: genericCsvParser,
  jsonl: jsonLinesParser,
};

export const FORMAT_NAMES = Object.keys(PARSERS) as FormatName[];

const DEFAULT_BATCH_SIZE = 500;
/** Warnings beyond this are counted in the summary but not sent one by one. */
const MAX_WARNING_EVENTS = 1000;
const PROGRESS_STEP_BYTES = 4 * 1024 * 1024;

/**
 * Parses an uploaded export into conversations, participants and batches of messages.
 *
 * Events come in dependency order: a conversation or participant is always emitted before
 * any `messages` batch that refers to it. The stream ends with one `summary` event. Any
 * problem with the input (unknown format, corrupt archive, invalid JSON, not a chat, empty
 * file) is thrown as a `ParseError`; recoverable problems inside an otherwise valid export
 * are `warning` events.
 */
export async function* parseExport(input: ParseInput): AsyncGenerator<ParseEvent, void> {
  const started = Date.now();
  const options = input.options ?? {};
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new ParseError("INVALID_OPTIONS", "batchSize must be an integer between 1 and 100000");
  }
  if (input.format !== undefined && !(input.format in PARSERS)) {
    throw new ParseError(
      "UNKNOWN_FORMAT",
      `Unknown format "${input.format}"; expected one of ${FORMAT_NAMES.join(", ")}`,
    );
  }
  const clock = new ZoneClock(options.timeZone ?? "UTC");
  const limits = withDefaults(input.limits);
  const container = await openContainer(input.path, input.filename, limits);
  try {
    const format = input.format ?? (await detectFormat(container)).format;
    const progress = new Progress();
    progress.totalBytes = container.entries.reduce((sum, e) => sum + e.size, 0);
    const ctx: ParserContext = { container, options, clock, progress };
    const keyer = new SourceKeyer();
    let keyedFile: string | undefined;
    const counts = { conversations: 0, participants: 0, messages: 0, warnings: 0, skipped: 0 };
    const participantKeys = new Set<string>();
    let batch: Message[] = [];
    let lastProgress = 0;
    // The parser's own time (reading and parsing, not the consumer's writes between events) is budgeted.
    let parseMs = 0;
    let resumed = performance.now();
    try {
      for await (const events of PARSERS[format](ctx)) {
        parseMs += performance.now() - resumed;
        input.signal?.throwIfAborted();
        if (parseMs > limits.maxParseMs) {
          throw new ParseError(
            "IMPORT_TIME_EXCEEDED",
            `${container.label}: parsing took longer than ${limits.maxParseMs} ms`,
            { file: container.label },
          );
        }
        for (const event of events) {
          switch (event.type) {
            case "message": {
              const m = event.message as Message;
              if (m.source.file !== keyedFile) {
                keyedFile = m.source.file;
                keyer.newFile();
              }
              m.sourceKey = keyer.key(
                m.conversationKey,
                m.sourceId,
                m.timestamp.getTime(),
                m.authorKey,
                m.text,
                m.attachments,
              );
              batch.push(m);
              counts.messages++;
              if (counts.messages + counts.skipped > limits.maxRecords)
                throw tooManyRecords(container.label, limits.maxRecords);
              if (batch.length >= batchSize) {
                yield { type: "messages", messages: batch };
                batch = [];
              }
              break;
            }
            case "conversation":
              counts.conversations++;
              yield event;
              break;
            case "participant":
              if (!participantKeys.has(event.participant.key)) {
                participantKeys.add(event.participant.key);
                counts.participants++;
              }
              yield event;
              break;
            case "warning":
              counts.warnings++;
              if (event.skipped && ++counts.skipped + counts.messages > limits.maxRecords)
                throw tooManyRecords(container.label, limits.maxRecords);
              if (counts.warnings <= MAX_WARNING_EVENTS) yield { type: "warning", warning: event.warning };
              break;
          }
        }
        if (progress.bytesRead - lastProgress >= PROGRESS_STEP_BYTES) {
          lastProgress = progress.bytesRead;
          yield {
            type: "progress",
            bytesRead: progress.bytesRead,
            totalBytes: Math.max(progress.totalBytes, progress.bytesRead),
          };
        }
        resumed = performance.now();
      }
    } catch (err) {
      if (err instanceof ParseError) throw err;
      if (input.signal?.aborted) throw err;
      // A parser bug must still surface as a clean rejection of this upload, not a 500.
      throw new ParseError(
        "NOT_A_CHAT",
        `Unexpected content in ${container.label}: ${(err as Error)?.message ?? String(err)}`,
        { file: container.label },
        { cause: err },
      );
    }
    if (batch.length > 0) yield { type: "messages", messages: batch };
    if (counts.warnings > MAX_WARNING_EVENTS) {
      yield {
        type: "warning",
        warning: {
          code: "WARNINGS_TRUNCATED",
          message: `${counts.warnings - MAX_WARNING_EVENTS} more warnings not listed`,
        },
      };
    }
    // Estimates of the total (two passes, skipped zip members) end here: the work is done.
    const totalBytes = progress.bytesRead;
    yield { type: "progress", bytesRead: progress.bytesRead, totalBytes };
    const summary: ParseSummary = {
      format,
      ...counts,
      bytesRead: progress.bytesRead,
      totalBytes,
      durationMs: Date.now() - started,
    };
    yield { type: "summary", summary };
  } finally {
    container.close();
  }
}

function tooManyRecords(label: string, max: number): ParseError {
  return new ParseError("TOO_MANY_RECORDS", `${label} holds more than ${max} messages and records`, { file: label });
}

/** Collects a whole parse in memory: for tests and small uploads only. */
export async function parseExportToArrays(input: ParseInput) {
  const result = {
    conversations: [] as Extract<ParseEvent, { type: "conversation" }>["conversation"][],
    participants: [] as Extract<ParseEvent, { type: "participant" }>["participant"][],
    messages: [] as Message[],
    warnings: [] as Extract<ParseEvent, { type: "warning" }>["warning"][],
    summary: undefined as ParseSummary | undefined,
  };
  for await (const event of parseExport(input)) {
    if (event.type === "conversation") result.conversations.push(event.conversation);
    else if (event.type === "participant") result.participants.push(event.participant);
    else if (event.type === "messages") result.messages.push(...event.messages);
    else if (event.type === "warning") result.warnings.push(event.warning);
    else if (event.type === "summary") result.summary = event.summary;
  }
  return result;
}
