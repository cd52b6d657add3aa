/**
 * Hand-written scanner for the timestamp header of WhatsApp-style lines, e.g.
 *   `12/31/21, 10:01 PM - Ann: hi`          (Android)
 *   `[31.12.21, 22:01:05] Ann: hi`          (iOS)
 *   `7/1/16, 5:13:36 PM: Ann: hi`           (old iOS, colon after the time)
 *   `13.6.2018 klo 21.25.15 - a: m`         (Finnish)
 *   `2020. 1. 5. 오후 3:24 - a: m`           (Korean, meridiem before the time)
 *   `[١٨‏/٣‏/٢٠٢٢، ٢:٥٦:٠١ م] a: m`          (Arabic: Arabic-Indic digits, RLM, Arabic comma)
 *   `[14:56:01, 3/18/22] a: m`              (time first, Vietnamese iOS)
 *   `[3/18/2565 BE, 14:56:01] a: m`         (Buddhist year)   `[3/18/R4, 14:56:01]`, `[令和4/3/18 14:56:01]` (Japanese era)
 *   `19:23, 28 Aug 2013 - a: m`             (2013-era Android, month name)
 *   `Mar 5, 8:11 PM - a: m`, `4 Aug 11:36 - a: m`   (no year: the parser supplies it)
 *   `9:15 in the morning - a: m`            (meridiem in words)
 * One left-to-right pass over char codes, no regex and no backtracking: the hot path of
 * the parser. It only tokenises; which of the first two numeric date parts is the day is
 * decided per layout (see whatsapp.ts).
 */

export interface Header {
  /** Numeric dates: the three numbers in the order they appear. Month-name dates: day, month, year (0: none written). */
  n1: number;
  n2: number;
  n3: number;
  /** Which part holds the year: 0 first, 1 middle, 2 last. */
  yearPos: number;
  /** The month was written as a word, so n1 is the day and n2 the month. */
  textual: boolean;
  /** Added to the year part: a Japanese era's start (Reiwa 4 = 2018 + 4), else 0. */
  era: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 none (24 h), 1 AM, 2 PM, 3 "at night" (evening before 6, else early morning). */
  meridiem: number;
  /** Index in the line where the message body starts. */
  bodyStart: number;
  /** Small integer describing the header layout, so body lines in another layout are not taken for headers. */
  shape: number;
  /** The last date headerWallMs converted (year·10⁴ + month·100 + day) and its epoch ms: consecutive messages mostly share a day. */
  lastDate: number;
  lastDateMs: number;
  /** Year used for headers written without one (set by the parser from the lines around them). */
  defaultYear: number;
}

export function newHeader(): Header {
  return {
    n1: 0,
    n2: 0,
    n3: 0,
    yearPos: 2,
    textual: false,
    era: 0,
    hour: 0,
    minute: 0,
    second: 0,
    meridiem: 0,
    bodyStart: 0,
    shape: 0,
    lastDate: -1,
    lastDateMs: 0,
    defaultYear: new Date().getUTCFullYear(),
  };
}

const MERIDIEM: Record<string, number> = {
  am: 1,
  pm: 2,
  오전: 1,
  오후: 2,
  上午: 1,
  下午: 2,
  午前: 1,
  午後: 2,
  ص: 1,
  م: 2,
  قظ: 1,
  بظ: 2,
  πμ: 1,
  μμ: 2,
  sa: 1,
  ch: 2,
  vorm: 1,
  nachm: 2,
  fm: 1,
  em: 2,
  de: 1,
  du: 2,
  ap: 1,
  ip: 2,
  vm: 1,
  nm: 2,
  öö: 1,
  ös: 2,
  dop: 1,
  odp: 2,
  pg: 1,
  ptg: 2,
  ก่อนเที่ยง: 1,
  หลังเที่ยง: 2,
  "לפנה״צ": 1,
  "אחה״צ": 2,
  পূর্বাহ্ণ: 1,
  অপরাহ্ণ: 2,
  पूर्वाह्न: 1,
  अपराह्न: 2,
  முற்பகல்: 1,
  பிற்பகல்: 2,
};

/**
 * Meridiem in words, as some Android locales write it ("9:15 in the morning"). Matched
 * lower-cased after the time; the longest phrase that fits wins.
 */
