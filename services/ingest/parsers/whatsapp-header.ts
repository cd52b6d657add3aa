/**
 * Hand-written scanner for the timestamp header of WhatsApp-style lines, e.g.
 *   `12/31/21, 10:01 PM - Ann: hi`          (Android)
 *   `[31.12.21, 22:01:05] Ann: hi`          (iOS)
 *   `13.6.2018 klo 21.25.15 - a: m`         (Finnish)
 *   `2020. 1. 5. 오후 3:24 - a: m`           (Korean, meridiem before the time)
 * One left-to-right pass over char codes, no regex and no backtracking: the hot path of
 * the parser. It only tokenises; which of the first two date parts is the day is decided
 * per file (see whatsapp.ts).
 */

export interface Header {
  /** The three date numbers in the order they appear, and how many digits each had. */
  n1: number;
  n2: number;
  n3: number;
  /** Which part holds the year: 0 first, 1 middle, 2 last. */
  yearPos: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 none (24 h), 1 AM, 2 PM. */
  meridiem: number;
  /** Index in the line where the message body starts. */
  bodyStart: number;
  /** Small integer describing the header layout, so body lines in another layout are not taken for headers. */
  shape: number;
  /** The last date headerWallMs converted (year·10⁴ + month·100 + day) and its epoch ms: consecutive messages mostly share a day. */
  lastDate: number;
  lastDateMs: number;
}

export function newHeader(): Header {
  return { n1: 0, n2: 0, n3: 0, yearPos: 2, hour: 0, minute: 0, second: 0, meridiem: 0, bodyStart: 0, shape: 0, lastDate: -1, lastDateMs: 0 };
}

const MERIDIEM: Record<string, number> = {
  am: 1, pm: 2,
  오전: 1, 오후: 2,
  上午: 1, 下午: 2, 午前: 1, 午後: 2,
  ص: 1, م: 2,
  قظ: 1, بظ: 2,
  πμ: 1, μμ: 2,
  sa: 1, ch: 2,
  vorm: 1, nachm: 2,
  fm: 1, em: 2,
  de: 1, du: 2,
  ap: 1, ip: 2,
  "ก่อนเที่ยง": 1, "หลังเที่ยง": 2,
  "לפנה״צ": 1, "אחה״צ": 2,
  পূর্বাহ্ণ: 1, অপরাহ্ণ: 2,
  पूर्वाह्न: 1, अपराह्न: 2,
};

/** U+00A0, U+202F and U+2009 appear where a space would be in newer exports. */
function isSpace(c: number): boolean {
  return c === 32 || c === 0xa0 || c === 0x202f || c === 0x2009 || c === 9;
}

