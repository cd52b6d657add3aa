/**
 * Which languages a conversation is written in: franc-min (MIT, trigram profiles of 82
 * languages, offline) votes over a sample of its longer messages, since a chat message of
 * a few words is too short for any detector. Shares, not one answer: group chats mix
 * languages. A message's own language, for sentiment, is then chosen among its
 * conversation's languages by stop-word hits, which is cheap enough for every message.
 */
import { franc } from "franc-min";
import { deu, eng, fra, ita, nld, por, rus, spa } from "stopword";

/** Messages shorter than this (UTF-16 units) say too little to vote. */
export const MIN_DETECT_LENGTH = 20;
/** A language needs this share of the votes to be listed for a conversation. */
const MIN_SHARE = 0.05;

export interface LanguageShare {
  /** ISO 639-3 code as franc gives it (eng, spa, deu, …). */
  code: string;
  /** English name (Intl.DisplayNames), the code when unnamed. */
  name: string;
  /** Share of the sampled messages, 0–1. */
  share: number;
}

const displayNames = new Intl.DisplayNames(["en"], { type: "language" });
export function languageName(code: string): string {
  try {
    const name = displayNames.of(code);
    return name && name !== "root" ? name : code;
  } catch {
    return code;
  }
}

/** Language shares of a set of texts (longest first wins nothing: every text one vote); [] when none could be told. */
export function languageShares(texts: Iterable<string>): LanguageShare[] {
  const votes = new Map<string, number>();
  let total = 0;
  for (const text of texts) {
    if (text.length < MIN_DETECT_LENGTH) continue;
    const code = franc(text, { minLength: MIN_DETECT_LENGTH });
    if (code === "und") continue;
    votes.set(code, (votes.get(code) ?? 0) + 1);
    total++;
  }
  return [...votes]
    .map(([code, n]) => ({ code, name: languageName(code), share: n / total }))
    .filter((l) => l.share >= MIN_SHARE)
    .sort((a, b) => b.share - a.share || (a.code < b.code ? -1 : 1))
    .map((l) => ({ ...l, share: Math.round(l.share * 1000) / 1000 }));
}

/** Stop words per ISO 639-3 code, for telling a short message's language among a few candidates. */
const STOP_WORDS: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries({ eng, spa, deu, fra, por, ita, nld, rus }).map(([code, list]) => [
    code,
    new Set(list.map((w) => w.toLowerCase())),
  ]),
);

/**
 * The candidate whose stop words the message uses most; the first candidate (the
 * conversation's main language) on a tie or when none is used.
 */
export function messageLanguage(tokens: readonly string[], candidates: readonly string[]): string | undefined {
  let best = candidates[0];
  let bestHits = 0;
  for (const code of candidates) {
    const set = STOP_WORDS[code];
    if (!set) continue;
    let hits = 0;
    for (const t of tokens) if (set.has(t)) hits++;
    if (hits > bestHits) {
      best = code;
      bestHits = hits;
    }
  }
  return best;
}
