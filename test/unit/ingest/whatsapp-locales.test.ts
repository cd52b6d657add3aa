import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { classifyFirstLine } from "../../../services/ingest/parsers/whatsapp-markers.ts";
import { namer, parse } from "./helpers.ts";

/**
 * Issue 14, placeholders and notices as real exports write them in other languages: the
 * wordings the first placeholder table lacked (checked against exported chat text and other
 * public parsers, see whatsapp-markers.ts), iOS notices written under a person's name in the
 * most used languages, the layouts of documents and places, and Japanese era names in kanji.
 * Lines are written for the test.
 */

const LRM = "\u200e";

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "chatlens-wa-locales-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
async function parseLines(lines: string[]) {
  const file = path.join(tmp, `WhatsApp Chat with Locale ${fileNo++}.txt`);
  writeFileSync(file, lines.join("\n"));
  const result = await parse({ path: file, format: "whatsapp" });
  const who = namer(result);
  return {
    rows: result.messages.map((m) => ({
      author: who(m.authorKey),
      kind: m.kind,
      text: m.text,
      attachment: m.attachments[0]?.name,
    })),
    authors: result.participants.map((p) => p.displayName),
  };
}

/** Wordings seen in real exports: [text, kind]. */
const REAL_PLACEHOLDERS: [string, string][] = [
  // iOS, Portugal's Portuguese: "não revelado"
  ["imagem não revelada", "media"],
  ["vídeo não revelado", "media"],
  ["ficheiro de áudio não revelado", "media"],
  ["GIF não revelado", "media"],
  ["sticker não revelado", "sticker"],
  ["Contacto não revelado", "contact"],
  ["Esta mensagem foi apagada pelo remetente.", "deleted"],
  // iOS, French, Italian, German, Czech
  ["GIF retiré", "media"],
  ["Fiche contact manquante", "contact"],
  ["GIF esclusa", "media"],
  ["sticker non incluso", "sticker"],
  ["Kontaktkarte ausgelassen", "contact"],
  ["Videonachricht weggelassen", "media"],
  ["GIF vynechán", "media"],
  ["Vizitka vynechána", "contact"],
  ["Tato zpráva byla smazána.", "deleted"],
  ["Tuto zprávu jste smazal/a.", "deleted"],
  // iOS, Russian, Ukrainian, Arabic, Chinese (Taiwan)
  ["стикер не добавлен", "sticker"],
  ["Вы удалили данное сообщение.", "deleted"],
  ["зображення відсутнє", "media"],
  ["Наклейку не додано", "sticker"],
  ["Картка контакту відсутня", "contact"],
  ["Це повідомлення було видалено.", "deleted"],
  ["لم يتم إدراج الصورة", "media"],
  ["لم يتم إدراج الفيديوهات", "media"],
  ["لم يتم إدراج المقاطع الصوتية", "media"],
  ["تم حذف الملصقات", "sticker"],
  ["لم يتم إدراج بطاقة جهة اتصال", "contact"],
  ["圖片已略去", "media"],
  // Android, older and regional wordings
  ["<Medya atlanmış>", "media"],
  ["<미디어 파일을 생략한 대화내용>", "media"],
  ["<已省略多媒體檔案>", "media"],
  ["<省略多媒体文件>", "media"],
  ["<bỏ qua tệp phương tiện>", "media"],
  ["<মিডিয়া বাদ দেওয়া হয়েছে>", "media"],
  ["<Mídia omitida>", "media"],
  // Deleted, other app versions and regions
  ["Tin nhắn này đã bị xoá", "deleted"],
  ["Bạn đã xoá tin nhắn này", "deleted"],
  ["这条消息已被删除。", "deleted"],
  ["यह मैसेज डिलीट कर दिया गया है", "deleted"],
  ["یہ میسج حذف کر دیا گیا ہے", "deleted"],
  ["این پیام حذف شده است", "deleted"],
  ["Pesan ini dihapus", "deleted"],
  ["이 메시지는 삭제되었습니다", "deleted"],
  ["Ez az üzenet törlésre került", "deleted"],
  ["Detta meddelande raderades", "deleted"],
];

