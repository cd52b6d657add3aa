import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
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
});
