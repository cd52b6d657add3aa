import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { classifyFirstLine } from "../../../services/ingest/parsers/whatsapp-markers.ts";
import type { ParseOptions } from "../../../services/ingest/types.ts";
import { namer, parse } from "./helpers.ts";

/**
 * One table row per defect class of issue 14, each with lines written for the test in the
 * layout real exports use. Every row parses a small file and checks what a user would see:
 * authors, kinds, times and texts.
 */

const LRM = "\u200e";
const RLM = "\u200f";
const BOM = "\ufeff";
const NNBSP = "\u202f";

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "chatlens-wa-defects-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
async function parseLines(lines: string[], options?: ParseOptions, name = `WhatsApp Chat with Test ${fileNo++}.txt`) {
  const file = path.join(tmp, name);
  writeFileSync(file, lines.join("\n"));
  const result = await parse({ path: file, format: "whatsapp", ...(options ? { options } : {}) });
  const who = namer(result);
  return {
    result,
    rows: result.messages.map((m) => ({ author: who(m.authorKey), kind: m.kind, text: m.text, time: m.localTime })),
    authors: result.participants.map((p) => p.displayName),
  };
}

interface Row {
  name: string;
  lines: string[];
  options?: ParseOptions;
  expect: { author?: string; kind: string; text?: string; time?: string }[];
  authors?: string[];
}

