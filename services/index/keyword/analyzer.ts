// Text → search terms for keyword (BM25) search, the same way for stored messages and for queries.
//
// Chat text is full of things that are not words: paths (/etc/rc.local), dotted names (menu.lst,
// xorg.conf), versions (2.6.20-rc4), URLs, e-mail addresses, @mentions, #hashtags, numbers
// (18,500). Each such token is indexed whole AND by its parts, and a path or URL also by each of
// its segments, so "rc.local" and "/etc/rc.local" find the same messages and "grub" finds
// "/boot/grub/menu.lst". Plain words are lower-cased, stop words dropped and the rest stemmed with
// the Snowball stemmer of the dataset's language. Compound tokens are never stemmed (a version
// or a file name is an identifier, not a word).
import { newStemmer } from "snowball-stemmers";
import { deu, eng, fra, ita, nld, por, rus, spa } from "stopword";

import { KEYWORD_LANGUAGES, type KeywordLanguage } from "../../../lib/text/keyword-languages.ts";

export { KEYWORD_LANGUAGES, type KeywordLanguage };

const SNOWBALL: Record<KeywordLanguage, string> = {
  en: "english",
  es: "spanish",
  de: "german",
  fr: "french",
  pt: "portuguese",
  it: "italian",
  nl: "dutch",
  ru: "russian",
};
const STOP_LISTS: Record<KeywordLanguage, readonly string[]> = {
  en: eng,
  es: spa,
  de: deu,
  fr: fra,
  pt: por,
  it: ita,
  nl: nld,
  ru: rus,
};

/**
 * Text is cut at white space first and each piece classified with cheap tests (a single regex
 * with an e-mail or path alternative tried at every position is quadratic on long words).
 * Inside a piece, a word-ish run may hold inner dots, hyphens, slashes, plus signs, colons and
 * commas between alphanumerics (rc.local, xserver-xorg, 0.27.0, 18,500, c++, 12:30).
 */
