import type { Attachment } from "./types.ts";

/**
 * Stable per-message keys so re-importing an export, or a later export that overlaps an
 * earlier one, can be deduplicated by the service:
 * - the platform's message id when the format has one (`<conversation>#<id>`);
 * - otherwise the conversation key and a hash of instant, author and content, plus the ordinal
 *   among identical messages at that instant (two "ok" in the same minute stay two messages).
 *   The content is the text, followed by `\0` and the attachment names joined by `\0` when
 *   there are attachments (they tell apart media messages that have no text).
 * Identical messages share a timestamp, so the counters are kept only for the current
 * instant of each conversation: memory stays bounded however long the export.
 */
export class SourceKeyer {
  private readonly runs = new Map<string, Run>();
  /** The last conversation's run: consecutive messages almost always share the conversation. */
  private lastConversation = "";
  private lastRun: Run | undefined;

  /**
   * A new file of the upload begins: its messages are counted afresh, so an export that begins at
   * the instant the previous one of the same chat ended gives the same keys for the same messages.
   */
  newFile(): void {
    this.runs.clear();
    this.lastConversation = "";
    this.lastRun = undefined;
  }

  key(
    conversationKey: string,
    sourceId: string | undefined,
    timestampMs: number,
    authorKey: string | undefined,
    text: string,
    attachments: readonly Attachment[],
  ): string {
    if (sourceId !== undefined) return `${conversationKey}#${sourceId}`;
    // Hashed part by part, exactly as hash64(String(timestampMs), authorKey ?? "", content), without building those strings.
    const h = hasher.reset();
    h.feedNumber(timestampMs);
    h.end();
    if (authorKey !== undefined) h.feed(authorKey);
    h.end();
    h.feed(text);
    for (let i = 0; i < attachments.length; i++) {
      const a = attachments[i]!;
      h.feedChar(0);
      h.feed(a.name ?? a.url ?? "");
    }
    h.end();
    const digest = h.hex();
    let run = conversationKey === this.lastConversation ? this.lastRun : this.runs.get(conversationKey);
    if (!run) {
      run = { prefix: `${conversationKey}~`, ts: timestampMs, first: digest, firstCount: 0, others: undefined };
      this.runs.set(conversationKey, run);
    } else if (run.ts !== timestampMs) {
      run.ts = timestampMs;
      run.first = digest;
      run.firstCount = 0;
      run.others = undefined;
    }
    this.lastConversation = conversationKey;
    this.lastRun = run;
    let ordinal: number;
    if (digest === run.first) ordinal = run.firstCount++;
    else {
      run.others ??= new Map();
      ordinal = run.others.get(digest) ?? 0;
      run.others.set(digest, ordinal + 1);
    }
    return ordinal === 0 ? run.prefix + digest : `${run.prefix}${digest}.${ordinal}`;
  }
}

/**
 * Counters of one conversation's current instant. Most instants hold one message, so the
 * first digest is counted in fields and a map is made only for a second, different one.
 */
interface Run {
  /** `<conversation>~`, built once per conversation rather than once per key. */
  prefix: string;
  ts: number;
  first: string;
  firstCount: number;
  others: Map<string, number> | undefined;
}

const HEX_CODES = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/**
 * Incremental form of hash64, so callers can hash several values without concatenating
 * or stringifying them first. The two lanes live in fields of one reused object.
 */
class Hash64 {
  private a = 0;
  private b = 0;

  reset(): this {
    this.a = 0x811c9dc5;
    this.b = 0x2d358dcc;
    return this;
  }

  feedChar(c: number): void {
    this.a = Math.imul(this.a ^ c, 0x01000193);
    this.b = Math.imul(this.b ^ c, 0x5bd1e995);
  }

  feed(part: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.a = a;
    this.b = b;
  }

  /** Feeds the characters of `String(n)`: digits of safe integers directly (epoch ms, the common case), anything else through String. */
  feedNumber(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.feed(String(n));
      return;
    }
    if (n < 0) this.feedChar(45);
    const abs = Math.abs(n);
    // Safe integers are below 10¹⁶, so both halves fit in int32 arithmetic.
    if (abs >= 1e8) {
      const high = Math.floor(abs / 1e8);
      this.feedDigits(high, false);
      this.feedDigits(abs - high * 1e8, true);
    } else this.feedDigits(abs, false);
  }

  /** Decimal digits of 0 ≤ v < 10⁸, most significant first; `pad` keeps the leading zeros of a low half. */
  private feedDigits(v: number, pad: boolean): void {
    let a = this.a;
    let b = this.b;
    let started = pad;
    for (let p = 10_000_000; p >= 1; p = (p / 10) | 0) {
      const d = ((v / p) | 0) % 10;
      if (!started && d === 0 && p > 1) continue;
      started = true;
      a = Math.imul(a ^ (48 + d), 0x01000193);
      b = Math.imul(b ^ (48 + d), 0x5bd1e995);
    }
    this.a = a;
    this.b = b;
  }

  /** Ends a part: parts are separated so ("ab", "c") and ("a", "bc") differ. */
  end(): void {
    this.feedChar(0xffff);
  }

  /** The finalised 64 bits as 16 hex digits; Number#toString(16) costs several times more. */
  hex(): string {
    let a = this.a;
    let b = this.b;
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a ^= a >>> 13;
    b = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
    b ^= b >>> 16;
    const x = HEX_CODES;
    return String.fromCharCode(
      x[(a >>> 28) & 15]!,
      x[(a >>> 24) & 15]!,
      x[(a >>> 20) & 15]!,
      x[(a >>> 16) & 15]!,
      x[(a >>> 12) & 15]!,
      x[(a >>> 8) & 15]!,
      x[(a >>> 4) & 15]!,
      x[a & 15]!,
      x[(b >>> 28) & 15]!,
      x[(b >>> 24) & 15]!,
      x[(b >>> 20) & 15]!,
      x[(b >>> 16) & 15]!,
      x[(b >>> 12) & 15]!,
      x[(b >>> 8) & 15]!,
      x[(b >>> 4) & 15]!,
      x[b & 15]!,
    );
  }
}

const hasher = new Hash64();

/**
 * 64-bit FNV-1a-style hash (two 32-bit lanes with different primes) over the UTF-16 code
 * units of the parts, separated, as 16 hex digits. Not cryptographic: keys only need to be
 * stable and to collide with negligible probability within one conversation and instant,
 * and this is several times cheaper than a crypto hash per message. Changing it changes
 * every key, so it must stay as it is once imports exist.
 */
export function hash64(...parts: string[]): string {
  const h = hasher.reset();
  for (const part of parts) {
    h.feed(part);
    h.end();
  }
  return h.hex();
}