const ROWS: Record<string, Row[]> = {
  "A. left-to-right mark before a body": [
    {
      name: "plain text after a mark keeps its author",
      lines: ["1/29/18, 23:49 - Alice: \u200eNo idea, lets try it out!", "1/29/18, 23:50 - Bob: ok"],
      expect: [
        { author: "Alice", kind: "text", text: "No idea, lets try it out!" },
        { author: "Bob", kind: "text", text: "ok" },
      ],
    },
    {
      name: "an iOS participant whose messages are all media and deleted notices is still a participant",
      lines: [
        `[29.01.18, 12:24:03] Bob: Hi`,
        `[29.01.18, 12:24:10] Carla: ${LRM}image omitted`,
        `[29.01.18, 12:24:20] Carla: ${LRM}Diese Nachricht wurde gelöscht.`,
        `[29.01.18, 12:25:00] Carla: ${LRM}<attached: 00000046-file.txt>`,
      ],
      expect: [
        { author: "Bob", kind: "text" },
        { author: "Carla", kind: "media", text: "" },
        { author: "Carla", kind: "deleted", text: "" },
        { author: "Carla", kind: "media" },
      ],
      authors: ["Bob", "Carla"],
    },
    {
      name: "a notice under the actor's own name is a notice",
      lines: [`[1/5/24, 9:58:01${NNBSP}AM] Anna: ${LRM}Anna added Tom`, `[1/5/24, 9:59:00${NNBSP}AM] Tom: thanks`],
      expect: [
        { kind: "system", text: "Anna added Tom" },
        { author: "Tom", kind: "text" },
      ],
    },
  ],
  "B. old iOS 12-hour layout with a colon after the time": [
    {
      name: "author and time are read",
      lines: [
        "7/1/16, 5:13:36 PM: Name: text",
        "7/1/16, 5:14:00 PM: Other: more text",
        "7/2/16, 9:00:00 AM: Name: morning",
      ],
      expect: [
        { author: "Name", kind: "text", text: "text", time: "2016-07-01T17:13:36" },
        { author: "Other", kind: "text", text: "more text", time: "2016-07-01T17:14:00" },
        { author: "Name", kind: "text", text: "morning", time: "2016-07-02T09:00:00" },
      ],
      authors: ["Name", "Other"],
    },
  ],
  "C. headers that used to be refused": [
    {
      name: "Arabic-Indic digits, RLM and the Arabic comma",
      lines: [`[١٨${RLM}/٣${RLM}/٢٠٢٢، ٢:٥٦:٠١ م] أحمد: مرحبا`, `[١٨${RLM}/٣${RLM}/٢٠٢٢، ٢:٥٧:٠٠ م] سارة: أهلا`],
      expect: [
        { author: "أحمد", kind: "text", text: "مرحبا", time: "2022-03-18T14:56:01" },
        { author: "سارة", kind: "text", time: "2022-03-18T14:57:00" },
      ],
    },
    {
      name: "time first (Vietnamese iOS)",
      lines: ["[14:56:01, 3/18/22] Lan: Chào", "[15:00:00, 3/18/22] Minh: Chào bạn"],
      expect: [
        { author: "Lan", kind: "text", text: "Chào", time: "2022-03-18T14:56:01" },
        { author: "Minh", kind: "text", time: "2022-03-18T15:00:00" },
      ],
    },
    {
      name: "Buddhist year",
      lines: ["[3/18/2565 BE, 14:56:01] Somchai: สวัสดี", "[3/19/2565 BE, 08:00:00] Malee: ครับ"],
      expect: [
        { author: "Somchai", kind: "text", time: "2022-03-18T14:56:01" },
        { author: "Malee", kind: "text", time: "2022-03-19T08:00:00" },
      ],
    },
    {
      name: "Japanese era year",
      lines: ["[3/18/R4, 14:56:01] Yuki: こんにちは", "[1/7/H31, 09:00:00] Ken: はい"],
      expect: [
        { author: "Yuki", kind: "text", time: "2022-03-18T14:56:01" },
        { author: "Ken", kind: "text", time: "2019-01-07T09:00:00" },
      ],
    },
    {
      name: "2013-era time first with a month name",
      lines: ["19:23, 28 Aug 2013 - Name: hello", "08:01, 29 Aug 2013 - Other: hi"],
      expect: [
        { author: "Name", kind: "text", text: "hello", time: "2013-08-28T19:23:00" },
        { author: "Other", kind: "text", time: "2013-08-29T08:01:00" },
      ],
    },
    {
      name: "no year: month first, 12 h, after dated lines of the year before",
      lines: ["Dec 30, 2013, 8:11 PM - Ann: last year", "Mar 5, 8:11 PM - Name: hi", "Mar 6, 9:00 AM - Ann: yo"],
      expect: [
        { author: "Ann", kind: "text", time: "2013-12-30T20:11:00" },
        { author: "Name", kind: "text", text: "hi", time: "2014-03-05T20:11:00" },
        { author: "Ann", kind: "text", time: "2014-03-06T09:00:00" },
      ],
    },
    {
      name: "no year: day first, 24 h, in a file with no year at all",
      lines: ["4 Aug 11:36 - Name: hi", "5 Aug 12:00 - Other: ho"],
      expect: [
        { author: "Name", kind: "text", text: "hi", time: `${new Date().getUTCFullYear()}-08-04T11:36:00` },
        { author: "Other", kind: "text", time: `${new Date().getUTCFullYear()}-08-05T12:00:00` },
      ],
    },
  ],
  "D. two header layouts in one file": [
    {
      name: "12-hour lines among 24-hour lines each start a message",
      lines: [
        "28/02/2019, 16:58 - Ana: first",
        "01/03/2019, 09:00 - Ben: second",
        "3/3/19 4:58 AM - Ana: third",
        "3/3/19 5:10 PM - Ben: fourth",
        "04/03/2019, 18:00 - Ana: fifth",
      ],
      expect: [
        { author: "Ana", text: "first", kind: "text", time: "2019-02-28T16:58:00" },
        { author: "Ben", text: "second", kind: "text", time: "2019-03-01T09:00:00" },
        { author: "Ana", text: "third", kind: "text", time: "2019-03-03T04:58:00" },
        { author: "Ben", text: "fourth", kind: "text", time: "2019-03-03T17:10:00" },
        { author: "Ana", text: "fifth", kind: "text", time: "2019-03-04T18:00:00" },
      ],
    },
  ],
  "E. meridiem in words": [
    {
      name: "morning, afternoon, evening and night",
      lines: [
        "12/01/2020, 9:15 in the morning - Name: breakfast",
        "12/01/2020, 3:07 in the afternoon - Other: lunch",
        "12/01/2020, 8:00 in the evening - Name: dinner",
        "13/01/2020, 2:00 at night - Other: sleep",
        "13/01/2020, 11:30 at night - Name: late",
      ],
      expect: [
        { author: "Name", kind: "text", text: "breakfast", time: "2020-01-12T09:15:00" },
        { author: "Other", kind: "text", text: "lunch", time: "2020-01-12T15:07:00" },
        { author: "Name", kind: "text", time: "2020-01-12T20:00:00" },
        { author: "Other", kind: "text", time: "2020-01-13T02:00:00" },
        { author: "Name", kind: "text", time: "2020-01-13T23:30:00" },
      ],
    },
  ],
  "F. placeholders": [
    {
      name: "media, deleted, location, contact and documents in several languages",
      lines: [
        `12/01/2020, 10:00 - A: <${LRM}image omitted>`,
        `12/01/2020, 10:01 - A: <${LRM}audio omitted>`,
        "12/01/2020, 10:02 - A: <Média vynechány>",
        "12/01/2020, 10:03 - A: Tato zpráva byla odstraněna.",
        "12/01/2020, 10:04 - A: poloha: https://maps.google.com/?q=50.08,14.42",
        "12/01/2020, 10:05 - A: Jan Novák.vcf (soubor byl přiložen)",
        `12/01/2020, 10:06 - A: file.txt ${LRM}document omitted`,
        `12/01/2020, 10:07 - A: ${LRM}<attached: 00000046-file.txt>`,
        "12/01/2020, 10:08 - A: <terlampir: 00000047-PHOTO-2020-01-12.jpg>",
        "12/01/2020, 10:09 - A: Questo messaggio è stato eliminato.",
        "12/01/2020, 10:10 - A: Ce message a été supprimé.",
        "12/01/2020, 10:11 - A: Café Central (Wien, Österreich): https://foursquare.com/v/4b0588a1f964a520d8d822e3",
        "12/01/2020, 10:12 - B: ok",
      ],
      expect: [
        { author: "A", kind: "media", text: "" },
        { author: "A", kind: "media", text: "" },
        { author: "A", kind: "media", text: "" },
        { author: "A", kind: "deleted", text: "" },
        { author: "A", kind: "location" },
        { author: "A", kind: "contact" },
        { author: "A", kind: "media" },
        { author: "A", kind: "media" },
        { author: "A", kind: "media" },
        { author: "A", kind: "deleted" },
        { author: "A", kind: "deleted" },
        { author: "A", kind: "location" },
        { author: "B", kind: "text" },
      ],
    },
  ],
  "G. BOM inside the iOS bracket": [
    {
      name: "the header is read",
      lines: [`[${BOM}29.01.18, 12:24:03] Ana: hola`, `[${BOM}29.01.18, 12:25:00] Ben: hi`],
      expect: [
        { author: "Ana", kind: "text", text: "hola", time: "2018-01-29T12:24:03" },
        { author: "Ben", kind: "text", text: "hi", time: "2018-01-29T12:25:00" },
      ],
    },
  ],
  "H. empty message": [
    {
      name: "an author with nothing after the colon sent an empty message",
      lines: ["12/01/2020, 10:00 - Carol: hi", "12/01/2020, 10:01 - Carol:", "12/01/2020, 10:02 - Dan: ?"],
      expect: [
        { author: "Carol", kind: "text", text: "hi" },
        { author: "Carol", kind: "text", text: "" },
        { author: "Dan", kind: "text" },
      ],
    },
  ],
  "I. group name as author of the encryption notice": [
    {
      name: "no participant is made of the group's name",
      lines: [
        "12/01/2020, 10:00 - Group Name: Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
        "12/01/2020, 10:01 - Ann: hi",
        "12/01/2020, 10:02 - Bo: hey",
      ],
      expect: [{ kind: "system" }, { author: "Ann", kind: "text" }, { author: "Bo", kind: "text" }],
      authors: ["Ann", "Bo"],
    },
  ],
  "J. real repeated messages": [
    {
      name: "two identical messages in the same minute stay two, with distinct keys",
      lines: [
        "1/29/18, 23:49 - Alice: ok",
        "1/29/18, 23:49 - Alice: ok",
        "1/29/18, 23:49 - Bob: ok",
        "1/29/18, 23:50 - Alice: ok",
      ],
      expect: [
        { author: "Alice", kind: "text", text: "ok" },
        { author: "Alice", kind: "text", text: "ok" },
        { author: "Bob", kind: "text", text: "ok" },
        { author: "Alice", kind: "text", text: "ok" },
      ],
    },
  ],
  "N. phone-number authors": [
    {
      name: "NBSP and U+2011 become a space and a hyphen",
      lines: [
        "12/01/2020, 10:00 - +55\u00a061\u00a01234\u20115678: oi",
        `12/01/2020, 10:01 - ${LRM}+55 61 9876${NNBSP}5432${LRM}: tudo bem?`,
      ],
      expect: [
        { author: "+55 61 1234-5678", kind: "text" },
        { author: "+55 61 9876 5432", kind: "text" },
      ],
      authors: ["+55 61 1234-5678", "+55 61 9876 5432"],
    },
  ],
};

