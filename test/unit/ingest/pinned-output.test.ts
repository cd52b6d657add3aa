import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import fc from "fast-check";
import { ParseError } from "../../../services/ingest/errors.ts";
import { readLineChunks } from "../../../services/ingest/io/lines.ts";
import { Progress } from "../../../services/ingest/io/progress.ts";
import { classifyFirstLine } from "../../../services/ingest/parsers/whatsapp-markers.ts";
import { hash64, SourceKeyer } from "../../../services/ingest/source-key.ts";
import { ownFixtures, parse, sharedFixtures } from "./helpers.ts";

/**
 * Pins the parser's output so speed work cannot change it unnoticed. `sourceKey` values are
 * a stored contract (re-imports are deduplicated by them), and the rest of each message is
 * what users see. The digests were taken from the parser before its hot path was optimised.
 */

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

async function digests(file: string, options?: { timeZone?: string }) {
  const result = await parse({ path: file, options });
  return {
    count: result.messages.length,
    keys: sha(result.messages.map((m) => m.sourceKey).join("\n")),
    messages: sha(JSON.stringify(result.messages)),
  };
}

/** Deterministic pseudo-random numbers, so the synthetic export is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A synthetic Android export that exercises every branch of the hot path: placeholders in
 * two languages, attachments, edited markers, iOS-style marks, system notices, multi-line
 * and very long texts, identical messages in the same minute (ordinals), non-ASCII text
 * and CRLF line ends.
 */
function syntheticExport(count: number): string {
  const random = rng(7);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const authors = ["Anna Berg", "Tom", "+49 151 2345678", "\u200eLisa Müller", "Jonas 🎸"];
  const bodies = [
    "ok",
    "<Media omitted>",
    "<Medien ausgeschlossen>",
    "This message was deleted",
    "Diese Nachricht wurde gelöscht.",
    "IMG-20200101-WA0001.jpg (file attached)",
    "\u200e<attached: 00000012-PHOTO-2020-01-01.jpg>",
    "see you at eight <This message was edited>",
    "location: https://maps.google.com/?q=52.5,13.4",
    "Missed voice call",
    "POLL:\nOPTION: yes (2 votes)",
    "\u200eTom added Anna",
    "Grüße aus München 🎉 — bis später",
    "line one\nline two\n\nline four",
    "x".repeat(300),
    `${"long words ".repeat(12)}<not a marker>`,
  ];
  let t = Date.UTC(2021, 2, 27, 22, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < 0.7) t += 60_000 * Math.floor(random() * 3);
    const d = new Date(t);
    const header = `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - `;
    lines.push(
      random() < 0.03 ? `${header}Tom changed the subject to "Trip"` : `${header}${pick(authors)}: ${pick(bodies)}`,
    );
  }
  return `\ufeff${lines.join("\r\n")}`;
}

