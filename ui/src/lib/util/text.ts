/** Cutting text for display only between grapheme clusters (never inside an emoji). */
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of segmenter.segment(text.slice(0, max + 32))) {
    if (index + segment.length > max - 1) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}…`;
}

/** Case- and accent-insensitive form for "contains" searches. */
export const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
