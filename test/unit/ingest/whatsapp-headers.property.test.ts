import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { namer, parse } from "./helpers.ts";

/**
 * Property tests over generated WhatsApp headers: every combination of date order, date
 * separator, 12/24 hours (AM/PM as common locales spell it, and in words), seconds,
 * bracketed / dashed / colon forms, direction marks, BOM, NNBSP, Arabic-Indic digits and
 * Gregorian, Buddhist and Japanese-era years (initial or kanji era name), one layout or two mixed in one file. Each
 * generated chat must come back with every message, its author, text and wall-clock time.
 */

type Order = "DMY" | "MDY" | "YMD";
type Calendar = "gregorian2" | "gregorian4" | "buddhist" | "japanese" | "japaneseKanji";
type Clock = "24" | "ampm" | "words";

interface Layout {
  order: Order;
  sep: "/" | "." | "-";
  calendar: Calendar;
  clock: Clock;
  /** Index into MERIDIEMS for "ampm". */
  meridiem: number;
  /** Meridiem before the time (Korean, Chinese) instead of after it. */
  meridiemFirst: boolean;
  seconds: boolean;
  form: "bracket" | "dash" | "colon";
  timeFirst: boolean;
  lrm: boolean;
  rlm: boolean;
  bom: boolean;
  nnbsp: boolean;
  arabicDigits: boolean;
  dateTimeSep: ", " | " " | "، ";
}

const MERIDIEMS: [string, string][] = [
  ["AM", "PM"],
  ["am", "pm"],
  ["a.m.", "p.m."],
  ["a. m.", "p. m."],
  ["vorm.", "nachm."],
  ["오전", "오후"],
  ["上午", "下午"],
  ["午前", "午後"],
  ["ص", "م"],
  ["SA", "CH"],
  ["πμ", "μμ"],
  ["de.", "du."],
  ["ap.", "ip."],
];

const layoutArb: fc.Arbitrary<Layout> = fc
  .record({
    order: fc.constantFrom<Order>("DMY", "MDY", "YMD"),
    sep: fc.constantFrom<"/" | "." | "-">("/", ".", "-"),
    calendar: fc.constantFrom<Calendar>("gregorian2", "gregorian4", "buddhist", "japanese", "japaneseKanji"),
    clock: fc.constantFrom<Clock>("24", "ampm", "words"),
    meridiem: fc.nat(MERIDIEMS.length - 1),
    meridiemFirst: fc.boolean(),
    seconds: fc.boolean(),
    form: fc.constantFrom<"bracket" | "dash" | "colon">("bracket", "dash", "colon"),
    timeFirst: fc.boolean(),
    lrm: fc.boolean(),
    rlm: fc.boolean(),
    bom: fc.boolean(),
    nnbsp: fc.boolean(),
    arabicDigits: fc.boolean(),
    dateTimeSep: fc.constantFrom<", " | " " | "، ">(", ", " ", "، "),
  })
  .map((l) => {
    // Two-digit and era years are not written year first.
    if (l.order === "YMD" && l.calendar !== "buddhist") l.calendar = "gregorian4";
    // Korean, Chinese and Japanese meridiems come before the time (date-first layouts); the others and words after it.
    l.meridiemFirst = l.clock === "ampm" && !l.timeFirst && l.meridiem >= 5 && l.meridiem <= 7;
    return l;
  });

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const toArabic = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0x660 + Number(d)));