const MERIDIEM_PHRASES: [string, number][] = [
  ["in the morning", 1],
  ["in the afternoon", 2],
  ["in the evening", 2],
  ["at night", 3],
  ["at noon", 2],
  ["de la mañana", 1],
  ["de la madrugada", 1],
  ["de la tarde", 2],
  ["de la noche", 3],
  ["del mediodía", 2],
  ["da manhã", 1],
  ["da madrugada", 1],
  ["da tarde", 2],
  ["da noite", 3],
  ["du matin", 1],
  ["de l’après-midi", 2],
  ["de l'après-midi", 2],
  ["du soir", 2],
  ["di mattina", 1],
  ["del mattino", 1],
  ["del pomeriggio", 2],
  ["di sera", 2],
  ["di notte", 3],
  ["morgens", 1],
  ["vormittags", 1],
  ["nachmittags", 2],
  ["abends", 2],
  ["nachts", 3],
  ["’s ochtends", 1],
  ["'s ochtends", 1],
  ["’s middags", 2],
  ["'s middags", 2],
  ["’s avonds", 2],
  ["'s avonds", 2],
  ["’s nachts", 3],
  ["'s nachts", 3],
].sort((a, b) => (b[0] as string).length - (a[0] as string).length) as [string, number][];
const PHRASE_HEADS = new Set(MERIDIEM_PHRASES.map(([p]) => p.charCodeAt(0)));

/** Month names in the languages whose old exports wrote them ("28 Aug 2013", "Mar 5"); keys lower-case, dots removed. */
const MONTHS: Record<string, number> = {};
for (const [month, names] of [
  [1, "jan january janv janvier ene enero gen gennaio januar jänner janeiro januari"],
  [2, "feb february févr février febrero febbraio februar fev fevereiro februari"],
  [3, "mar march mars marzo märz mär mrt maart março"],
  [4, "apr april avr avril abr abril aprile"],
  [5, "may mai mayo mag maggio mei maio"],
  [6, "jun june juin junio giu giugno juni junho"],
  [7, "jul july juil juillet julio lug luglio juli julho"],
  [8, "aug august août ago agosto"],
  [9, "sep sept september septembre septiembre set settembre setembro"],
  [10, "oct october octobre octubre ott ottobre okt oktober out outubro"],
  [11, "nov november novembre noviembre novembro"],
  [12, "dec december déc décembre dic diciembre dicembre dez dezember dezembro"],
] as [number, string][]) {
  for (const name of names.split(" ")) MONTHS[name] = month;
}

/** Japanese era initials as WhatsApp writes them before the era year ("R4" = Reiwa 4 = 2022). */
const ERA_START: Record<number, number> = { 82: 2018, 72: 1988, 83: 1925, 84: 1911 };
/** The same eras by name, as a Japanese calendar writes them in kanji ("令和4/3/18" = 2022-03-18): first character, then second. */
const KANJI_ERAS: [number, number, number][] = [
  [0x4ee4, 0x548c, 2018], // 令和 Reiwa
  [0x5e73, 0x6210, 1988], // 平成 Heisei
  [0x662d, 0x548c, 1925], // 昭和 Shōwa
  [0x5927, 0x6b63, 1911], // 大正 Taishō
];

/** Width of the era written at `i` (an initial or a kanji name right before the year's digits), 0 when none; its start year goes to `eraYear`. */
function eraAt(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c < 0x4e00) {
    const start = ERA_START[c];
    if (start !== undefined && digitValue(line.charCodeAt(i + 1)) >= 0) {
      eraYear = start;
      return 1;
    }
    return 0;
  }
  const c2 = line.charCodeAt(i + 1);
  for (const [a, b, start] of KANJI_ERAS) {
    if (a === c && b === c2 && digitValue(line.charCodeAt(i + 2)) >= 0) {
      eraYear = start;
      return 2;
    }
  }
  return 0;
}
let eraYear = 0;

/** U+00A0, U+202F, U+2009 and U+2007 appear where a space would be in newer exports. */
function isSpace(c: number): boolean {
  return c === 32 || c === 0xa0 || c === 0x202f || c === 0x2009 || c === 0x2007 || c === 9;
}

