/** Per-cluster term counts from the chunk texts, scored with c-TF-IDF. */
import { classTfidf, type ScoredTerm, type TermCounts } from "./ctfidf.ts";
import { type Language, detectLanguages, stopWordSet } from "../../lib/text/stopwords.ts";
import { terms, words } from "../../lib/text/tokenize.ts";
import { type ProgressFn, yieldToEventLoop } from "./progress.ts";

export interface TopicTermsOptions {
  /** Languages of the texts; detected from a sample of them when absent. */
  languages?: Language[];
  top?: number;
  minCount?: number;
  /** Words that are never terms, whatever the language (participants' names). */
  exclude?: readonly string[];
}

/**
 * Export placeholders that stand for a message rather than being one ("<Media omitted>",
 * "image omitted", "This message was deleted", "Missed voice call", Telegram's
 * "(File not included...)"), in the languages WhatsApp writes them in. They are removed
 * before tokenising so neither their words nor a bigram across them becomes a label.
 */
const PLACEHOLDERS =
  /<[^<>\n]{1,40}>|\b(?:image|video|audio|gif|sticker|document|contact card|media) omitted\b|\bthis message was deleted\b|\byou deleted this message\b|\bmissed (?:voice|video) call\b|\(file not included[^)\n]{0,80}\)|\bmensaje eliminado\b|\bmultimedia omitido\b|\bmedien ausgeschlossen\b|\bdiese nachricht wurde gelöscht\b|\bmédias omis\b|\bce message a été supprimé\b|\bmídia oculta\b|\bmensagem apagada\b|\bmedia omessi\b|\bmessaggio eliminato\b|\bmedia weggelaten\b|\bbericht verwijderd\b|\bnull\b/giu;

export function withoutPlaceholders(text: string): string {
  return text.replace(PLACEHOLDERS, " | ");
}

export interface TopicTerms {
  languages: Language[];
  terms: ScoredTerm[][];
}

export async function topicTerms(
  texts: readonly string[],
  labels: ArrayLike<number>,
  k: number,
  options: TopicTermsOptions = {},
  onProgress?: ProgressFn,
): Promise<TopicTerms> {
  const languages = options.languages ?? detectLanguages(sampleWords(texts, 2000));
  // A mostly English chat with a Spanish-speaking corner gets a topic of Spanish messages, whose
  // label would be "el, la, de" under English stop words alone: each cluster adds the languages
  // detected in its own texts (unless the caller fixed the languages).
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < texts.length; i++) members[labels[i]]!.push(i);
  const stopSets = new Map<string, Set<string>>();
  const clusterStops = members.map((list) => {
    const own = options.languages
      ? []
      : detectLanguages(
          sampleWords(
            list.map((i) => texts[i]!),
            300,
          ),
        );
    const all = [...new Set([...languages, ...own])].sort() as Language[];
    const key = all.join(",");
    if (!stopSets.has(key)) {
      const set = stopWordSet(all);
      // A name's possessive ("ben's phone") names the person as much as the name does.
      for (const word of options.exclude ?? []) set.add(word).add(`${word}'s`);
      stopSets.set(key, set);
    }
    return stopSets.get(key)!;
  });
  const counts: TermCounts[] = Array.from({ length: k }, () => new Map());
  for (let i = 0; i < texts.length; i++) {
    const classCounts = counts[labels[i]];
    for (const term of terms(withoutPlaceholders(texts[i]), clusterStops[labels[i]]!))
      classCounts.set(term, (classCounts.get(term) ?? 0) + 1);
    if (i % 5000 === 4999) {
      onProgress?.(i / texts.length, "topic-terms");
      await yieldToEventLoop();
    }
  }
  return { languages, terms: classTfidf(counts, { top: options.top ?? 10, minCount: options.minCount ?? 2 }) };
}

/** Words of up to `maxTexts` texts spread evenly over the dataset. */
function* sampleWords(texts: readonly string[], maxTexts: number): Generator<string> {
  const step = Math.max(1, Math.floor(texts.length / maxTexts));
  for (let i = 0; i < texts.length; i += step) for (const word of words(texts[i])) if (word !== null) yield word;
}
