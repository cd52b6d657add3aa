import { createHash } from "node:crypto";

/**
 * Stable per-message keys so re-importing an export, or a later export that overlaps an
 * earlier one, can be deduplicated by the service:
 * - the platform's message id when the format has one (`<conversation>#<id>`);
 * - otherwise a hash of conversation, instant, author and text, plus the ordinal among
 *   identical messages at that instant (two "ok" in the same minute stay two messages).
 * Identical messages share a timestamp, so the counters are kept only for the current
 * instant of each conversation: memory stays bounded however long the export.
 */
export class SourceKeyer {
  private readonly runs = new Map<string, { ts: number; counts: Map<string, number> }>();

  key(conversationKey: string, sourceId: string | undefined, timestampMs: number, authorKey: string | undefined, text: string): string {
    if (sourceId !== undefined) return `${conversationKey}#${sourceId}`;
    const digest = createHash("sha1").update(`${conversationKey}\u0000${timestampMs}\u0000${authorKey ?? ""}\u0000${text}`).digest("base64url");
    let run = this.runs.get(conversationKey);
    if (!run || run.ts !== timestampMs) {
      run = { ts: timestampMs, counts: new Map() };
      this.runs.set(conversationKey, run);
    }
    const ordinal = run.counts.get(digest) ?? 0;
    run.counts.set(digest, ordinal + 1);
    return `${conversationKey}~${digest.slice(0, 22)}${ordinal === 0 ? "" : `.${ordinal}`}`;
  }
}