describe("ingest parsers: WhatsApp defect classes (issue 14)", () => {
  for (const [cls, rows] of Object.entries(ROWS)) {
    describe(cls, () => {
      for (const row of rows) {
        it(row.name, async () => {
          const { rows: got, authors } = await parseLines(row.lines, row.options);
          expect(got.length, JSON.stringify(got)).to.equal(row.expect.length);
          row.expect.forEach((want, i) => {
            const pick = Object.fromEntries(
              Object.keys(want).map((k) => [k, got[i]![k as keyof (typeof got)[number]]]),
            );
            expect(pick, `message ${i + 1}`).to.deep.equal(want);
          });
          if (row.authors) expect(authors).to.deep.equal(row.authors);
        });
      }
    });
  }

  it("J. repeated messages get distinct source keys; a re-import gives the same keys", async () => {
    const lines = [
      "1/29/18, 23:49 - Alice: ok",
      "1/29/18, 23:49 - Alice: ok",
      "1/29/18, 23:49 - Bob: ok",
      "1/29/18, 23:50 - Alice: ok",
    ];
    const first = await parseLines(lines, undefined, "WhatsApp Chat with Same.txt");
    const again = await parseLines(lines, undefined, "WhatsApp Chat with Same.txt");
    const keys = first.result.messages.map((m) => m.sourceKey);
    expect(new Set(keys).size).to.equal(4);
    expect(again.result.messages.map((m) => m.sourceKey)).to.deep.equal(keys);
  });

  it("E. a year-less file reports the year it assumed, with the line", async () => {
    const { result } = await parseLines(["4 Aug 11:36 - Name: hi"]);
    expect(result.warnings.map((w) => [w.code, w.line])).to.deep.equal([["YEAR_ASSUMED", 1]]);
  });

  it("F. placeholders in the 20 most used WhatsApp languages, with U+200E anywhere in them", () => {
    const table: [string, string][] = PLACEHOLDERS;
    const misses: string[] = [];
    for (const [text, kind] of table) {
      // The mark before, inside (after the first character) and after the placeholder.
      for (const variant of [text, `${LRM}${text}`, `${text.slice(0, 1)}${LRM}${text.slice(1)}`, `${text}${LRM}`]) {
        if (classifyFirstLine(variant)?.kind !== kind)
          misses.push(`${JSON.stringify(variant)} → ${classifyFirstLine(variant)?.kind}, want ${kind}`);
      }
    }
    expect(misses).to.deep.equal([]);
  });
});