const WORD = /[\p{L}\p{N}_](?:[\p{L}\p{N}_'’]|[.\-+:,/](?=[\p{L}\p{N}_]))*\+*/gu;
const EMAIL = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+$/u;
const EDGE = /^[^\p{L}\p{N}/~@#]+|[^\p{L}\p{N}/+]+$/gu;

const PARTS = /[\p{L}\p{N}]+/gu;
const ALPHA = /^\p{L}+$/u;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/u;

export interface Analyzer {
  readonly language: KeywordLanguage;
  /** Terms of a text in order (repeats kept: term frequency counts them). */
  terms(text: string): string[];
  /** One word as a term (lower-cased, stemmed), or undefined for a stop word. */
  term(word: string): string | undefined;
  isStopWord(word: string): boolean;
}

const cache = new Map<KeywordLanguage, Analyzer>();

export function analyzer(language: KeywordLanguage = "en"): Analyzer {
  let a = cache.get(language);
  if (!a) {
    a = makeAnalyzer(language);
    cache.set(language, a);
  }
  return a;
}

function makeAnalyzer(language: KeywordLanguage): Analyzer {
  const stemmer = newStemmer(SNOWBALL[language]);
  const stop = new Set(STOP_LISTS[language].map((w) => w.toLowerCase()));
  // The Snowball stemmers are pure but not cheap; chat text repeats words a lot.
  const stems = new Map<string, string>();
  const stem = (w: string): string => {
    let s = stems.get(w);
    if (s === undefined) {
      s = stemmer.stem(w);
      if (stems.size > 200_000) stems.clear();
      stems.set(w, s);
    }
    return s;
  };
  const word = (w: string): string | undefined => {
    const lower = w.toLowerCase().replace(/[’]/gu, "'");
    if (stop.has(lower)) return undefined;
    const bare = lower.replace(/'(s|t|re|ve|ll|d|m)?$/u, "");
    if (bare === "" || stop.has(bare)) return undefined;
    return ALPHA.test(bare) ? stem(bare) : bare;
  };
  const parts = (s: string, out: string[]) => {
    for (const m of s.matchAll(PARTS)) {
      const t = word(m[0]);
      if (t !== undefined) out.push(t);
    }
  };
  const compound = (whole: string, out: string[], segments: string[] = []) => {
    out.push(whole);
    const seen = new Set([whole]);
    for (const seg of segments) {
      if (!seg || seen.has(seg) || !/[^\p{L}\p{N}]/u.test(seg)) continue;
      seen.add(seg);
      out.push(seg);
    }
    parts(whole, out);
  };

  /** Terms of one white-space-free piece of text. */
  const pieceTerms = (raw: string): string[] => {
    const out: string[] = [];
    // Markup around a piece: <url|label>, (path), "quotes", trailing punctuation.
    const piece = raw.replace(/^<|>$/gu, "").split("|")[0]!.replace(EDGE, "");
    if (piece === "") return out;
    const lower = piece.toLowerCase();
    if (/^(?:https?|ftp):\/\/|^www\./u.test(lower)) {
      const noScheme = lower.replace(/^[a-z]+:\/\//u, "");
      const [host = "", ...rest] = noScheme.split("/");
      compound(lower, out, [host, host.replace(/^www\./u, ""), ...rest.map((r) => r.split(/[?#]/u)[0]!)]);
    } else if (lower.includes("@") && EMAIL.test(lower)) {
      compound(lower, out, lower.split("@"));
    } else if (/^[@#][\p{L}\p{N}_]/u.test(lower)) {
      compound(lower, out, [lower.slice(1)]);
    } else if (/^~?\/[\p{L}\p{N}_.+-]/u.test(lower)) {
      compound(lower, out, lower.split("/"));
    } else {
      for (const m of piece.matchAll(WORD)) {
        const w = m[0];
        if (/[.\-+:,/]/u.test(w)) {
          const lw = w.toLowerCase();
          compound(lw, out, lw.split("/"));
        } else {
          const t = word(w);
          if (t !== undefined) out.push(t);
        }
      }
    }
    return out;
  };
  const pieces = new Map<string, string[]>();

  return {
    language,
    isStopWord: (w) => stop.has(w.toLowerCase()),
    term: word,
    terms(text: string): string[] {
      const out: string[] = [];
      // NFKC changes nothing in plain ASCII, the bulk of chat text.
      const normal = ASCII.test(text) ? text : text.normalize("NFKC");
      for (const raw of normal.split(/\s+/u)) {
        if (raw === "") continue;
        // Chat repeats its words: a piece seen before costs one lookup instead of the tests below.
        const known = pieces.get(raw);
        if (known !== undefined) {
          for (const t of known) out.push(t);
          continue;
        }
        const terms = pieceTerms(raw);
        if (raw.length <= 40) {
          if (pieces.size >= 500_000) pieces.clear();
          pieces.set(raw, terms);
        }
        for (const t of terms) out.push(t);
      }
      return out;
    },
  };
}

/**
 * The dataset's language from its text: the language whose stop words occur most often, if they
 * make up a real share of the words; English otherwise (and for text with no stop words at all).
 */
export function detectLanguage(texts: Iterable<string>, sampleLimit = 5000): KeywordLanguage {
  const lists = KEYWORD_LANGUAGES.map((l) => ({ l, words: new Set(STOP_LISTS[l].map((w) => w.toLowerCase())) }));
  const hits = new Map<KeywordLanguage, number>(KEYWORD_LANGUAGES.map((l) => [l, 0]));
  let n = 0;
  let words = 0;
  for (const text of texts) {
    if (n++ >= sampleLimit) break;
    for (const m of text.toLowerCase().matchAll(/\p{L}+/gu)) {
      words++;
      for (const { l, words: set } of lists) if (set.has(m[0])) hits.set(l, hits.get(l)! + 1);
    }
  }
  let best: KeywordLanguage = "en";
  for (const l of KEYWORD_LANGUAGES) if (hits.get(l)! > hits.get(best)!) best = l;
  return words > 0 && hits.get(best)! / words >= 0.05 ? best : "en";
}
