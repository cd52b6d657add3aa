/**
 * Class-based TF-IDF (BERTopic's c-TF-IDF): all chunks of a cluster form one
 * document, and a term's weight in cluster c is
 *
 *   W(t, c) = tf(t, c) · log(1 + A / f(t))
 *
 * with tf(t, c) the term's count in c divided by c's total term count (BERTopic
 * L1-normalises each class row), A the average number of terms per class and f(t)
 * the term's count over all classes. Terms frequent everywhere get a weight near
 * zero; terms concentrated in one cluster rise to the top of that cluster.
 */

export type TermCounts = Map<string, number>;

export interface ScoredTerm {
  term: string;
  score: number;
}

export interface CtfidfOptions {
  /** Terms per class to return. */
  top?: number;
  /** Terms seen fewer times than this in the whole corpus are not candidates (typos, one-offs). */
  minCount?: number;
}

export function classTfidf(classes: readonly TermCounts[], options: CtfidfOptions = {}): ScoredTerm[][] {
  const top = options.top ?? 10;
  const minCount = options.minCount ?? 1;
  const corpusCounts: TermCounts = new Map();
  const classTotals = classes.map((counts) => {
    let total = 0;
    for (const [term, n] of counts) {
      total += n;
      corpusCounts.set(term, (corpusCounts.get(term) ?? 0) + n);
    }
    return total;
  });
  const averageTerms = classTotals.reduce((a, b) => a + b, 0) / Math.max(1, classes.length);

  return classes.map((counts, c) => {
    const scored: ScoredTerm[] = [];
    for (const [term, n] of counts) {
      const f = corpusCounts.get(term)!;
      if (f < minCount) continue;
      scored.push({ term, score: (n / classTotals[c]) * Math.log(1 + averageTerms / f) });
    }
    // Ties (common in small clusters) break alphabetically so labels are stable.
    scored.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
    return scored.slice(0, top);
  });
}

/**
 * A short human label from the top terms: a unigram already contained in a
 * higher-ranked bigram adds nothing, so it is skipped.
 */
export function labelFromTerms(terms: readonly ScoredTerm[], maxParts = 4): string {
  const parts: string[] = [];
  for (const { term } of terms) {
    if (parts.length >= maxParts) break;
    const covered = parts.some(
      (p) => p.split(" ").includes(term) || term.split(" ").every((w) => p.split(" ").includes(w)),
    );
    if (!covered) parts.push(term);
  }
  return parts.join(", ");
}
