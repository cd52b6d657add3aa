import { createHash } from "node:crypto";

/**
 * Bump when the chunking algorithm changes in a way that changes chunks for the same config.
 * v2: chunk ids hash every message id, not only the first and last (a message imported later
 * into the middle of a chunk changes its id, so the stored chunk is replaced, not kept stale).
 */
export const CHUNKING_VERSION = "chunk-v2";

export interface ChatMessage {
  id: string | number;
  conversationId: string;
  authorName?: string | null;
  text: string;
  timestamp: Date;
  /** Message kind as ingest writes it (text, media, system, deleted, …). */
  kind: string;
}

export interface ChunkingConfig {
  /** A pause longer than this starts a new chunk. Default 30. */
  gapMinutes: number;
  /** Size limit of a chunk's text in characters (used when no token counter is given). Default 600. */
  maxChars: number;
  /** Size limit in tokens, used with `countTokens`. Default 100. */
  maxTokens: number;
  /** Counts tokens with the embedding model's tokenizer; when set, sizes are in tokens. */
  countTokens?: (text: string) => number;
  /** Names the tokenizer behind `countTokens` in the version string (required with it). */
  tokenizerId?: string;
  /** Messages repeated at the start of the next chunk when a chunk is split for size. Default 1. */
  overlap: number;
  /**
   * A chunk whose message text is shorter than this never stands alone: at a time gap it is
   * merged into the previous chunk of its conversation, or carried into the next one. Default 30.
   */
  minChars: number;
  /** Kinds whose messages carry no text of their own. Default system, deleted. */
  excludeKinds: string[];
}

export interface Chunk {
  /** Deterministic: the same messages and config give the same id (re-chunking is idempotent). */
  id: string;
  conversationId: string;
  messageIds: (string | number)[];
  /** "Author: text" lines joined by newlines. */
  text: string;
  startTs: Date;
  endTs: Date;
  chunkingVersion: string;
}

export const DEFAULT_CHUNKING: ChunkingConfig = {
  gapMinutes: 30,
  maxChars: 600,
  maxTokens: 100,
  overlap: 1,
  minChars: 30,
  excludeKinds: ["system", "deleted"],
};

/** A version string derived from everything in the config that changes the chunks. */
export function chunkingVersion(config: Partial<ChunkingConfig> = {}): string {
  const c = { ...DEFAULT_CHUNKING, ...config };
  const size = c.countTokens ? `${c.maxTokens}tok:${c.tokenizerId}` : `${c.maxChars}ch`;
  const kinds = [...c.excludeKinds].sort().join("+");
  return `${CHUNKING_VERSION};gap=${c.gapMinutes}m;max=${size};overlap=${c.overlap};min=${c.minChars};exclude=${kinds}`;
}

export function chunkId(
  conversationId: string,
  messageIds: readonly (string | number)[],
  version: string,
  part = 0,
): string {
  return createHash("sha256")
    .update([conversationId, messageIds.join(","), String(part), version].join("\u0000"))
    .digest("hex")
    .slice(0, 32);
}

interface Line {
  id: string | number;
  timestamp: Date;
  text: string;
  /** Chars of the message text alone (for minChars). */
  chars: number;
  size: number;
}

interface Draft {
  lines: Line[];
  /** Leading lines repeated from the previous chunk. */
  overlapCount: number;
  part: number;
}

/**
 * Streams messages (ordered by conversation, then time) into chunks. push() returns the chunks
 * that became final; flush() returns the rest. One closed chunk is held back per conversation
 * so that a trailing short reply can still be merged into it.
 */
export class Chunker {
  readonly version: string;
  private readonly config: ChunkingConfig;
  private readonly maxSize: number;
  private readonly gapMs: number;
  private readonly excluded: Set<string>;
  private conversationId: string | null = null;
  private current: Draft | null = null;
  private held: Draft | null = null;

  constructor(config: Partial<ChunkingConfig> = {}) {
    this.config = { ...DEFAULT_CHUNKING, ...config };
    if (this.config.countTokens && !this.config.tokenizerId) {
      throw new Error("chunking: tokenizerId is required with countTokens (it is part of the chunking version)");
    }
    this.version = chunkingVersion(this.config);
    this.maxSize = this.config.countTokens ? this.config.maxTokens : this.config.maxChars;
    this.gapMs = this.config.gapMinutes * 60_000;
    this.excluded = new Set(this.config.excludeKinds);
  }

  push(message: ChatMessage): Chunk[] {
    const text = message.text.replace(/\s+/g, " ").trim();
    if (this.excluded.has(message.kind) || text === "") return [];
    const out: Chunk[] = [];
    if (this.conversationId !== message.conversationId) {
      out.push(...this.flush());
      this.conversationId = message.conversationId;
    }

    const prefix = `${message.authorName?.trim() || "Unknown"}: `;
    const line = this.line(message, prefix + text, text.length);
    if (line.size > this.maxSize) {
      // Too long for one chunk: close what is open, then give the message chunks of its own;
      // a short reply still left open rides along with the first piece.
      out.push(...this.close("break", 0));
      const carried = this.current ? this.current.lines.slice(this.current.overlapCount) : [];
      this.current = null;
      this.splitLong(message, prefix, text).forEach((piece, part) =>
        out.push(...this.finish({ lines: part === 0 ? [...carried, piece] : [piece], overlapCount: 0, part })),
      );
      return out;
    }

    if (this.current && this.current.lines.length > 0) {
      const last = this.current.lines[this.current.lines.length - 1]!;
      if (message.timestamp.getTime() - last.timestamp.getTime() > this.gapMs)
        out.push(...this.close("break", line.size));
    }
    if (this.current && sizeOf(this.current) + line.size > this.maxSize) out.push(...this.close("size", line.size));
    this.current ??= { lines: [], overlapCount: 0, part: 0 };
    this.current.lines.push(line);
    return out;
  }