describe("ingest parsers: WhatsApp placeholders and notices in other languages (issue 14)", () => {
  it("recognises the placeholder wordings of real exports, with U+200E anywhere in them", () => {
    const misses: string[] = [];
    for (const [text, kind] of REAL_PLACEHOLDERS) {
      for (const variant of [text, `${LRM}${text}`, `${text.slice(0, 1)}${LRM}${text.slice(1)}`, `${text}${LRM}`]) {
        const got = classifyFirstLine(variant)?.kind;
        if (got !== kind) misses.push(`${JSON.stringify(variant)} → ${got}, want ${kind}`);
      }
    }
    expect(misses).to.deep.equal([]);
  });

  it("reads documents and places in the layouts iOS and Android write them", async () => {
    const { rows } = await parseLines([
      `[18.03.22, 14:56:01] Ana: test_document • 2 pages ${LRM}document omitted`,
      `[18.03.22, 14:56:02] Ana: ${LRM}Quarterly report of the regional office 2021 final.pdf ${LRM}document omitted`,
      `[18.03.22, 14:56:03] Ana: Helsinki (Helsinki): https://maps.google.com/?q=60.167850,24.952965`,
      `[18.03.22, 14:56:04] Ana: Красная площадь (Москва): https://maps.google.com/?q=55.7539,37.6208`,
      `[18.03.22, 14:56:05] Ana: ${LRM}Location: https://maps.google.com/?q=60.167850,24.952965`,
      `[18.03.22, 14:56:06] Ben: ok`,
    ]);
    expect(rows).to.deep.equal([
      { author: "Ana", kind: "media", text: "", attachment: "test_document" },
      { author: "Ana", kind: "media", text: "", attachment: "Quarterly report of the regional office 2021 final.pdf" },
      {
        author: "Ana",
        kind: "location",
        text: "Helsinki (Helsinki): https://maps.google.com/?q=60.167850,24.952965",
        attachment: undefined,
      },
      {
        author: "Ana",
        kind: "location",
        text: "Красная площадь (Москва): https://maps.google.com/?q=55.7539,37.6208",
        attachment: undefined,
      },
      {
        author: "Ana",
        kind: "location",
        text: "Location: https://maps.google.com/?q=60.167850,24.952965",
        attachment: undefined,
      },
      { author: "Ben", kind: "text", text: "ok", attachment: undefined },
    ]);
  });

  it("Android: a document's repeated name, a document without media and a three-line place are not captions", async () => {
    const { rows } = await parseLines([
      "18/03/2022, 14:56 - Ana: test_document.pdf (file attached)",
      "test_document",
      "18/03/2022, 14:57 - Ana: Halbaddierer.mod (Datei angehängt)",
      "Halbaddierer.mod",
      "18/03/2022, 14:58 - Ana: <Medien ausgeschlossen>",
      "4Bit Addierer.mod",
      "18/03/2022, 14:59 - Ana: <Media omitted>",
      "what a view, right?",
      "18/03/2022, 15:00 - Ana: Helsinki",
      "Helsinki",
      "location: https://maps.google.com/?q=60.167850494384766,24.952964782714844",
      "18/03/2022, 15:01 - Ben: IMG-20220318-WA0001.jpg (file attached)",
      "look at this",
    ]);
    expect(rows).to.deep.equal([
      { author: "Ana", kind: "media", text: "", attachment: "test_document.pdf" },
      { author: "Ana", kind: "media", text: "", attachment: "Halbaddierer.mod" },
      { author: "Ana", kind: "media", text: "", attachment: "4Bit Addierer.mod" },
      { author: "Ana", kind: "media", text: "what a view, right?", attachment: undefined },
      {
        author: "Ana",
        kind: "location",
        text: "Helsinki\nHelsinki\nlocation: https://maps.google.com/?q=60.167850494384766,24.952964782714844",
        attachment: undefined,
      },
      { author: "Ben", kind: "media", text: "look at this", attachment: "IMG-20220318-WA0001.jpg" },
    ]);
  });

  /** iOS notices under a person's name, after a left-to-right mark, per language; the last line of each is plain text that must keep its author. */
  const NOTICES: Record<string, { notices: string[]; plain: string }> = {
    German: {
      notices: [
        "Anna hat Tom hinzugefügt",
        "Anna hat Tom entfernt",
        "Tom hat die Gruppe verlassen",
        "Deine Sicherheitsnummer für Tom hat sich geändert. Tippe, um mehr zu erfahren.",
        "Anna hat den Betreff zu „Urlaub“ geändert",
      ],
      plain: "ich komme gleich, Tom hat entfernt gesagt",
    },
    Spanish: {
      notices: [
        "Anna añadió a Tom",
        "Tom salió del grupo",
        "Cambió tu código de seguridad con Tom. Pulsa para obtener más información.",
        "Anna cambió el asunto a “Viaje”",
        "Anna creó el grupo “Viaje”",
      ],
      plain: "llego en diez minutos",
    },
    French: {
      notices: [
        "Anna a ajouté Tom",
        "Tom est parti",
        "Votre code de sécurité avec Tom a changé. Appuyez pour en savoir plus.",
        "Anna a modifié le sujet en « Voyage »",
        "Anna a créé le groupe « Voyage »",
      ],
      plain: "j'arrive dans dix minutes",
    },
    Portuguese: {
      notices: [
        "Anna adicionou Tom",
        "Tom saiu",
        "Seu código de segurança com Tom mudou. Toque para saber mais.",
        "Anna mudou o assunto para “Viagem”",
        "Anna criou o grupo “Viagem”",
      ],
      plain: "chego em dez minutos",
    },
    Italian: {
      notices: [
        "Anna ha aggiunto Tom",
        "Tom è uscito",
        "Il tuo codice di sicurezza con Tom è cambiato. Tocca per saperne di più.",
        "Anna ha cambiato l'oggetto in “Viaggio”",
        "Anna ha creato il gruppo “Viaggio”",
      ],
      plain: "arrivo tra dieci minuti",
    },
    Dutch: {
      notices: [
        "Anna heeft Tom toegevoegd",
        "Tom heeft de groep verlaten",
        "Je beveiligingscode voor Tom is gewijzigd. Tik voor meer informatie.",
      ],
      plain: "ik ben er over tien minuten",
    },
    Russian: {
      notices: [
        "Anna добавил(а) Tom",
        "Tom вышел(а)",
        "Ваш код безопасности с контактом Tom изменился. Подробнее.",
        "Anna изменил(а) тему на «Отпуск»",
      ],
      plain: "буду через десять минут",
    },
    Turkish: {
      notices: [
        "Anna, Tom kişisini ekledi",
        "Tom ayrıldı",
        "Tom ile aranızdaki güvenlik kodu değişti. Daha fazla bilgi edinmek için dokunun.",
        "Anna grup adını “Tatil” olarak değiştirdi",
      ],
      plain: "on dakikaya oradayım",
    },
    Indonesian: {
      notices: [
        "Anna menambahkan Tom",
        "Tom keluar",
        "Kode keamanan Anda dengan Tom telah berubah. Ketuk untuk info selengkapnya.",
        "Anna mengubah subjek menjadi “Liburan”",
      ],
      plain: "sampai dalam sepuluh menit",
    },
    Arabic: {
      notices: [
        "Tom غادر",
        "تغيّر رمز أمانك المُستخدَم مع Tom. انقر هنا لمعرفة المزيد.",
        'Anna غيّر اسم المجموعة إلى "رحلة"',
      ],
      plain: "سأصل بعد عشر دقائق",
    },
    Hindi: {
      notices: ["Tom के लिए आपका सुरक्षा कोड बदल गया है. ज़्यादा जानने के लिए टैप करें.", "Anna ने ग्रुप छोड़ दिया"],
      plain: "दस मिनट में पहुँच रहा हूँ",
    },
    Polish: {
      notices: [
        "Twój kod zabezpieczeń z użytkownikiem Tom zmienił się. Stuknij, aby dowiedzieć się więcej.",
        "Anna zmienił(a) temat na „Wakacje”",
      ],
      plain: "będę za dziesięć minut",
    },
  };

  for (const [language, { notices, plain }] of Object.entries(NOTICES)) {
    it(`${language}: iOS notices under a person's name are notices; a mark-led text keeps its author`, async () => {
      const lines = [`[18.03.22, 14:56:00] Bea: hallo`];
      notices.forEach((n, i) =>
        lines.push(`[18.03.22, 14:57:${String(i).padStart(2, "0")}] ${i % 2 ? "Tom" : "Anna"}: ${LRM}${n}`),
      );
      lines.push(`[18.03.22, 14:58:00] Anna: ${LRM}${plain}`, `[18.03.22, 14:59:00] Tom: ${LRM}image omitted`);
      const { rows, authors } = await parseLines(lines);
      expect(rows.map((r) => [r.author, r.kind, r.text])).to.deep.equal([
        ["Bea", "text", "hallo"],
        ...notices.map((n) => [undefined, "system", n]),
        ["Anna", "text", plain],
        ["Tom", "media", ""],
      ]);
      expect(authors).to.have.members(["Bea", "Anna", "Tom"]);
    });
  }

  it("Japanese era names in kanji before the year, as a Japanese calendar writes them", async () => {
    const file = path.join(tmp, "WhatsApp Chat with Era.txt");
    writeFileSync(
      file,
      [
        "[令和4/3/18 14:56:01] Yuki: こんにちは",
        "[令和4/3/19 9:00:00] Ken: はい",
        "平成31/1/7 9:00 - Ken: 昔",
        "昭和64/1/7 9:00 - Yuki: もっと昔",
      ].join("\n"),
    );
    const result = await parse({ path: file, format: "whatsapp" });
    expect(result.messages.map((m) => m.localTime)).to.deep.equal([
      "2022-03-18T14:56:01",
      "2022-03-19T09:00:00",
      "2019-01-07T09:00:00",
      "1989-01-07T09:00:00",
    ]);
  });
});

