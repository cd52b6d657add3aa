/**
 * Stable per-message keys so re-importing an export, or a later export that overlaps an
 * earlier one, can be deduplicated by the service:
 * - the platform's message id when the format has one (`<conversation>#<id>`);
 * - otherwise the conversation key and a hash of instant, author and text, plus the ordinal among
 *   identical messages at that instant (two "ok" in the same minute stay two messages).
 * Identical messages share a timestamp, so the counters are kept only for the current
 * instant of each conversation: memory stays bounded however long the export.
 */
export class SourceKeyer {
  private readonly runs = new Map<string, { ts: number; counts: Map<string, number> }>();

  key(conversationKey: string, sourceId: string | undefined, timestampMs: number, authorKey: string | undefined, text: string): string {
    if (sourceId !== undefined) return `${conversationKey}#${sourceId}`;
    const digest = hash64(String(timestampMs), authorKey ?? "", text);
    let run = this.runs.get(conversationKey);
    if (!run) {
      run = { ts: timestampMs, counts: new Map() };
      this.runs.set(conversationKey, run);
    } else if (run.ts !== timestampMs) {
      run.ts = timestampMs;
      run.counts.clear();
    }
    const ordinal = run.counts.get(digest) ?? 0;
    run.counts.set(digest, ordinal + 1);
    return `${conversationKey}~${digest}${ordinal === 0 ? "" : `.${ordinal}`}`;
  }
}

/**
 * 64-bit FNV-1a-style hash (two 32-bit lanes with different primes) over the UTF-16 code
 * units of the parts, separated, as 16 hex digits. Not cryptographic: keys only need to be
 * stable and to collide with negligible probability within one conversation and instant,
 * and this is several times cheaper than a crypto hash per message. Changing it changes
 * every key, so it must stay as it is once imports exist.
 */
export function hash64(...parts: string[]): string {
  let a = 0x811c9dc5;
  let b = 0x2d358dcc;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0xffff, 0x01000193);
    b = Math.imul(b ^ 0xffff, 0x5bd1e995);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
  b ^= b >>> 16;
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
