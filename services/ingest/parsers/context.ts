import type { ExportContainer } from "../io/container.ts";
import type { Progress } from "../io/progress.ts";
import type { ZoneClock } from "../time.ts";
import type { Conversation, Message, ParseOptions, ParseWarning, Participant, Platform } from "../types.ts";

/** A message before the orchestrator gives it its stable `sourceKey`. */
export type ParsedMessage = Omit<Message, "sourceKey">;

export type ParserEvent =
  | { type: "conversation"; conversation: Conversation }
  | { type: "participant"; participant: Participant }
  | { type: "message"; message: ParsedMessage }
  /** `skipped`: a line or record was dropped (as opposed to a note about a kept one). */
  | { type: "warning"; warning: ParseWarning; skipped: boolean };

export interface ParserContext {
  container: ExportContainer;
  options: ParseOptions;
  clock: ZoneClock;
  progress: Progress;
}

/**
 * Every parser is an async generator of event arrays: text parsers turn a whole chunk of
 * lines into one array, which keeps the per-message cost of the async machinery low.
 */
export type Parser = (ctx: ParserContext) => AsyncGenerator<ParserEvent[]>;

/**
 * Hands out participant keys and emits each participant once per parse (or again, through
 * `rename`, when a later record reveals a better name).
 */
export class ParticipantBook {
  private readonly known = new Map<string, string>();
  constructor(private readonly platform: Platform) {}

  /** Key for a participant with a platform id (preferred) or only a display name. */
  ensure(out: ParserEvent[], displayName: string, platformId?: string, isBot?: boolean): string {
    const lookup = platformId !== undefined ? `id:${platformId}` : `name:${displayName}`;
    const existing = this.known.get(lookup);
    if (existing !== undefined) return existing;
    const key = `${this.platform}:${lookup}`;
    this.known.set(lookup, key);
    const participant: Participant = { key, platform: this.platform, displayName };
    if (platformId !== undefined) participant.platformId = platformId;
    if (isBot !== undefined) participant.isBot = isBot;
    out.push({ type: "participant", participant });
    return key;
  }

  /** Emits the participant again with a better name; the service treats participant events as upserts. */
  rename(out: ParserEvent[], key: string, displayName: string, platformId?: string): void {
    const participant: Participant = { key, platform: this.platform, displayName };
    if (platformId !== undefined) participant.platformId = platformId;
    out.push({ type: "participant", participant });
  }
}

/** Emits each conversation once, even when it spans several files (Discord partitions, Messenger message_N.json). */
export class ConversationBook {
  private readonly known = new Set<string>();
  ensure(out: ParserEvent[], conversation: Conversation): string {
    if (!this.known.has(conversation.key)) {
      this.known.add(conversation.key);
      out.push({ type: "conversation", conversation });
    }
    return conversation.key;
  }
}

export function warning(
  code: string,
  message: string,
  where: { file?: string; line?: number; path?: string },
  skipped = true,
): ParserEvent {
  return { type: "warning", warning: { code, message, ...where }, skipped };
}

/** Default fields of a message; parsers fill in the rest. */
export function baseMessage(
  conversationKey: string,
  utcMs: number,
  localTime: string,
  timeZone: string,
  source: ParsedMessage["source"],
): ParsedMessage {
  return {
    conversationKey,
    timestamp: new Date(utcMs),
    localTime,
    timeZone,
    kind: "text",
    text: "",
    edited: false,
    reactions: [],
    attachments: [],
    source,
  };
}