/** BOM and the direction marks WhatsApp puts at line starts and around numbers (U+061C: Arabic letter mark). */
export function isMark(c: number): boolean {
  return (
    c === 0x200e ||
    c === 0x200f ||
    c === 0xfeff ||
    c === 0x61c ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

/** Value of an ASCII, Arabic-Indic, Persian, Devanagari or Bengali digit; -1 for anything else. */
function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c < 0x660) return -1;
  if (c <= 0x669) return c - 0x660;
  if (c >= 0x6f0 && c <= 0x6f9) return c - 0x6f0;
  if (c >= 0x966 && c <= 0x96f) return c - 0x966;
  if (c >= 0x9e6 && c <= 0x9ef) return c - 0x9e6;
  return -1;
}

function isWordChar(c: number): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  return c > 127 && !isSpace(c) && !isMark(c) && c !== 0x2013 && c !== 0x2014 && c !== 0x60c && digitValue(c) < 0;
}

function skipMarks(line: string, i: number): number {
  while (i < line.length && isMark(line.charCodeAt(i))) i++;
  return i;
}

function skipSpacesAndMarks(line: string, i: number): number {
  const len = line.length;
  while (i < len) {
    const c = line.charCodeAt(i);
    if (!isSpace(c) && !isMark(c)) break;
    i++;
  }
  return i;
}

/** Reads a meridiem token at `i` (`PM`, `p. m.`, `오후`, `a.m.`…); returns [code, end] or undefined. */
function readMeridiem(line: string, i: number): [number, number] | undefined {
  let token = "";
  let best: [number, number] | undefined;
  const len = line.length;
  while (i < len) {
    const c = line.charCodeAt(i);
    if (isWordChar(c)) {
      token += line[i]!.toLowerCase();
      i++;
    } else if (c === 46) {
      i++;
    } else if (
      isSpace(c) &&
      token.length > 0 &&
      line.charCodeAt(i - 1) === 46 &&
      i + 1 < len &&
      isWordChar(line.charCodeAt(i + 1))
    ) {
      // "a. m." — a space only continues the token right after a dot.
      i++;
      continue;
    } else break;
    const code = MERIDIEM[token];
    if (code !== undefined && (i >= len || !isWordChar(line.charCodeAt(i)))) best = [code, i];
    if (token.length > 12) break;
  }
  return best;
}

/** A meridiem in words at `i` ("in the afternoon", "de la tarde"); returns [code, end] or undefined. */
function readMeridiemPhrase(line: string, i: number): [number, number] | undefined {
  const c = line.charCodeAt(i);
  if (!PHRASE_HEADS.has(c >= 65 && c <= 90 ? c + 32 : c)) return undefined;
  for (const [phrase, code] of MERIDIEM_PHRASES) {
    const end = i + phrase.length;
    if (
      end <= line.length &&
      line.slice(i, end).toLowerCase() === phrase &&
      (end >= line.length || !isWordChar(line.charCodeAt(end)))
    )
      return [code, end];
  }
  return undefined;
}

/** Parses up to `maxDigits` digits (any script) at `i`; returns the number and writes the digit count into `digitsOut[0]`. */
function readNumber(line: string, i: number, maxDigits: number, digitsOut: number[]): number {
  let n = 0;
  let d = 0;
  while (d < maxDigits && i + d < line.length) {
    const v = digitValue(line.charCodeAt(i + d));
    if (v < 0) break;
    n = n * 10 + v;
    d++;
  }
  digitsOut[0] = d;
  return n;
}

const digits = [0];

/** Reads a month name at `i`; returns its end and writes the month into `monthOut[0]`, or -1. */
function readMonthName(line: string, i: number, monthOut: number[]): number {
  const start = i;
  const len = line.length;
  while (i < len && i - start <= 10 && isWordChar(line.charCodeAt(i))) i++;
  if (i === start || i - start > 10) return -1;
  const month = MONTHS[line.slice(start, i).toLowerCase()];
  if (month === undefined) return -1;
  if (line.charCodeAt(i) === 46) i++;
  monthOut[0] = month;
  return i;
}

const month = [0];

