/**
 * Terms of a chunk for topic labels: lower-cased words, stop words dropped,
 * unigrams plus bigrams.
 *
 * Bigrams are only formed from words that were adjacent in the text (no stop
 * word or punctuation between them). sklearn's CountVectorizer, as BERTopic uses
 * it, removes stop words first and so pairs words that never stood together
 * ("bread in the oven" → "bread oven"); adjacent pairs read better as labels.
 */

const TOKEN = /\S+/gu;
const LINK_PREFIXES = ["https://", "http://", "www."];
/** Runs of letters with inner apostrophes ("don't"); digits and symbols separate words. */
const WORD_RUN = /[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*|[^\p{L}\p{M}\s]+|\s+/gu;

/** Lower-cased words in order, with `null` where a stop word, number or punctuation broke the run. */
export function words(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const cleaned = maskLinksAndHandles(text.normalize("NFKC").toLowerCase());
  for (const match of cleaned.matchAll(WORD_RUN)) {
    const piece = match[0];
    if (/^\s+$/u.test(piece)) continue;
    if (/^[\p{L}\p{M}]/u.test(piece)) out.push(piece.replace(/’/gu, "'"));
    else out.push(null);
  }
  return out;
}

/**
 * Replaces links, e-mail addresses, @handles and #tags with " | " (a run break), as
 * `/(?:https?:\/\/|www\.)\S+|\S+@\S+\.\S+|[@#]\S+/gu` would, in one pass per token: that
 * pattern's `\S+@` backtracks over the whole token at each of its positions, so one long token
 * without an "@" cost the square of its length (issue 15, H2: 87 s for one message).
 */
export function maskLinksAndHandles(text: string): string {
  let out = "";
  let copied = 0;
  for (const match of text.matchAll(TOKEN)) {
    const token = match[0];
    const start = match.index;
    let cut = -1;
    if (isEmail(token)) cut = 0;
    else
      for (let i = 0; i < token.length; i++) {
        const c = token.charCodeAt(i);
        if (
          ((c === 64 || c === 35) && i + 1 < token.length) ||
          LINK_PREFIXES.some((prefix) => i + prefix.length < token.length && token.startsWith(prefix, i))
        ) {
          cut = i;
          break;
        }
      }
    if (cut < 0) continue;
    out += text.slice(copied, start + cut) + " | ";
    copied = start + token.length;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `\S+@\S+\.\S+` within one token: an "@" after its first character, then a "." with a character on each side. */
function isEmail(token: string): boolean {
  const at = token.indexOf("@", 1);
  return at > 0 && token.lastIndexOf(".", token.length - 2) >= at + 2;
}

export function terms(text: string, stopWords: ReadonlySet<string>, minWordLength = 2): string[] {
  const out: string[] = [];
  let previous: string | null = null;
  for (const word of words(text)) {
    const kept = word !== null && word.length >= minWordLength && !stopWords.has(word) ? word : null;
    if (kept !== null) {
      out.push(kept);
      if (previous !== null) out.push(`${previous} ${kept}`);
    }
    previous = kept;
  }
  return out;
}