function header(l: Layout, t: Date): string {
  const y = t.getUTCFullYear();
  const mo = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  const h = t.getUTCHours();
  const mi = t.getUTCMinutes();
  const s = t.getUTCSeconds();
  const year =
    l.calendar === "gregorian2"
      ? pad(y % 100)
      : l.calendar === "gregorian4"
        ? String(y)
        : l.calendar === "buddhist"
          ? String(y + 543)
          : l.calendar === "japanese"
            ? y >= 2019
              ? `R${y - 2018}`
              : `H${y - 1988}`
            : y >= 2019
              ? `令和${y - 2018}`
              : `平成${y - 1988}`;
  const r = l.rlm ? "\u200f" : "";
  const parts =
    l.order === "DMY"
      ? [String(d), String(mo), year]
      : l.order === "MDY"
        ? [String(mo), String(d), year]
        : [year, pad(mo), pad(d)];
  let date = parts.map((p) => `${p}${r}`).join(l.sep);
  if (l.calendar === "buddhist" && l.order !== "YMD") date += " BE";
  let time: string;
  const space = l.nnbsp ? "\u202f" : " ";
  if (l.clock === "24") time = `${pad(h)}:${pad(mi)}${l.seconds ? `:${pad(s)}` : ""}`;
  else {
    const h12 = h % 12 === 0 ? 12 : h % 12;
    const base = `${h12}:${pad(mi)}${l.seconds ? `:${pad(s)}` : ""}`;
    if (l.clock === "words")
      time = `${base} ${h < 12 ? "in the morning" : h < 18 ? "in the afternoon" : "in the evening"}`;
    else {
      const m = MERIDIEMS[l.meridiem]![h < 12 ? 0 : 1];
      time = l.meridiemFirst ? `${m} ${base}` : `${base}${space}${m}`;
    }
  }
  let stamp = l.timeFirst ? `${time}, ${date}` : `${date}${l.dateTimeSep}${time}`;
  if (l.arabicDigits) stamp = toArabic(stamp);
  const lead = l.lrm ? "\u200e" : "";
  if (l.form === "bracket") return `${lead}[${l.bom ? "\ufeff" : ""}${stamp}] `;
  if (l.form === "dash") return `${lead}${stamp} - `;
  return `${lead}${stamp}: `;
}

const wall = (t: Date, seconds: boolean) =>
  t
    .toISOString()
    .slice(0, 19)
    .replace(/:\d\d$/, seconds ? `:${pad(t.getUTCSeconds())}` : ":00");

const AUTHORS = ["Ann", "Bo Li", "+1 555 0100", "Zoë"];
const TEXTS = ["ok", "see you at 8", "héllo wörld", "a: b", "👍", "12:30 works"];

interface Chat {
  layouts: Layout[];
  /** Per message: which layout, author, text, minutes since the previous one. */
  messages: { layout: number; author: number; text: number; gap: number; second: number }[];
  start: number;
}

const chatArb = (layouts: number): fc.Arbitrary<Chat> =>
  fc.record({
    layouts: fc.array(layoutArb, { minLength: layouts, maxLength: layouts }),
    messages: fc.array(
      fc.record({
        layout: fc.nat(layouts - 1),
        author: fc.nat(AUTHORS.length - 1),
        text: fc.nat(TEXTS.length - 1),
        gap: fc.nat(60 * 30),
        second: fc.nat(59),
      }),
      { minLength: 4, maxLength: 12 },
    ),
    // 2010 to the start of this year (exports are not from the future)
    start: fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(new Date().getUTCFullYear(), 0, 1) }),
  });

let tmp: string;
let n = 0;

async function check(chat: Chat): Promise<void> {
  const { layouts } = chat;
  // Both layouts of a mixed file must occur at least twice, as a layout change does in real chats.
  if (layouts.length > 1) {
    chat.messages.forEach((m, i) => (m.layout = i % 2));
    // Day-first is forced below, so the two layouts share a date order (or one is year-first).
    if (layouts[1]!.order !== "YMD") layouts[1]!.order = layouts[0]!.order === "YMD" ? "DMY" : layouts[0]!.order;
  }
  const order = layouts.find((l) => l.order !== "YMD")?.order;
  let t = Math.floor(chat.start / 60_000) * 60_000;
  const lines: string[] = [];
  const want: { author: string; text: string; time: string }[] = [];
  for (const m of chat.messages) {
    t += m.gap * 60_000;
    const l = layouts[m.layout]!;
    const at = new Date(t + (l.seconds ? m.second * 1000 : 0));
    lines.push(`${header(l, at)}${AUTHORS[m.author]}: ${TEXTS[m.text]}`);
    want.push({ author: AUTHORS[m.author]!, text: TEXTS[m.text]!, time: wall(at, l.seconds) });
  }
  const file = path.join(tmp, `chat-${n++}.txt`);
  writeFileSync(file, lines.join("\n"));
  const result = await parse({ path: file, format: "whatsapp", options: order ? { daysFirst: order === "DMY" } : {} });
  const who = namer(result);
  const got = result.messages.map((m) => ({ author: who(m.authorKey)!, text: m.text, time: m.localTime }));
  expect(got, lines.join("\n")).to.deep.equal(want);
}

describe("ingest parsers: WhatsApp headers (property)", () => {
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chatlens-wa-prop-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads every message of a chat in any one generated layout", async () => {
    await fc.assert(fc.asyncProperty(chatArb(1), check), { numRuns: 300 });
  });

  it("reads every message when two generated layouts are mixed in one file", async () => {
    await fc.assert(fc.asyncProperty(chatArb(2), check), { numRuns: 300 });
  });
});
