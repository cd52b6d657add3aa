import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { expectParseError, namer, parse, sharedFixtures } from "./helpers.ts";

const dir = (sub: string) => path.join(sharedFixtures, sub);
const oracle = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")) as { timestamp: string; author: string; message: string }[];
/** chat-miner joins multi-line messages and Telegram entity parts with spaces; compare text modulo whitespace. */
const squash = (s: string) => s.replace(/\s+/g, "");

type Result = Awaited<ReturnType<typeof parse>>;

/** Messages as chat-miner's oracles list them: words by people (no system notices), newest first. */
function asOracle(result: Result) {
  const name = namer(result);
  return result.messages
    .filter((m) => m.kind !== "system")
    .map((m) => ({ timestamp: m.localTime, author: name(m.authorKey), message: squash(m.text) }))
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : -1));
}

describe("ingest parsers: shared third-party fixtures", () => {
  describe("WhatsApp (chat-miner oracle)", () => {
    const expected = oracle(dir("whatsapp/chat-miner__target.expected.json")).map((m) => ({
      ...m,
      message: squash(m.message),
    }));
    const files = readdirSync(dir("whatsapp")).filter((f) => f.startsWith("chat-miner__test_"));
    it("has the five variants", () => expect(files).to.have.length(5));
    for (const file of files) {
      it(`${file} matches the oracle`, async () => {
        const result = await parse({ path: dir(`whatsapp/${file}`), filename: file });
        expect(result.summary?.format).to.equal("whatsapp");
        expect(asOracle(result)).to.deep.equal(expected);
        // Every message points back at its header line.
        expect(result.messages.map((m) => m.source.line)).to.deep.equal([1, 2, 3, 5, 6, 7, 8, 9, 10]);
      });
    }
  });

  describe("WhatsApp (Pustur inline formats)", () => {
    const cases = JSON.parse(readFileSync(dir("whatsapp/pustur_inline/formats.expected.json"), "utf8")) as {
      file: string;
      expected_date_utc_iso: string;
    }[];
    for (const c of cases) {
      it(`${c.file} → ${c.expected_date_utc_iso}`, async () => {
        const result = await parse({ path: dir(`whatsapp/pustur_inline/${c.file}`) });
        expect(result.messages).to.have.length(1);
        const [m] = result.messages;
        expect(m!.timestamp.toISOString()).to.equal(c.expected_date_utc_iso);
        expect(namer(result)(m!.authorKey)).to.equal("a");
        expect(m!.text).to.equal("m");
      });
    }

    it("infers day-first from the whole file (issue 237)", async () => {
      const result = await parse({ path: dir("whatsapp/pustur_inline/issue237_day_first_inference.txt") });
      expect(result.messages.map((m) => m.localTime)).to.deep.equal(["2020-12-30T13:00:00", "2021-01-13T13:00:00"]);
    });

    it("keeps body lines that start with a date inside the message", async () => {
      const result = await parse({ path: dir("whatsapp/pustur_inline/multiline_with_datetime_in_body.txt") });
      expect(result.messages).to.have.length(1);
      expect(result.messages[0]!.text).to.equal("one\ntwo\n2016-04-29 10:30:00");
      expect(result.messages[0]!.localTime).to.equal("2018-06-23T13:55:00");
    });

    it("reads a.m. with dots", async () => {
      const result = await parse({ path: dir("whatsapp/pustur_inline/normal_ampm_dots.txt") });
      expect(result.messages[0]!.localTime).to.equal("2018-06-23T01:55:00");
      expect(result.messages[0]!.text).to.equal("Hey!");
    });

    it("keeps an empty message", async () => {
      const result = await parse({ path: dir("whatsapp/pustur_inline/empty_message.txt") });
      expect(result.messages).to.have.length(1);
      expect(namer(result)(result.messages[0]!.authorKey)).to.equal("Luke");
      expect(result.messages[0]!.text).to.equal("");
    });

    it("recognises attachments in several spellings, with a caption on the next line", async () => {
      const result = await parse({ path: dir("whatsapp/pustur_inline/attachments.txt") });
      expect(result.messages.map((m) => m.kind)).to.deep.equal(["media", "text", "media", "media", "media"]);
      expect(result.messages.map((m) => m.attachments[0]?.name)).to.deep.equal([
        "00000042-PHOTO-2020-06-07-15-13-20.jpg",
        undefined,
        "IMG-20210428-WA0001.jpg",
        "2015-08-04-PHOTO-00004762.jpg",
        "4f2680f1db95a8454775cc2eefc95bfc.jpg",
      ]);
      expect(result.messages[4]!.text).to.equal("Dir auch frohe Ostern.");
    });

    it("parses the short sample: system notices, phone-number author, empty lines inside a message", async () => {
      const result = await parse({ path: dir("whatsapp/pustur__samples_short-chat.txt") });
      const name = namer(result);
      expect(result.messages.map((m) => m.kind)).to.deep.equal(["system", "system", "text", "text", "text"]);
      expect(result.messages.map((m) => name(m.authorKey))).to.deep.equal([
        undefined,
        undefined,
        "Sample User",
        "TestBot",
        "+410123456789",
      ]);
      expect(result.messages[4]!.text).to.equal("How are you?\n\nIs everything alright?");
      // No part is above 12; only month-first keeps these dates in chronological order.
      expect(result.messages.map((m) => m.localTime.slice(0, 10))).to.deep.equal([
        "2017-06-03",
        "2017-06-03",
        "2017-06-03",
        "2017-08-05",
        "2017-09-04",
      ]);
    });

    it("rejects the text that is not a chat (NEGATIVE)", async () => {
      const file = dir("whatsapp/pustur__samples_not-a-whatsapp-chat.NEGATIVE.txt");
      await expectParseError({ path: file });
      const forced = await expectParseError({ path: file, format: "whatsapp" }, "NOT_A_CHAT");
      expect(forced.line).to.equal(1);
    });
  });

  describe("Telegram", () => {
    const expected = oracle(dir("telegram/chat-miner__target.expected.json")).map((m) => ({
      ...m,
      message: squash(m.message),
    }));
    for (const file of ["chat-miner__test_single_export.json", "chat-miner__test_batch_export.json"]) {
      it(`${file} matches the chat-miner oracle (date_unixtime is absolute)`, async () => {
        const result = await parse({ path: dir(`telegram/${file}`) });
        expect(result.summary?.format).to.equal("telegram");
        expect(asOracle(result)).to.deep.equal([...expected].sort((a, b) => (a.timestamp < b.timestamp ? 1 : -1)));
      });
    }

    const valid = readdirSync(dir("telegram")).filter(
      (f) => f.endsWith(".json") && !f.includes("NEGATIVE") && !f.includes("expected"),
    );
    for (const file of valid) {
      it(`${file}: one message per record, each with its JSON path`, async () => {
        const raw = JSON.parse(readFileSync(dir(`telegram/${file}`), "utf8"));
        const records = raw.messages ?? raw.chats.list.flatMap((c: { messages: unknown[] }) => c.messages);
        const result = await parse({ path: dir(`telegram/${file}`) });
        expect(result.conversations).to.have.length(1);
        expect(result.messages).to.have.length(records.length);
        expect(result.warnings).to.deep.equal([]);
        for (const m of result.messages) expect(m.source.path).to.match(/messages\[\d+\]$/);
      });
    }

    it("reads replies, polls, service messages and channel posts", async () => {
      const result = await parse({ path: dir("telegram/telegram-chat-parser__private_channel.json") });
      expect(result.conversations[0]).to.include({ kind: "channel", name: "test", platformId: "10036995664" });
      const byId = new Map(result.messages.map((m) => [m.sourceId, m]));
      expect(byId.get("1")!.kind).to.equal("system");
      expect(byId.get("3")!.replyTo).to.equal("2");
      expect(byId.get("5")!.kind).to.equal("poll");
      expect(byId.get("5")!.text).to.contain("Poll question");
    });

    it("reads forwarded messages, stickers and media", async () => {
      const result = await parse({ path: dir("telegram/telegram-chat-parser__saved.json") });
      const byId = new Map(result.messages.map((m) => [m.sourceId, m]));
      expect(byId.get("176390")!.forwardedFrom).to.equal("Other Person");
      expect(byId.get("278329")!.kind).to.equal("sticker");
      expect(byId.get("173429")!.kind).to.equal("media");
      expect(byId.get("173430")!.text).to.equal(
        "bold italic strikethrough underline @person http://google.com monospace http://mystery.knightlab.com/",
      );
      expect(result.conversations[0]).to.include({ name: "Saved Messages", kind: "dm" });
    });

    it("reads reactions, mixed text arrays and phone calls (2024 format)", async () => {
      const topics = await parse({ path: dir("telegram/tg-parser__supergroup_with_topics.json") });
      expect(topics.messages.find((m) => m.sourceId === "6")!.reactions).to.deep.equal([{ emoji: "👍", count: 3 }]);
      const personal = await parse({ path: dir("telegram/tg-parser__personal_chat.json") });
      expect(personal.messages.find((m) => m.sourceId === "3")!.text).to.equal("Check this important message");
      expect(personal.messages.find((m) => m.sourceId === "5")!.kind).to.equal("call");
      expect(personal.messages[0]!.timestamp.toISOString()).to.equal("2024-01-15T10:50:00.000Z");
    });

    it("keeps an empty chat as a conversation without messages", async () => {
      const result = await parse({ path: dir("telegram/telegram-chat-parser__personal.json") });
      expect(result.conversations).to.have.length(1);
      expect(result.messages).to.have.length(0);
    });

    it("rejects syntactically invalid JSON (NEGATIVE) with the place it failed", async () => {
      const err = await expectParseError(
        { path: dir("telegram/telegram-chat-parser__error.NEGATIVE.json") },
        "INVALID_JSON",
      );
      expect(err.file).to.equal("telegram-chat-parser__error.NEGATIVE.json");
      expect(err.path).to.be.a("string");
    });

    it("rejects JSON whose records break the schema (NEGATIVE)", async () => {
      await expectParseError(
        { path: dir("telegram/telegram-chat-parser__error-unexpected.NEGATIVE.json") },
        "NOT_A_CHAT",
      );
    });
  });

  describe("Instagram", () => {
    it("matches the chat-miner oracle", async () => {
      const file = dir("instagram/chat-miner__test_export.json");
      const result = await parse({ path: file, format: "instagram" });
      expect(result.conversations[0]!.platform).to.equal("instagram");
      const expected = oracle(dir("instagram/chat-miner__target.expected.json")).map((m) => ({
        ...m,
        message: squash(m.message),
      }));
      expect(asOracle(result)).to.deep.equal(expected);
      const detected = await parse({ path: file });
      expect(detected.messages).to.have.length(2);
    });
  });

  describe("Signal", () => {
    it("matches the chat-miner oracle", async () => {
      const result = await parse({ path: dir("signal/chat-miner__test_export.txt") });
      expect(result.summary?.format).to.equal("signal");
      const expected = oracle(dir("signal/chat-miner__target.expected.json")).map((m) => ({
        ...m,
        message: squash(m.message),
      }));
      expect(asOracle(result)).to.deep.equal(expected);
    });
  });

  describe("Slack", () => {
    it("parses the workspace zip: 2 channels, 158 messages, bot and join messages", async () => {
      const result = await parse({ path: dir("slack/slack-export-viewer__testarchive.zip") });
      expect(result.summary?.format).to.equal("slack");
      expect(result.conversations.map((c) => c.name)).to.deep.equal(["enrique", "traveling-sailor"]);
      expect(result.messages).to.have.length(158);
      const bots = new Set(result.participants.filter((p) => p.isBot).map((p) => p.key));
      const perChannel = (key: string) =>
        result.messages.filter((m) => m.conversationKey === key && bots.has(m.authorKey!)).length;
      expect(perChannel("slack:C0JGLMMNX")).to.equal(66);
      expect(perChannel("slack:C0JL6CGQ2")).to.equal(28);
      expect(result.messages.filter((m) => m.kind === "system")).to.have.length(11);
      expect(result.messages.every((m) => m.source.file.includes("!") && /^\[\d+\]$/.test(m.source.path!))).to.equal(
        true,
      );
      expect(namer(result)(result.messages[0]!.authorKey)).to.equal("Hamza Faran");
    });

    it("gives the same result for the extracted folder", async () => {
      const zip = await parse({ path: dir("slack/slack-export-viewer__testarchive.zip") });
      const folder = await parse({ path: dir("slack/slack-export-viewer__testarchive") });
      expect(folder.messages.map((m) => m.sourceKey)).to.deep.equal(zip.messages.map((m) => m.sourceKey));
    });
  });
});