/** BOM and the direction marks WhatsApp puts at line starts. */
function isMark(c: number): boolean {
  return c === 0x200e || c === 0x200f || c === 0xfeff || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c > 127 && !isSpace(c) && !isMark(c) && c !== 0x2013 && c !== 0x2014);
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
    } else if (isSpace(c) && token.length > 0 && line.charCodeAt(i - 1) === 46 && i + 1 < len && isWordChar(line.charCodeAt(i + 1))) {
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

/** Parses 1–4 digits at `i`; returns the number and writes the digit count into `digitsOut[0]`. */
function readNumber(line: string, i: number, maxDigits: number, digitsOut: number[]): number {
  let n = 0;
  let d = 0;
  while (d < maxDigits && i + d < line.length) {
    const c = line.charCodeAt(i + d);
    if (!isDigit(c)) break;
    n = n * 10 + (c - 48);
    d++;
  }
  digitsOut[0] = d;
  return n;
}

const digits = [0];

/** Fills `h` from the line's header; false when the line does not start with one. */
export function scanHeader(line: string, h: Header): boolean {
  const len = line.length;
  let i = 0;
  while (i < len && isMark(line.charCodeAt(i))) i++;
  let bracket = 0;
  if (line.charCodeAt(i) === 91) {
    bracket = 1;
    i++;
  }
  // Date: three numbers with the same separator (`/`, `.`, `-`), spaces allowed after it ("13. 6. 2018.").
  const n1 = readNumber(line, i, 4, digits);
  const l1 = digits[0]!;
  if (l1 === 0) return false;
  i += l1;
  const sep = line.charCodeAt(i);
  if (sep !== 47 && sep !== 46 && sep !== 45) return false;
  i++;
  while (i < len && line.charCodeAt(i) === 32) i++;
  const n2 = readNumber(line, i, 4, digits);
  const l2 = digits[0]!;
  if (l2 === 0) return false;
  i += l2;
  if (line.charCodeAt(i) !== sep) return false;
  i++;
  while (i < len && line.charCodeAt(i) === 32) i++;
  const n3 = readNumber(line, i, 4, digits);
  const l3 = digits[0]!;
  if (l3 === 0) return false;
  i += l3;
  if (line.charCodeAt(i) === 46) i++;
  let yearPos: number;
  if (l1 === 4 && l2 <= 2 && l3 <= 2) yearPos = 0;
  else if (l2 === 4 && l1 <= 2 && l3 <= 2) yearPos = 1;
  else if (l3 === 4 && l1 <= 2 && l2 <= 2) yearPos = 2;
  else if (l1 <= 2 && l2 <= 2 && l3 === 2) yearPos = 2;
  else return false;

  // Between date and time: ",", spaces, and possibly a short word ("klo") or a leading meridiem (오후, 下午).
  const dateEnd = i;
  while (i < len && (line.charCodeAt(i) === 44 || isSpace(line.charCodeAt(i)))) i++;
  if (i === dateEnd) return false;
  let meridiem = 0;
  if (i < len && isWordChar(line.charCodeAt(i))) {
    const m = readMeridiem(line, i);
    if (m) {
      meridiem = m[0];
      i = m[1];
    } else {
      const start = i;
      while (i < len && isWordChar(line.charCodeAt(i))) i++;
      if (i - start > 4) return false;
    }
    while (i < len && isSpace(line.charCodeAt(i))) i++;
  }

  // Time: H:MM[:SS] or H.MM[.SS].
  const hour = readNumber(line, i, 2, digits);
  if (digits[0] === 0) return false;
  i += digits[0]!;
  const tsep = line.charCodeAt(i);
  if (tsep !== 58 && tsep !== 46) return false;
  i++;
  const minute = readNumber(line, i, 2, digits);
  if (digits[0] !== 2) return false;
  i += 2;
  let second = 0;
  let hasSeconds = 0;
  if (line.charCodeAt(i) === tsep && isDigit(line.charCodeAt(i + 1))) {
    second = readNumber(line, i + 1, 2, digits);
    if (digits[0] !== 2) return false;
    i += 3;
    hasSeconds = 1;
  }
  const timeEnd = i;
  while (i < len && isSpace(line.charCodeAt(i))) i++;
  if (meridiem === 0 && i < len && isWordChar(line.charCodeAt(i))) {
    const m = readMeridiem(line, i);
    if (m) {
      meridiem = m[0];
      i = m[1];
      while (i < len && isSpace(line.charCodeAt(i))) i++;
    }
  }
  if (minute > 59 || second > 59) return false;
  if (meridiem === 0 ? hour > 23 : hour > 12) return false;

  // End of header: "] ", " - ", ": " or (rarely) just a space.
  let end: number;
  const c = line.charCodeAt(i);
  if (bracket) {
    if (c !== 93) return false;
    i++;
    end = 0;
  } else if ((c === 45 || c === 0x2013) && (i + 1 >= len || isSpace(line.charCodeAt(i + 1)))) {
    i++;
    end = 1;
  } else if (c === 58 && i === timeEnd) {
    i++;
    end = 2;
  } else if (i > timeEnd && i < len) {
    end = 3;
  } else return false;
  if (end !== 3 && i < len && isSpace(line.charCodeAt(i))) i++;

  h.n1 = n1;
  h.n2 = n2;
  h.n3 = n3;
  h.yearPos = yearPos;
  h.hour = hour;
  h.minute = minute;
  h.second = second;
  h.meridiem = meridiem;
  h.bodyStart = i;
  h.shape = bracket | (sep << 1) | (yearPos << 8) | (end << 10) | ((meridiem === 0 ? 0 : 1) << 12) | (hasSeconds << 13);
  return true;
}

/** Epoch ms of the header's wall-clock time as if it were UTC, or NaN for an impossible date. */
export function headerWallMs(h: Header, daysFirst: boolean): number {
  let year: number;
  let a: number;
  let b: number;
  if (h.yearPos === 0) {
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
  if (year < 100) year += 2000;
  if (b < 1 || b > 12 || a < 1 || a > 31) return Number.NaN;
  let hour = h.hour;
  if (h.meridiem === 1 && hour === 12) hour = 0;
  else if (h.meridiem === 2 && hour < 12) hour += 12;
  // scanHeader bounds hour, minute and second, so adding them to the day's start equals Date.UTC with all six fields.
  const date = year * 10_000 + b * 100 + a;
  if (date !== h.lastDate) {
    h.lastDate = date;
    h.lastDateMs = Date.UTC(year, b - 1, a);
  }
  return h.lastDateMs + hour * 3_600_000 + h.minute * 60_000 + h.second * 1000;
}