/** Reads a 4-digit year at `i` (not the hour of a following time); returns its end or -1. */
function readYear(line: string, i: number): number {
  const year = readNumber(line, i, 4, digits);
  if (digits[0] !== 4) return -1;
  const next = line.charCodeAt(i + 4);
  if (next === 58 || digitValue(next) >= 0) return -1;
  yearOut = year;
  return i + 4;
}
let yearOut = 0;

/**
 * Reads a date at `i` into `h`: numeric (three parts, one separator) or with a month name
 * ("28 Aug 2013", "Aug 28, 2013", "Mar 5", "4 Aug"). Returns the index after it, or -1.
 */
function readDate(line: string, i: number, h: Header): number {
  const first = line.charCodeAt(i);
  const eraWidth1 = eraAt(line, i);
  const era1 = eraWidth1 ? eraYear : 0;
  if (digitValue(first) < 0 && era1 === 0) {
    // "Mar 5", "Aug 28, 2013"
    let j = readMonthName(line, i, month);
    if (j < 0) return -1;
    j = skipSpacesAndMarks(line, j);
    const day = readNumber(line, j, 2, digits);
    if (digits[0] === 0) return -1;
    j += digits[0]!;
    h.n1 = day;
    h.n2 = month[0]!;
    h.n3 = 0;
    if (line.charCodeAt(j) === 44) {
      const y = readYear(line, skipSpacesAndMarks(line, j + 1));
      if (y >= 0) {
        h.n3 = yearOut;
        j = y;
      }
    }
    h.textual = true;
    h.era = 0;
    h.yearPos = 2;
    return j;
  }
  i += eraWidth1;
  const n1 = readNumber(line, i, 4, digits);
  const l1 = digits[0]!;
  if (l1 === 0) return -1;
  i = skipMarks(line, i + l1);
  const sep = line.charCodeAt(i);
  if (sep !== 47 && sep !== 46 && sep !== 45) {
    if (era1 || l1 > 2 || !isSpace(sep)) return -1;
    // "4 Aug", "28 Aug 2013"
    let j = readMonthName(line, skipSpacesAndMarks(line, i), month);
    if (j < 0) return -1;
    h.n1 = n1;
    h.n2 = month[0]!;
    h.n3 = 0;
    const y = readYear(line, skipSpacesAndMarks(line, j));
    if (y >= 0) {
      h.n3 = yearOut;
      j = y;
    }
    h.textual = true;
    h.era = 0;
    h.yearPos = 2;
    return j;
  }
  i = skipSpacesAndMarks(line, i + 1);
  const eraWidth2 = eraAt(line, i);
  const era2 = eraWidth2 ? eraYear : 0;
  i += eraWidth2;
  const n2 = readNumber(line, i, 4, digits);
  const l2 = digits[0]!;
  if (l2 === 0) return -1;
  i = skipMarks(line, i + l2);
  if (line.charCodeAt(i) !== sep) return -1;
  i = skipSpacesAndMarks(line, i + 1);
  const eraWidth3 = eraAt(line, i);
  const era3 = eraWidth3 ? eraYear : 0;
  i += eraWidth3;
  const n3 = readNumber(line, i, 4, digits);
  const l3 = digits[0]!;
  if (l3 === 0) return -1;
  i = skipMarks(line, i + l3);
  if (line.charCodeAt(i) === 46) i++;
  let yearPos: number;
  if (era1 && l1 <= 2) yearPos = 0;
  else if (era2 && l2 <= 2) yearPos = 1;
  else if (era3 && l3 <= 2) yearPos = 2;
  else if (era1 || era2 || era3) return -1;
  else if (l1 === 4 && l2 <= 2 && l3 <= 2) yearPos = 0;
  else if (l2 === 4 && l1 <= 2 && l3 <= 2) yearPos = 1;
  else if (l3 === 4 && l1 <= 2 && l2 <= 2) yearPos = 2;
  else if (l1 <= 2 && l2 <= 2 && l3 === 2) yearPos = 2;
  else return -1;
  h.n1 = n1;
  h.n2 = n2;
  h.n3 = n3;
  h.yearPos = yearPos;
  h.textual = false;
  h.era = era1 || era2 || era3;
  h.shape = sep << 1;
  return i;
}