/** Placeholders per language: media, deleted, location, contact, missed call, poll. */
const PLACEHOLDERS: [string, string][] = [
  // English
  ["<Media omitted>", "media"],
  ["image omitted", "media"],
  ["This message was deleted", "deleted"],
  ["location: https://maps.google.com/?q=1,2", "location"],
  ["Ann.vcf (file attached)", "contact"],
  ["Missed voice call", "call"],
  ["POLL:", "poll"],
  // Spanish
  ["<Multimedia omitido>", "media"],
  ["Se eliminó este mensaje.", "deleted"],
  ["Ubicación: https://maps.google.com/?q=1,2", "location"],
  ["Ana.vcf (archivo adjunto)", "contact"],
  ["Llamada perdida", "call"],
  ["ENCUESTA:", "poll"],
  // Portuguese
  ["<Mídia oculta>", "media"],
  ["Mensagem apagada", "deleted"],
  ["Localização: https://maps.google.com/?q=1,2", "location"],
  ["Ana.vcf (arquivo anexado)", "contact"],
  ["Chamada de voz perdida", "call"],
  ["ENQUETE:", "poll"],
  // German
  ["<Medien ausgeschlossen>", "media"],
  ["Diese Nachricht wurde gelöscht.", "deleted"],
  ["Standort: https://maps.google.com/?q=1,2", "location"],
  ["Anna.vcf (Datei angehängt)", "contact"],
  ["Verpasster Sprachanruf", "call"],
  ["UMFRAGE:", "poll"],
  // French
  ["<Médias omis>", "media"],
  ["Ce message a été supprimé.", "deleted"],
  ["Position : https://maps.google.com/?q=1,2", "location"],
  ["Anne.vcf (fichier joint)", "contact"],
  ["Appel vocal manqué", "call"],
  ["SONDAGE :", "poll"],
  // Italian
  ["<Media omessi>", "media"],
  ["Questo messaggio è stato eliminato.", "deleted"],
  ["Posizione: https://maps.google.com/?q=1,2", "location"],
  ["Anna.vcf (file allegato)", "contact"],
  ["Chiamata vocale persa", "call"],
  ["SONDAGGIO:", "poll"],
  // Dutch
  ["<Media weggelaten>", "media"],
  ["Dit bericht is verwijderd", "deleted"],
  ["Locatie: https://maps.google.com/?q=1,2", "location"],
  ["Anna.vcf (bestand bijgevoegd)", "contact"],
  ["Gemiste spraakoproep", "call"],
  ["PEILING:", "poll"],
  // Russian
  ["<Без медиафайлов>", "media"],
  ["Данное сообщение удалено", "deleted"],
  ["Местоположение: https://maps.google.com/?q=1,2", "location"],
  ["Анна.vcf (файл прикреплён)", "contact"],
  ["Пропущенный аудиозвонок", "call"],
  ["ОПРОС:", "poll"],
  // Ukrainian
  ["<Без медіафайлів>", "media"],
  ["Це повідомлення видалено", "deleted"],
  ["Місцезнаходження: https://maps.google.com/?q=1,2", "location"],
  ["Анна.vcf (файл додано)", "contact"],
  ["Пропущений аудіодзвінок", "call"],
  ["ОПИТУВАННЯ:", "poll"],
  // Turkish
  ["<Medya dahil edilmedi>", "media"],
  ["Bu mesaj silindi", "deleted"],
  ["Konum: https://maps.google.com/?q=1,2", "location"],
  ["Ayşe.vcf (dosya ekli)", "contact"],
  ["Cevapsız sesli arama", "call"],
  ["ANKET:", "poll"],
  // Indonesian
  ["<Media tidak disertakan>", "media"],
  ["Pesan ini telah dihapus", "deleted"],
  ["Lokasi: https://maps.google.com/?q=1,2", "location"],
  ["Ani.vcf (file terlampir)", "contact"],
  ["Panggilan suara tak terjawab", "call"],
  ["POLLING:", "poll"],
  // Malay
  ["<Media dikecualikan>", "media"],
  ["Mesej ini telah dipadam", "deleted"],
  ["Ani.vcf (fail dilampirkan)", "contact"],
  ["Panggilan suara terlepas", "call"],
  ["UNDIAN:", "poll"],
  // Arabic
  ["<تم استبعاد الوسائط>", "media"],
  ["تم حذف هذه الرسالة", "deleted"],
  ["الموقع: https://maps.google.com/?q=1,2", "location"],
  ["أحمد.vcf (ملف مرفق)", "contact"],
  ["مكالمة صوتية فائتة", "call"],
  ["استطلاع:", "poll"],
  // Persian
  ["<رسانه حذف شد>", "media"],
  ["این پیام حذف شد", "deleted"],
  ["مکان: https://maps.google.com/?q=1,2", "location"],
  ["تماس صوتی از دست رفته", "call"],
  ["نظرسنجی:", "poll"],
  // Hindi
  ["<मीडिया के बिना>", "media"],
  ["यह मैसेज डिलीट किया गया", "deleted"],
  ["स्थान: https://maps.google.com/?q=1,2", "location"],
  ["मिस्ड वॉइस कॉल", "call"],
  ["पोल:", "poll"],
  // Polish
  ["<pominięto multimedia>", "media"],
  ["Ta wiadomość została usunięta", "deleted"],
  ["Lokalizacja: https://maps.google.com/?q=1,2", "location"],
  ["Anna.vcf (załączono plik)", "contact"],
  ["Nieodebrane połączenie głosowe", "call"],
  ["ANKIETA:", "poll"],
  // Czech
  ["<Média vynechána>", "media"],
  ["Tato zpráva byla odstraněna.", "deleted"],
  ["poloha: https://maps.google.com/?q=1,2", "location"],
  ["Jan.vcf (soubor byl přiložen)", "contact"],
  ["Zmeškaný hlasový hovor", "call"],
  ["ANKETA:", "poll"],
  // Hebrew
  ["<המדיה לא נכללה>", "media"],
  ["הודעה זו נמחקה", "deleted"],
  ["מיקום: https://maps.google.com/?q=1,2", "location"],
  ["דנה.vcf (קובץ מצורף)", "contact"],
  ["שיחה קולית שלא נענתה", "call"],
  ["סקר:", "poll"],
  // Vietnamese
  ["<Bỏ qua tập tin phương tiện>", "media"],
  ["Tin nhắn này đã bị xóa", "deleted"],
  ["Vị trí: https://maps.google.com/?q=1,2", "location"],
  ["Lan.vcf (tệp đính kèm)", "contact"],
  ["Cuộc gọi thoại bị nhỡ", "call"],
  ["BÌNH CHỌN:", "poll"],
  // Chinese
  ["<省略影音内容>", "media"],
  ["此消息已删除", "deleted"],
  ["位置: https://maps.google.com/?q=1,2", "location"],
  ["未接语音通话", "call"],
  ["投票:", "poll"],
  // Japanese
  ["<メディアは含まれていません>", "media"],
  ["このメッセージは削除されました", "deleted"],
  ["位置情報: https://maps.google.com/?q=1,2", "location"],
  ["投票:", "poll"],
  // Korean
  ["<미디어 파일 생략됨>", "media"],
  ["삭제된 메시지입니다", "deleted"],
  ["위치: https://maps.google.com/?q=1,2", "location"],
  ["부재중 음성통화", "call"],
  ["투표:", "poll"],
  // Romanian, Hungarian, Swedish
  ["Acest mesaj a fost șters", "deleted"],
  ["Ez az üzenet törölve lett", "deleted"],
  ["Det här meddelandet raderades", "deleted"],
  ["Ana.vcf (fișier atașat)", "contact"],
  ["Anna.vcf (fil bifogad)", "contact"],
  ["Nem fogadott hanghívás", "call"],
];