describe("ingest parsers: pinned output", function () {
  this.timeout(90_000);

  it("hash64 is unchanged", () => {
    expect(hash64()).to.equal("5db4a50174d75344");
    expect(hash64("")).to.equal("48d7230b982abb30");
    expect(hash64("1546329600000", "whatsapp:name:Tom", "hello\nworld")).to.equal("35902b1e2dddc755");
    expect(hash64("1546329600000", "", "Grüße 🎉\u0000IMG-1.jpg")).to.equal("a46aef994a3ce1d2");
  });

  it("source keys hash instant, author and content exactly as hash64 does", () => {
    const attachment = fc.record({
      name: fc.option(fc.string(), { nil: undefined }),
      url: fc.option(fc.string(), { nil: undefined }),
    });
    const timestamp = fc.oneof(
      fc.integer({ min: -1e13, max: 1e13 }),
      fc.maxSafeInteger(),
      fc.double(),
      fc.constantFrom(0, -0, 7, 99_999_999, 1e8, 1e8 + 1, -1e8, 10 ** 15, Number.MAX_SAFE_INTEGER, 2 ** 60, -1e21),
    );
    fc.assert(
      fc.property(
        timestamp,
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        fc.array(attachment, { maxLength: 3 }),
        (ts, author, text, attachments) => {
          const content =
            attachments.length === 0
              ? text
              : `${text}\u0000${attachments.map((a) => a.name ?? a.url ?? "").join("\u0000")}`;
          const key = new SourceKeyer().key("c", undefined, ts, author, text, attachments);
          expect(key).to.equal(`c~${hash64(String(ts), author ?? "", content)}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("numbers identical messages per conversation and instant", () => {
    const keyer = new SourceKeyer();
    const key = (conversation: string, ts: number, text: string) =>
      keyer.key(conversation, undefined, ts, "p", text, []);
    const ok = hash64("1000", "p", "ok");
    const hi = hash64("1000", "p", "hi");
    const keys = [
      key("a", 1000, "ok"),
      key("a", 1000, "hi"),
      key("b", 1000, "ok"),
      key("a", 1000, "ok"),
      key("a", 1000, "hi"),
      key("b", 1000, "ok"),
      key("a", 1000, "hi"),
    ];
    expect(keys).to.deep.equal([`a~${ok}`, `a~${hi}`, `b~${ok}`, `a~${ok}.1`, `a~${hi}.1`, `b~${ok}.1`, `a~${hi}.2`]);
    // A new instant starts the count again; an instant seen before is not remembered (bounded memory).
    expect([key("a", 2000, "ok"), key("a", 1000, "ok"), key("a", 1000, "ok")]).to.deep.equal([
      `a~${hash64("2000", "p", "ok")}`,
      `a~${ok}`,
      `a~${ok}.1`,
    ]);
    expect(keyer.key("a", "42", 1000, "p", "ok", [])).to.equal("a#42");
  });

  it("keeps these WhatsApp source keys", async () => {
    const short = await parse({ path: path.join(sharedFixtures, "whatsapp/pustur__samples_short-chat.txt") });
    expect(short.messages.map((m) => m.sourceKey)).to.deep.equal([
      "whatsapp:pustur__samples_short-chat~abd42677b4bcc37e",
      "whatsapp:pustur__samples_short-chat~150baf729b705282",
      "whatsapp:pustur__samples_short-chat~2cd6215c96c82ceb",
      "whatsapp:pustur__samples_short-chat~6bfef3bfa4aacf93",
      "whatsapp:pustur__samples_short-chat~e0b4dd22449d49f1",
    ]);
    const ios = await parse({ path: path.join(ownFixtures, "whatsapp-ios-2024.txt") });
    expect(ios.messages.slice(0, 4).map((m) => m.sourceKey)).to.deep.equal([
      "whatsapp:whatsapp-ios-2024~8dbf30aeaee267d1",
      "whatsapp:whatsapp-ios-2024~97a03cbfabb39089",
      "whatsapp:whatsapp-ios-2024~a6beab6ff9146eca",
      "whatsapp:whatsapp-ios-2024~b2eaa2b589a0272a",
    ]);
  });

  const FIXTURES: Record<string, { count: number; keys: string; messages: string }> = {
    "whatsapp/chat-miner__test_bracket-mmddyy_24hrs.txt": {
      count: 9,
      keys: "6b73a7066a68328e",
      messages: "20b705effb6d8644",
    },
    "whatsapp/chat-miner__test_ddmmyy_24hrs.txt": { count: 9, keys: "d89259634c4204f8", messages: "72a5d82d8a6625a5" },
    "whatsapp/chat-miner__test_mmddyy_24hrs.txt": { count: 9, keys: "a859e2c8675d7b9d", messages: "3b5401c39b0664cb" },
    "whatsapp/chat-miner__test_mmddyyyy_12hrs.txt": {
      count: 9,
      keys: "d295e51c43688ad7",
      messages: "8e8a0d6e98034564",
    },
    "whatsapp/chat-miner__test_yyyymmdd_24hrs.txt": {
      count: 9,
      keys: "a990fd7331db2a00",
      messages: "6f18d0fa118857bb",
    },
    "whatsapp/pustur__samples_short-chat.txt": { count: 5, keys: "d9abb5866f29a7aa", messages: "4efa4a2d80f45abc" },
    "whatsapp/pustur_inline/attachments.txt": { count: 5, keys: "18e9c636e05edfa1", messages: "0b9c5bbf4d4a059e" },
    "whatsapp/pustur_inline/multiline_with_datetime_in_body.txt": {
      count: 1,
      keys: "2ddb4e591da0d598",
      messages: "636153467834d218",
    },
    "whatsapp/pustur_inline/normal_ampm_dots.txt": { count: 1, keys: "c65ae14344cd211b", messages: "f036bcda97ac41ab" },
    "signal/chat-miner__test_export.txt": { count: 2, keys: "d88328aabb245384", messages: "026e0c529ba845f6" },
    "slack/slack-export-viewer__testarchive.zip": {
      count: 158,
      keys: "c1e78101be070a11",
      messages: "dc9b7dd9512a9088",
    },
    "telegram/telegram-chat-parser__saved.json": { count: 21, keys: "21ee6936d3e9ca23", messages: "20ac30416685faf1" },
    "own/WhatsApp Chat - Family Trip.zip": { count: 15, keys: "85bbff5d3b37f873", messages: "dcaf8702c7f47097" },
    "own/whatsapp-android-es.txt": { count: 8, keys: "83f715bf5a5448bd", messages: "f2dc0f00c7ecbd17" },
    "own/whatsapp-chinese.txt": { count: 3, keys: "7eef106c854f87fe", messages: "6fecaa4ed2a0e3c6" },
    "own/whatsapp-german.txt": { count: 4, keys: "04e7e6990f9d3458", messages: "3e778525e084a90e" },
    "own/whatsapp-ios-2024.txt": { count: 15, keys: "786fc263584fee4b", messages: "f9fed1d669254678" },
    "own/whatsapp-korean.txt": { count: 3, keys: "b8a934f07fce6fbe", messages: "59eb0a2bcafef089" },
    "own/discord-general.csv": { count: 2, keys: "1af42d4a0bc5550d", messages: "f7ca4389a0082092" },
    "own/discord-partitions.zip": { count: 8, keys: "b6562746d1ad2581", messages: "e5659ec7d1254e92" },
    "own/facebook-messages.zip": { count: 5, keys: "2dcc2ce101d6ee9a", messages: "49175b054a33e672" },
    "own/telegram-full-account.json": { count: 10, keys: "9db208d6278fc6fc", messages: "d8613e5e4361adf7" },
  };

  for (const [file, expected] of Object.entries(FIXTURES)) {
    it(`${file}: same messages and source keys`, async () => {
      const root = file.startsWith("own/") ? ownFixtures : sharedFixtures;
      expect(await digests(path.join(root, file.replace(/^own\//, "")))).to.deep.equal(expected);
    });
  }

  describe("synthetic export", () => {
    let tmp: string;
    let file: string;
    before(() => {
      tmp = mkdtempSync(path.join(tmpdir(), "chatlens-pinned-"));
      file = path.join(tmp, "WhatsApp Chat with Pinned.txt");
      writeFileSync(file, syntheticExport(20_000));
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it("same messages and source keys (UTC)", async () => {
      expect(await digests(file)).to.deep.equal({
        count: 20_000,
        keys: "4af9ed253d935e04",
        messages: "ce592aab7771c109",
      });
    });

    it("same messages and source keys (Europe/Berlin, across a DST change)", async () => {
      expect(await digests(file, { timeZone: "Europe/Berlin" })).to.deep.equal({
        count: 20_000,
        keys: "af58ca8b496b6e4c",
        messages: "c7e56db4f30b3fbf",
      });
    });
  });

  it("classifies placeholders past the quick rejection of ordinary text", () => {
    const kinds: [string, string | undefined][] = [
      ["<Media omitted>", "media"],
      ["\u200eimage omitted", "media"],
      ["Video Omitted", "media"],
      ["<медиафайлы удалены>", "media"],
      ["Sticker omitted", "sticker"],
      ["Fiche contact omise", "contact"],
      ["This message was deleted", "deleted"],
      ["ЭТО СООБЩЕНИЕ УДАЛЕНО", "deleted"],
      ["Diese Nachricht wurde gelöscht.", "deleted"],
      ["Missed voice call, tap to call back", "call"],
      ["Video call, 3 min", "call"],
      ["Live location shared", "location"],
      ["Ubicación: https://maps.google.com/?q=1,2", "location"],
      ["location: https://maps.google.com/?q=52.5,13.4 and a long comment after the link", "location"],
      ["POLL:", "poll"],
      ["<attached: 00000012-PHOTO-2020-01-01.jpg>", "media"],
      ["< attached: 00000013-AUDIO-2020-01-01.opus>", "media"],
      ["IMG-1.jpg (file attached)", "media"],
      ["Kontakt.vcf (Datei angehängt)", "contact"],
      ["the train is late", undefined],
      ["ok", undefined],
      ["x", undefined],
      ["", undefined],
      ["a long message that mentions location: https://maps.google.com later on", undefined],
    ];
    expect(kinds.map(([line]) => classifyFirstLine(line)?.kind)).to.deep.equal(kinds.map(([, kind]) => kind));
  });

  describe("line reader", () => {
    const entryOf = (bytes: Buffer, chunkSize: number) => ({
      name: "x.txt",
      label: "x.txt",
      size: bytes.length,
      readErrorCode: "READ_FAILED" as const,
      open: async () => {
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
        return Readable.from(chunks);
      },
    });
    const readAll = async (bytes: Buffer, chunkSize: number) => {
      const lines: string[] = [];
      for await (const chunk of readLineChunks(entryOf(bytes, chunkSize), new Progress())) lines.push(...chunk);
      return lines;
    };

    it("rejects a line once more than 4 Mi of its characters are read, counting characters rather than bytes", async () => {
      const max = 4 * 1024 * 1024;
      const err = await readAll(Buffer.from(`a\n${"x".repeat(max + (2 << 20))}\nb`), 1 << 20).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ParseError);
      expect((err as ParseError).code).to.equal("NOT_A_CHAT");
      expect((err as ParseError).message).to.contain("line 2 ");
      const lines = await readAll(Buffer.from(`${"é".repeat(max)}\nb`), 1 << 20);
      expect(lines.map((l) => l.length)).to.deep.equal([max, 1]);
    });

    for (const chunkSize of [1, 2, 3, 7, 64, 1 << 16]) {
      it(`splits lines the same way at every chunk size (${chunkSize} bytes)`, async () => {
        const text = "\ufeffé 🎉 one\r\ntwo\n\nthree\r\n\r\nGrüße\rstill\nlast";
        expect(await readAll(Buffer.from(text, "utf8"), chunkSize)).to.deep.equal([
          "é 🎉 one",
          "two",
          "",
          "three",
          "",
          "Grüße\rstill",
          "last",
        ]);
        expect(await readAll(Buffer.from("a\nb\n", "utf8"), chunkSize)).to.deep.equal(["a", "b"]);
        expect(await readAll(Buffer.from("\r\n", "utf8"), chunkSize)).to.deep.equal([""]);
        expect(await readAll(Buffer.from("\ufeff", "utf8"), chunkSize)).to.deep.equal([]);
        expect(await readAll(Buffer.from("\ufeff\n\ufeffx\r", "utf8"), chunkSize)).to.deep.equal(["", "\ufeffx"]);
        expect(await readAll(Buffer.from("\n\n", "utf8"), chunkSize)).to.deep.equal(["", ""]);
        // Broken UTF-8 becomes U+FFFD wherever the chunks are cut.
        expect(await readAll(Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xf0, 0x9f, 0x8e]), chunkSize)).to.deep.equal([
          "a\ufffd",
          "\ufffd",
        ]);
      });
    }
  });
});
