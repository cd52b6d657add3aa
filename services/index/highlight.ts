// Highlights as character ranges into the message text rather than HTML: the text is user data,
// so the client escapes it and wraps the ranges itself (no markup from us to sanitise).

export interface Range {
  start: number;
  end: number;
}

/** Control characters that never occur in ts_headline's input words, used as match markers. */
export const MARKS = { start: "\u0002", stop: "\u0003" } as const;

/**
 * Ranges of the marked words in a ts_headline output made with HighlightAll and MARKS. The
 * output is the original text plus markers, so offsets map back by counting unmarked
 * characters; a text that itself holds a marker character gets no ranges rather than wrong ones.
 */
export function rangesFromHeadline(headline: string, text: string): Range[] {
  const ranges: Range[] = [];
  let plain = "";
  let open = -1;
  for (const ch of headline) {
    if (ch === MARKS.start) open = plain.length;
    else if (ch === MARKS.stop) {
      if (open >= 0 && plain.length > open) ranges.push({ start: open, end: plain.length });
      open = -1;
    } else plain += ch;
  }
  return plain === text ? merge(ranges) : [];
}

const STOPWORDS = new Set(
  "a an and are as at be but by for from has have i in is it its me my no not of on or our so than that the their them then there these they this to too us was we were what when where which who why will with you your".split(
    " ",
  ),
);

/** Crude stem: enough to match "booked" to "booking" for display, not for ranking. */
const stem = (word: string) => word.toLowerCase().replace(/(ing|ed|es|s|ly)$/u, "");

/**
 * For semantic hits: the query's content words that also occur in the message (by crude stem),
 * as ranges. A paraphrase shares no words and gets none, which is the honest answer.
 */
export function matchedTermRanges(text: string, queryText: string): Range[] {
  const wanted = new Set(
    (queryText.match(/[\p{L}\p{N}']+/gu) ?? [])
      .filter((w) => w.length > 2 && !STOPWORDS.has(w.toLowerCase()))
      .map(stem)
      .filter((s) => s.length > 1),
  );
  if (wanted.size === 0) return [];
  const ranges: Range[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}']+/gu)) {
    if (wanted.has(stem(m[0]))) ranges.push({ start: m.index, end: m.index + m[0].length });
  }
  return ranges;
}

function merge(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges.sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