/** Reads H:MM[:SS] or H.MM[.SS] at `i` into `h`; returns the index after it, or -1. */
function readTime(line: string, i: number, h: Header): number {
  const hour = readNumber(line, i, 2, digits);
  if (digits[0] === 0) return -1;
  i = skipMarks(line, i + digits[0]!);
  const tsep = line.charCodeAt(i);
  if (tsep !== 58 && tsep !== 46) return -1;
  i = skipMarks(line, i + 1);
  const minute = readNumber(line, i, 2, digits);
  if (digits[0] !== 2) return -1;
  i += 2;
  let second = 0;
  const j = skipMarks(line, i);
  if (line.charCodeAt(j) === tsep) {
    const k = skipMarks(line, j + 1);
    const s = readNumber(line, k, 2, digits);
    if (digits[0] === 2) {
      second = s;
      i = k + 2;
      h.shape |= 1 << 13;
    } else if (digits[0] !== 0) return -1;
  }
  if (minute > 59 || second > 59) return -1;
  h.hour = hour;
  h.minute = minute;
  h.second = second;
  return i;
}

/** A meridiem token or phrase at `i`, if any: [code, end]. */
function meridiemAt(line: string, i: number): [number, number] | undefined {
  if (i >= line.length || !isWordChar(line.charCodeAt(i))) return undefined;
  return readMeridiemPhrase(line, i) ?? readMeridiem(line, i);
}

/** Fills `h` from the line's header; false when the line does not start with one. */
export function scanHeader(line: string, h: Header): boolean {
  const len = line.length;
  let i = skipMarks(line, 0);
  let bracket = 0;
  if (line.charCodeAt(i) === 91) {
    bracket = 1;
    // iOS may put a BOM or a mark inside the bracket.
    i = skipSpacesAndMarks(line, i + 1);
  }
  const c0 = line.charCodeAt(i);
  if (digitValue(c0) < 0 && !(c0 >= 65 && c0 <= 90) && !(c0 >= 97 && c0 <= 122) && c0 < 0xc0) return false;
  h.shape = 0;
  let meridiem = 0;
  let timeFirst = 0;
  // Where the last header token (time, meridiem or date) ended, before any spaces: a colon there ends the header.
  let tokenEnd: number;
  // Time first ("14:56:01, 3/18/22", "19:23, 28 Aug 2013"): the first number is followed by a colon, which no date has.
  let k = 0;
  while (k < 2 && digitValue(line.charCodeAt(i + k)) >= 0) k++;
  if (k > 0 && line.charCodeAt(skipMarks(line, i + k)) === 58) {
    timeFirst = 1;
    i = readTime(line, i, h);
    if (i < 0) return false;
    let j = skipSpacesAndMarks(line, i);
    const m = meridiemAt(line, j);
    if (m) {
      meridiem = m[0];
      j = m[1];
    }
    const afterTime = j;
    while (
      j < len &&
      (line.charCodeAt(j) === 44 ||
        line.charCodeAt(j) === 0x60c ||
        isSpace(line.charCodeAt(j)) ||
        isMark(line.charCodeAt(j)))
    )
      j++;
    if (j === afterTime) return false;
    const shapeTime = h.shape;
    i = readDate(line, j, h);
    if (i < 0) return false;
    h.shape |= shapeTime;
    // An era word after the date ("1/1/2553 BE").
    j = skipSpacesAndMarks(line, i);
    if (j > i && j < len && isWordChar(line.charCodeAt(j))) {
      const start = j;
      while (j < len && isWordChar(line.charCodeAt(j))) j++;
      if (j - start <= 3) i = j;
    }
    tokenEnd = i;
  } else {
    i = readDate(line, i, h);
    if (i < 0) return false;
    // Between date and time: ",", "،", spaces, marks, and possibly a short word ("klo", "BE") or a leading meridiem (오후, 下午).
    const dateEnd = i;
    for (let words = 0; words < 3; words++) {
      while (i < len) {
        const c = line.charCodeAt(i);
        if (c !== 44 && c !== 0x60c && !isSpace(c) && !isMark(c)) break;
        i++;
      }
      if (i >= len || !isWordChar(line.charCodeAt(i))) break;
      const m = readMeridiem(line, i);
      if (m) {
        meridiem = m[0];
        i = m[1];
      } else {
        const start = i;
        while (i < len && (isWordChar(line.charCodeAt(i)) || line.charCodeAt(i) === 46)) i++;
        if (i - start > 4) return false;
      }
    }
    if (i === dateEnd) return false;
    const shapeDate = h.shape;
    i = readTime(line, i, h);
    if (i < 0) return false;
    h.shape |= shapeDate;
    tokenEnd = i;
    if (meridiem === 0) {
      const j = skipSpacesAndMarks(line, i);
      const m = meridiemAt(line, j);
      if (m) {
        meridiem = m[0];
        i = m[1];
        tokenEnd = i;
      }
    }
  }
  if (meridiem === 0 ? h.hour > 23 : h.hour > 12) return false;
  i = skipSpacesAndMarks(line, i);

  // End of header: "] ", " - ", ": " (right after the last token) or (rarely) just a space.
  let end: number;
  const c = line.charCodeAt(i);
  if (bracket) {
    if (c !== 93) return false;
    i++;
    end = 0;
  } else if ((c === 45 || c === 0x2013) && (i + 1 >= len || isSpace(line.charCodeAt(i + 1)))) {
    i++;
    end = 1;
  } else if (c === 58 && i === tokenEnd) {
    i++;
    end = 2;
  } else if (i > tokenEnd && i < len) {
    end = 3;
  } else return false;
  if (end !== 3) i = skipSpacesAndMarks(line, i);
  else i = skipMarks(line, i);

  h.meridiem = meridiem;
  h.bodyStart = i;
  // A month-name layout with and without the year ("Dec 30, 2013, 8:11 PM", "Mar 5, 8:11 PM") is one layout.
  h.shape |=
    bracket |
    (h.yearPos << 8) |
    (end << 10) |
    ((meridiem === 0 ? 0 : 1) << 12) |
    (timeFirst << 14) |
    ((h.textual ? 1 : 0) << 15);
  return true;
}