describe("ingest parsers: exports of one chat in one upload (issue 14)", () => {
  it("a second export of the same chat that starts at the instant the first ends gives the same keys for the same messages", async () => {
    const { zipOf } = await import("../../helpers/hostile-exports.ts");
    const first = ["18/03/2022, 14:56 - Ana: ok", "18/03/2022, 14:57 - Ben: ok", "18/03/2022, 14:57 - Ben: ok"];
    const second = ["18/03/2022, 14:57 - Ben: ok", "18/03/2022, 14:57 - Ben: ok", "18/03/2022, 14:58 - Ana: bye"];
    const file = path.join(tmp, "two exports.zip");
    writeFileSync(
      file,
      await zipOf([
        { name: "a/WhatsApp Chat with Pals.txt", content: first.join("\n") },
        { name: "b/WhatsApp Chat with Pals.txt", content: second.join("\n") },
      ]),
    );
    const result = await parse({ path: file, format: "whatsapp" });
    const keys = result.messages.map((m) => m.sourceKey);
    // Same name, same chat: one conversation, and the repeated "ok" pair of the second file is the first file's pair.
    expect(result.conversations.map((c) => c.name)).to.deep.equal(["Pals"]);
    expect(keys.slice(3, 5)).to.deep.equal(keys.slice(1, 3));
    expect(new Set(keys).size).to.equal(4);
  });
});
