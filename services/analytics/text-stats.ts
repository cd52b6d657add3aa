/**
 * Text statistics of a dataset: emoji, links and their domains, most used words and
 * n-grams. These need every message's text: the counter is fed by the dashboard's one scan
 * of the messages (message-scan.ts). Words reuse the cluster service's tokenizer and
 * stop-word lists, so topic labels and word counts agree on what a word is and which words
 * carry nothing.
 */
import { detectLanguages, stopWordSet, type Language } from "../../lib/text/stopwords.ts";
import { words } from "../../lib/text/tokenize.ts";

const EMOJI =
  /\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic}\uFE0F?)*/gu;
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/giu;
/** Closing punctuation a sentence puts after a link, not part of it. */
const TRAILING_PUNCTUATION = new Set([...".,;:!?)]}'\""]);

export interface Counted {
  value: string;
  count: number;
}

export interface TextStats {
  messagesScanned: number;
  languages: Language[];
  emoji: { total: number; messagesWithEmoji: number; top: Counted[] };
  links: { total: number; messagesWithLinks: number; domains: Counted[] };
  words: Counted[];
  bigrams: Counted[];
  trigrams: Counted[];
}

/** Host of a link without "www.", lower-cased; undefined for what does not parse as a URL. */
export function linkDomain(link: string): string | undefined {
  try {
    const url = new URL(/^https?:\/\//iu.test(link) ? link : `https://${link}`);
    return url.hostname.toLowerCase().replace(/^www\./u, "") || undefined;
  } catch {
    return undefined;
  }
}

export function extractLinks(text: string): string[] {
  return [...text.matchAll(LINK)].map((m) => trimTrailingPunctuation(m[0]));
}

/**
 * A loop from the end rather than `/[.,;:!?)]+$/`: V8 retries that pattern at every position of
 * a run of dots, so a link of 200,000 dots took a minute (issue 15, H2); this is linear.
 */
function trimTrailingPunctuation(link: string): string {
  let end = link.length;
  while (end > 0 && TRAILING_PUNCTUATION.has(link[end - 1]!)) end--;
  return link.slice(0, end);
}

export function extractEmoji(text: string): string[] {
  return text.match(EMOJI) ?? [];
}

/** What a text yields for counting: its words (null where a run of words breaks), emoji and links. */
export interface TextFacts {
  words: (string | null)[];
  emoji: string[];
  links: string[];
}

export function textFactsOf(text: string): TextFacts {
  return { words: [...words(text)], emoji: extractEmoji(text), links: extractLinks(text) };
}

/**
 * Counts over a stream of texts: `add` one text at a time, or `visit` batches of the dashboard's
 * message scan (message-scan.ts; stop words from the languages of the first batch's texts),
 * then `result`.
 */
export class TextCounter {
  readonly needs = {};
  private readonly emoji = new Map<string, number>();
  private readonly domains = new Map<string, number>();
  private readonly unigrams = new Map<string, number>();
  private readonly bigrams = new Map<string, number>();
  private readonly trigrams = new Map<string, number>();
  private emojiTotal = 0;
  private withEmoji = 0;
  private linkTotal = 0;
  private withLinks = 0;
  private scanned = 0;

  constructor(
    private stopWords?: ReadonlySet<string>,
    private languages?: Language[],
  ) {}

  /** Text messages of one batch; the first batch's words choose the stop-word languages when none were given. */
  visit(batch: readonly { kind: string; textFacts: TextFacts }[]): void {
    const texts = batch.filter((m) => m.kind === "text");
    if (!this.languages && texts.length) {
      this.languages = detectLanguages(texts.flatMap((m) => m.textFacts.words.filter((w): w is string => w !== null)));
      this.stopWords = stopWordSet(this.languages);
    }
    for (const m of texts) this.addFacts(m.textFacts);
  }

  add(text: string): void {
    this.addFacts(textFactsOf(text));
  }

  private addFacts({ words: textWords, emoji, links }: TextFacts): void {
    this.scanned++;
    if (emoji.length) this.withEmoji++;
    this.emojiTotal += emoji.length;
    for (const e of emoji) bump(this.emoji, e);
    if (links.length) this.withLinks++;
    this.linkTotal += links.length;
    for (const link of links) {
      const domain = linkDomain(link);
      if (domain) bump(this.domains, domain);
    }
    // n-grams only join words that stood next to each other (no stop word or punctuation between).
    const stopWords = this.stopWords ?? new Set<string>();
    let run: string[] = [];
    for (const word of [...textWords, null]) {
      if (word !== null && word.length >= 2 && !stopWords.has(word)) {
        run.push(word);
        bump(this.unigrams, word);
        const n = run.length;
        if (n >= 2) bump(this.bigrams, `${run[n - 2]} ${word}`);
        if (n >= 3) bump(this.trigrams, `${run[n - 3]} ${run[n - 2]} ${word}`);
      } else run = [];
    }
  }

  result(top: number): TextStats {
    return {
      messagesScanned: this.scanned,
      languages: this.languages ?? [],
      emoji: { total: this.emojiTotal, messagesWithEmoji: this.withEmoji, top: topOf(this.emoji, top) },
      links: { total: this.linkTotal, messagesWithLinks: this.withLinks, domains: topOf(this.domains, top) },
      words: topOf(this.unigrams, top),
      // A "phrase" said once is noise, not a habit.
      bigrams: topOf(this.bigrams, top, 2),
      trigrams: topOf(this.trigrams, top, 2),
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function topOf(map: Map<string, number>, top: number, minCount = 1): Counted[] {
  return [...map]
    .filter(([, count]) => count >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([value, count]) => ({ value, count }));
}
