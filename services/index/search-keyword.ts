// Keyword search on the datasets' in-memory BM25 indexes (keyword/), and the lexical pieces the
// other modes use: which message of a semantic chunk to show (chosen by the query's words and the
// message's content, with no embedding at query time), which messages say nothing (punctuation,
// a bare link, "ok", a media placeholder) and the character ranges of matched words.
import type { Analyzer } from "./keyword/analyzer.ts";
import type { DatasetKeywords } from "./keyword/keyword-store.ts";
import { parseKeywordQuery, type KeywordQuery } from "./keyword/query.ts";
import type { Range } from "./highlight.ts";
import type { SearchFilters } from "./search-sql.ts";

export interface KeywordHit {
  messageId: number;
  datasetId: string;
  rank: number;
  /** Share of the query's weight the hit holds (see KeywordIndexHit.coverage). */
  coverage: number;
}

/** Ranked keyword hits over several datasets (scores are normalised per dataset, so they merge). */
export function keywordHits(
  indexes: DatasetKeywords[],
  text: string,
  filters: SearchFilters,
  limit: number,
): KeywordHit[] {
  const all: KeywordHit[] = [];
  for (const k of indexes) {
    const q = parseKeywordQuery(text, k.index.analyzer);
    const hits = k.index.search(q, { limit, accept: k.filter(filters) });
    for (const h of hits)
      all.push({ messageId: k.ids[h.messageIndex]!, datasetId: k.datasetId, rank: h.score, coverage: h.coverage });
  }
  return all.sort((a, b) => b.rank - a.rank || a.messageId - b.messageId).slice(0, limit);
}

/** Chat filler and export placeholders: a message made of only these says nothing. */
const FILLER = new Set(
  (
    "ok okay k kk yes yeah yep yup no nope nah sure thanks thank thx ty np lol lmao rofl haha hahaha hehe hmm hm ah oh uh um " +
    "hi hey hello yo ping pong bye cya gn gm wow cool nice great ah ok. media omitted image video audio sticker gif document " +
    "deleted message edited null attached photo file"
  ).split(" "),
);
const URL_PIECE = /^(?:<)?(?:https?|ftp):\/\/\S+$|^www\.\S+$/iu;

/** Words that carry content: letters or digits, not a stop word, not filler, not a bare link. */
export function contentWords(text: string, analyzer: Analyzer): number {
  let n = 0;
  for (const piece of text.split(/\s+/u)) {
    if (piece === "" || URL_PIECE.test(piece)) continue;
    for (const m of piece.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’._-]*/gu)) {
      const w = m[0].toLowerCase().replace(/[._-]+$/u, "");
      if (w.length < 2 && !/\p{N}/u.test(w)) continue;
      if (FILLER.has(w) || analyzer.isStopWord(w)) continue;
      n++;
    }
  }
  return n;
}

export const isContentless = (text: string, analyzer: Analyzer): boolean => contentWords(text, analyzer) === 0;

/**
 * The message of a chunk to show for a query, without embedding anything: the one whose words
 * match the query best (BM25 over single messages). When none shares a word with the query (a
 * paraphrase), the first message that says something (a few content words) — in chat the first
 * message of an exchange usually states what the rest answers. Contentless messages only when
 * nothing else is there.
 */
export function pickMessage(
  messageIds: number[],
  keywordScore: (id: number) => number,
  text: (id: number) => string,
  analyzer: Analyzer,
): number {
  let best = messageIds[0]!;
  let bestKey = -Infinity;
  messageIds.forEach((id, position) => {
    const content = contentWords(text(id), analyzer);
    // Word overlap dominates; then enough content (capped, so length alone never wins); then position.
    const key = (content === 0 ? -1000 : 0) + keywordScore(id) * 10 + Math.min(content, 3) - position * 0.01;
    if (key > bestKey) [best, bestKey] = [id, key];
  });
  return best;
}

/**
 * Ranges of the text's words that match a query term (stop words never do, a path or URL is
 * marked whole). Works for any mode: a semantic hit shows which of its words the query shares.
 */
export function matchRanges(text: string, q: KeywordQuery, analyzer: Analyzer): Range[] {
  if (q.terms.length === 0) return [];
  const wanted = new Set(q.terms);
  const ranges: Range[] = [];
  for (const m of text.matchAll(/\S+/gu)) {
    const piece = m[0];
    const terms = analyzer.terms(piece);
    if (!terms.some((t) => wanted.has(t))) continue;
    // Trim surrounding punctuation from the marked span.
    const lead = /^[^\p{L}\p{N}/~@#<]*/u.exec(piece)![0].length;
    const trail = /[^\p{L}\p{N}/+]*$/u.exec(piece.slice(lead))![0].length;
    const start = m.index + lead;
    const end = m.index + piece.length - trail;
    if (end <= start) continue;
    // A piece holding several words (a compound, or "word,word"): mark each matching word when
    // the whole does not match itself, so "How did you fix wifi" marks only "wifi".
    if (!wanted.has(terms[0]!) && /[\s,;]/u.test(piece.slice(lead, piece.length - trail))) {
      for (const w of piece.slice(lead, piece.length - trail).matchAll(/[\p{L}\p{N}]+/gu))
        if (analyzer.terms(w[0]).some((t) => wanted.has(t)))
          ranges.push({ start: start + w.index, end: start + w.index + w[0].length });
      continue;
    }
    ranges.push({ start, end });
  }
  return ranges;
}

export { parseKeywordQuery };
