/**
 * Cutting user text for previews. A cut by UTF-16 index can split an emoji's
 * surrogate pair, leaving a lone surrogate that PostgreSQL's jsonb rejects (a
 * topic run on a real chat failed at its last step that way), and can split a
 * flag, a skin-tone modifier or a ZWJ family into other visible characters. So
 * text is cut only between grapheme clusters (Intl.Segmenter), and anything
 * already ill-formed is repaired (lone surrogates become U+FFFD).
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD (String#toWellFormed, which our ES2023 lib lacks). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** At most `maxUnits` UTF-16 code units of `text`, ending on a grapheme boundary; `ellipsis` appended when cut. */
export function cutAtGrapheme(text: string, maxUnits: number, ellipsis = ""): string {
  // Only the head is segmented: a grapheme is short, so 64 units past the cut always reach its end.
  const safe = wellFormed(text.length > maxUnits + 64 ? text.slice(0, maxUnits + 64) : text);
  if (text.length <= maxUnits) return safe;
  const budget = Math.max(0, maxUnits - ellipsis.length);
  let end = 0;
  for (const { index, segment } of segmenter.segment(safe)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return safe.slice(0, end) + ellipsis;
}

/** A one-line preview: whitespace runs collapsed, cut at a grapheme boundary. */
export function preview(text: string, maxUnits: number): string {
  return cutAtGrapheme(text.replace(/\s+/gu, " ").trim(), maxUnits, "…");
}
