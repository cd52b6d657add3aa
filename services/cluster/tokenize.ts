/**
 * Terms of a chunk for topic labels: lower-cased words, stop words dropped,
 * unigrams plus bigrams.
 *
 * Bigrams are only formed from words that were adjacent in the text (no stop
 * word or punctuation between them). sklearn's CountVectorizer, as BERTopic uses
 * it, removes stop words first and so pairs words that never stood together
 * ("bread in the oven" → "bread oven"); adjacent pairs read better as labels.
 */

const URL_OR_HANDLE = /(?:https?:\/\/|www\.)\S+|\S+@\S+\.\S+|[@#]\S+/gu;
/** Runs of letters with inner apostrophes ("don't"); digits and symbols separate words. */
const WORD_RUN = /[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*|[^\p{L}\p{M}\s]+|\s+/gu;

/** Lower-cased words in order, with `null` where a stop word, number or punctuation broke the run. */
export function words(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const cleaned = text.normalize("NFKC").toLowerCase().replace(URL_OR_HANDLE, " | ");
  for (const match of cleaned.matchAll(WORD_RUN)) {
    const piece = match[0];
    if (/^\s+$/u.test(piece)) continue;
    if (/^[\p{L}\p{M}]/u.test(piece)) out.push(piece.replace(/’/gu, "'"));
    else out.push(null);
  }
  return out;
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