/** The current year, for telling a two-digit Buddhist year (65 = 2565 BE = 2022) from a Gregorian one. */
const THIS_YEAR = new Date().getUTCFullYear();

/** Epoch ms of the header's wall-clock time as if it were UTC, or NaN for an impossible date. */
export function headerWallMs(h: Header, daysFirst: boolean): number {
  let year: number;
  let a: number;
  let b: number;
  if (h.textual) {
    a = h.n1;
    b = h.n2;
    year = h.n3 === 0 ? h.defaultYear : h.n3;
  } else if (h.yearPos === 0) {
    year = h.n1;
    a = h.n3;
    b = h.n2;
  } else {
    year = h.yearPos === 1 ? h.n2 : h.n3;
    const first = h.n1;
    const second = h.yearPos === 1 ? h.n3 : h.n2;
    a = daysFirst ? first : second;
    b = daysFirst ? second : first;
  }
  if (h.era !== 0) year += h.era;
  else if (year < 100) {
    year += 2000;
    // WhatsApp did not exist before 2009: a two-digit year in the future is a Buddhist one (65 → 2565 BE).
    if (year > THIS_YEAR + 1) year -= 543;
  } else if (year >= 2400) year -= 543; // Buddhist era (Thai calendar): 2565 BE = 2022
  if (b < 1 || b > 12 || a < 1 || a > 31) return Number.NaN;
  let hour = h.hour;
  if (h.meridiem === 1 && hour === 12) hour = 0;
  else if (h.meridiem === 2 && hour < 12) hour += 12;
  else if (h.meridiem === 3) {
    // "at night": 9 at night is 21:00, 12 at night midnight, 2 at night 02:00.
    if (hour === 12) hour = 0;
    else if (hour >= 6) hour += 12;
  }
  // scanHeader bounds hour, minute and second, so adding them to the day's start equals Date.UTC with all six fields.
  const date = year * 10_000 + b * 100 + a;
  if (date !== h.lastDate) {
    h.lastDate = date;
    h.lastDateMs = Date.UTC(year, b - 1, a);
  }
  return h.lastDateMs + hour * 3_600_000 + h.minute * 60_000 + h.second * 1000;
}