  /** Ends the current conversation: everything pending becomes final. */
  flush(): Chunk[] {
    const out = this.close("end", 0);
    if (this.held) out.push(this.emit(this.held));
    this.held = null;
    this.current = null;
    this.conversationId = null;
    return out;
  }

  private line(message: ChatMessage, text: string, chars: number): Line {
    const size = this.config.countTokens ? this.config.countTokens(text) : text.length + 1;
    return { id: message.id, timestamp: message.timestamp, text, chars, size };
  }

  /**
   * Closes the open draft before a message of size `incoming`. A "break" (time gap, long
   * message) or the end keeps context apart, so only a "size" split repeats `overlap` messages.
   * A draft too short to stand alone is merged into the held chunk while that stays within 125%
   * of the limit, else kept open for the next messages (at the end it has to stand alone).
   */
  private close(reason: "break" | "size" | "end", incoming: number): Chunk[] {
    const cur = this.current;
    if (!cur || cur.lines.length <= cur.overlapCount) {
      this.current = null;
      return [];
    }
    const fresh = cur.lines.slice(cur.overlapCount);
    if (fresh.reduce((n, l) => n + l.chars, 0) < this.config.minChars) {
      if (this.held && sizeOf(this.held) + fresh.reduce((n, l) => n + l.size, 0) <= this.maxSize * 1.25) {
        this.held.lines.push(...fresh);
        this.current = null;
        return [];
      }
      if (reason !== "end") return [];
    }
    this.current = reason === "size" ? this.overlapDraft(cur, incoming) : null;
    return this.finish(cur);
  }

  /** The last `overlap` lines of `cur` that still leave room for the incoming message. */
  private overlapDraft(cur: Draft, incoming: number): Draft | null {
    const keep = this.config.overlap > 0 ? cur.lines.slice(-this.config.overlap) : [];
    // Never repeat a whole chunk, and never let the overlap push the next chunk over the limit.
    if (keep.length === cur.lines.length) keep.shift();
    while (keep.length > 0 && keep.reduce((n, l) => n + l.size, 0) + incoming > this.maxSize) keep.shift();
    return keep.length > 0 ? { lines: keep, overlapCount: keep.length, part: 0 } : null;
  }

  /** A draft became complete: the previously held one is final now, this one is held. */
  private finish(draft: Draft): Chunk[] {
    const out = this.held ? [this.emit(this.held)] : [];
    this.held = draft;
    return out;
  }

  private emit(d: Draft): Chunk {
    const first = d.lines[0]!;
    const last = d.lines[d.lines.length - 1]!;
    const messageIds = [...new Set(d.lines.map((l) => l.id))];
    return {
      id: chunkId(this.conversationId!, messageIds, this.version, d.part),
      conversationId: this.conversationId!,
      messageIds,
      text: d.lines.map((l) => l.text).join("\n"),
      startTs: first.timestamp,
      endTs: last.timestamp,
      chunkingVersion: this.version,
    };
  }

  /** Word-boundary pieces of one long message, each within the size limit. */
  private splitLong(message: ChatMessage, prefix: string, text: string): Line[] {
    const pieces: Line[] = [];
    let words: string[] = [];
    const push = () => {
      const body = words.join(" ");
      pieces.push(this.line(message, prefix + body, body.length));
      words = [];
    };
    for (const word of text.split(" ")) {
      for (const w of this.hardSplit(prefix, word)) {
        if (words.length > 0 && this.line(message, prefix + [...words, w].join(" "), 0).size > this.maxSize) push();
        words.push(w);
      }
    }
    if (words.length > 0) push();
    return pieces;
  }

  /** A single "word" longer than the limit (a URL, a base64 blob) is cut into fitting slices. */
  private hardSplit(prefix: string, word: string): string[] {
    const fits = (w: string) =>
      (this.config.countTokens ? this.config.countTokens(prefix + w) : prefix.length + w.length + 1) <= this.maxSize;
    if (fits(word)) return [word];
    const slices: string[] = [];
    let rest = word;
    while (rest.length > 0) {
      let n = rest.length;
      while (n > 1 && !fits(rest.slice(0, n))) n = Math.floor(n / 2);
      slices.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    return slices;
  }
}

function sizeOf(d: Draft): number {
  return d.lines.reduce((n, l) => n + l.size, 0);
}

export function chunkMessages(messages: Iterable<ChatMessage>, config: Partial<ChunkingConfig> = {}): Chunk[] {
  const chunker = new Chunker(config);
  const out: Chunk[] = [];
  for (const m of messages) out.push(...chunker.push(m));
  out.push(...chunker.flush());
  return out;
}

/** The streaming form, for imports read from the database page by page. */
export async function* chunkMessageStream(
  messages: AsyncIterable<ChatMessage> | Iterable<ChatMessage>,
  config: Partial<ChunkingConfig> = {},
): AsyncGenerator<Chunk> {
  const chunker = new Chunker(config);
  for await (const m of messages) yield* chunker.push(m);
  yield* chunker.flush();
}
