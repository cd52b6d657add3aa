import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { LOCALE_NAMES, localeExport } from "../../helpers/whatsapp-locale-exports.ts";
import { namer, parse } from "./helpers.ts";

/**
 * Issue 14's criteria on realistic data at realistic size: 30,000-message exports generated in
 * several locales and layouts (German Android switching to US English mid-chat with CRLF line
 * ends, Portugal iOS with a BOM, Arabic iOS with Arabic-Indic digits and RLM, Japanese iOS with
 * the Japanese calendar, old US iOS with a colon after the time), each with placeholders,
 * notices under names, mark-led texts, empty and multi-line messages, phone-number authors and
 * a pasted timestamp. Every message must come back with its author, kind, wall-clock time and
 * text; no participant may be made up or lost.
 */

const COUNT = 30_000;

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "chatlens-wa-real-size-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("ingest parsers: WhatsApp exports of realistic size in several locales (issue 14)", function () {
  // Hang guard only: a parse of 30,000 messages takes seconds, far longer on a loaded machine.
  this.timeout(600_000);

  LOCALE_NAMES.forEach((locale, index) => {
    it(`${locale}: ${COUNT} messages, every author, kind, time and text as written`, async () => {
      const chat = localeExport(index, COUNT);
      const dir = path.join(tmp, String(index));
      const file = path.join(dir, chat.fileName);
      rmSync(dir, { recursive: true, force: true });
      (await import("node:fs")).mkdirSync(dir, { recursive: true });
      writeFileSync(file, chat.content);
      const result = await parse({ path: file, format: "whatsapp" });
      const who = namer(result);
      expect(result.messages.length).to.equal(chat.expected.length);
      const mismatches: string[] = [];
      result.messages.forEach((m, i) => {
        const want = chat.expected[i]!;
        const got = { author: who(m.authorKey), kind: m.kind, time: m.localTime, text: m.text };
        if (got.author !== want.author || got.kind !== want.kind || got.time !== want.time || got.text !== want.text) {
          if (mismatches.length < 5)
            mismatches.push(`#${i} line ${m.source.line}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        }
      });
      expect(mismatches).to.deep.equal([]);
      expect(result.participants.map((p) => p.displayName)).to.have.members(chat.authors);
      const kinds = (list: { kind: string }[]) =>
        list.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] ?? 0) + 1 }), {});
      expect(kinds(result.messages)).to.deep.equal(kinds(chat.expected));
      // Every message is a distinct row: no two share a source key.
      expect(new Set(result.messages.map((m) => m.sourceKey)).size).to.equal(result.messages.length);
    });
  });
});
