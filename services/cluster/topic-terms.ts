/** Per-cluster term counts from the chunk texts, scored with c-TF-IDF. */
import { classTfidf, type ScoredTerm, type TermCounts } from "./ctfidf.ts";
import { type Language, detectLanguages, stopWordSet } from "./stopwords.ts";
import { terms, words } from "./tokenize.ts";
import { type ProgressFn, yieldToEventLoop } from "./progress.ts";

export interface TopicTermsOptions {
  /** Languages of the texts; detected from a sample of them when absent. */
  languages?: Language[];
  top?: number;
  minCount?: number;
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
  const stopWords = stopWordSet(languages);
  const counts: TermCounts[] = Array.from({ length: k }, () => new Map());
  for (let i = 0; i < texts.length; i++) {
    const classCounts = counts[labels[i]];
    for (const term of terms(texts[i], stopWords)) classCounts.set(term, (classCounts.get(term) ?? 0) + 1);
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
