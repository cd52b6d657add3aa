// Web-style keyword queries: plain words (any of them may match; documents holding more and rarer
// words rank first), "quoted phrases" (must occur as written), -word / -"phrase" (must not occur)
// and OR (accepted between words; any-word matching is already the default, so it only groups).
import type { Analyzer } from "./analyzer.ts";

export interface KeywordQuery {
  /** Every term that adds to the score (plain words and the words of phrases), deduplicated. */
  terms: string[];
  /** Term sequences that must occur in a hit, in order and next to each other. */
  phrases: string[][];
  /** Terms a hit must not contain. */
  excluded: string[];
  /** Query words that matter for highlighting (not stop words), as typed, lower-cased. */
  words: string[];
}

const CLAUSE = /(-?)"([^"]*)"?|(\S+)/gu;

export function parseKeywordQuery(text: string, analyzer: Analyzer): KeywordQuery {
  const terms = new Set<string>();
  const phrases: string[][] = [];
  const excluded = new Set<string>();
  const words = new Set<string>();
  for (const m of text.matchAll(CLAUSE)) {
    const [, minus, phrase, bare] = m;
    if (phrase !== undefined) {
      const t = analyzer.terms(phrase);
      if (minus) t.forEach((x) => excluded.add(x));
      else if (t.length > 0) {
        phrases.push(t);
        t.forEach((x) => terms.add(x));
        phrase.split(/\s+/u).forEach((w) => w && !analyzer.isStopWord(w) && words.add(w.toLowerCase()));
      }
      continue;
    }
    const word = bare!;
    if (word === "OR" || word === "|") continue;
    if (word.startsWith("-") && word.length > 1) {
      // Only the whole token: excluding "-rc.local" must not exclude every message with "local".
      const t = analyzer.terms(word.slice(1));
      if (t[0] !== undefined) excluded.add(t[0]);
      continue;
    }
    const t = analyzer.terms(word);
    t.forEach((x) => terms.add(x));
    if (t.length > 0) words.add(word.toLowerCase().replace(/^[^\p{L}\p{N}/~@#]+|[^\p{L}\p{N}]+$/gu, ""));
  }
  for (const x of excluded) terms.delete(x);
  return { terms: [...terms], phrases, excluded: [...excluded], words: [...words].filter(Boolean) };
}

/** Whether `sequence` occurs in `terms` as consecutive items. */
export function containsSequence(terms: string[], sequence: string[]): boolean {
  if (sequence.length === 0) return true;
  outer: for (let i = 0; i + sequence.length <= terms.length; i++) {
    for (let j = 0; j < sequence.length; j++) if (terms[i + j] !== sequence[j]) continue outer;
    return true;
  }
  return false;
}
