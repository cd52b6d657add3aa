// From fused hits to the list a user sees: each hit resolved to one message (a keyword hit's own
// message; for a semantic chunk, the message picked by the query's words and its content — no
// embedding at query time), hits that show nothing (a chunk of "ok", "." and bare links) left out,
// each message shown once, and overlapping windows of one conversation merged into the best.
import type { DatasetKeywords } from "./keyword/keyword-store.ts";
import { parseKeywordQuery, type KeywordQuery } from "./keyword/query.ts";
import type { FusedResult } from "./search.ts";
import { isContentless, pickMessage } from "./search-keyword.ts";

export interface ArrangedHit {
  hit: FusedResult;
  messageId: number;
}

export interface ArrangeInput {
  query: string;
  /** Message ids of the chunks among the hits (chunks of other orgs or deleted ones are absent). */
  chunks: Map<string, { datasetId: string; messageIds: number[] }>;
  /** Current keyword indexes of the searched datasets, by dataset id. */
  keywords: Map<string, DatasetKeywords>;
}

export function arrangeHits(fused: FusedResult[], input: ArrangeInput): ArrangedHit[] {
  const parsed = new Map<string, KeywordQuery>();
  const queryOf = (k: DatasetKeywords) => {
    let q = parsed.get(k.datasetId);
    if (!q) parsed.set(k.datasetId, (q = parseKeywordQuery(input.query, k.index.analyzer)));
    return q;
  };
  const shown = new Set<number>();
  /** Message positions of the windows kept so far, per (dataset, conversation). */
  const keptWindows = new Map<string, Set<number>[]>();
  const out: ArrangedHit[] = [];
  for (const hit of fused) {
    const k = input.keywords.get(hit.datasetId);
    let messageId: number | undefined = hit.keywordMessageId;
    let window: number[] = [];
    if (k && hit.chunkId) {
      const chunk = input.chunks.get(hit.chunkId);
      // A chunk gone from the database (deleted after indexing) or of another org is not shown.
      if (!chunk && messageId === undefined) continue;
      window = (chunk?.messageIds ?? []).flatMap((id) => {
        const pos = k.byId.get(id);
        return pos === undefined ? [] : [pos];
      });
      if (messageId === undefined) {
        if (window.length === 0) continue;
        const scores = k.index.messageScores(queryOf(k), window);
        const pos = pickMessage(
          window,
          (m) => scores.get(m) ?? 0,
          (m) => k.index.text(m),
          k.index.analyzer,
        );
        // A semantic hit whose best message says nothing: keep it off the list.
        if (isContentless(k.index.text(pos), k.index.analyzer)) continue;
        messageId = k.ids[pos]!;
      }
    } else if (messageId === undefined) continue;
    if (shown.has(messageId)) continue;
    if (k && window.length > 0) {
      const key = `${hit.datasetId}:${k.index.columns.conversation[window[0]!]}`;
      const windows = keptWindows.get(key) ?? [];
      // A semantic hit whose window overlaps one already shown adds nothing; a message that
      // matched the query's words is a hit of its own wherever it lies.
      if (hit.keywordMessageId === undefined && windows.some((w) => window.some((m) => w.has(m)))) continue;
      windows.push(new Set(window));
      keptWindows.set(key, windows);
    }
    shown.add(messageId);
    out.push({ hit, messageId });
  }
  return out;
}
