import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { repairMojibake } from "../../../services/ingest/parsers/mojibake.ts";
import { expectParseError, namer, ownFixtures, parse } from "./helpers.ts";

const own = (file: string) => path.join(ownFixtures, file);

describe("ingest parsers: own fixtures", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chatlens-ingest-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe("WhatsApp", () => {
    it("iOS 2024: BOM, direction marks, U+202F, group as author of notices, placeholders, edits, deletions", async () => {
      const result = await parse({ path: own("whatsapp-ios-2024.txt") });
      const name = namer(result);
      const kinds = result.messages.map((m) => m.kind);
      expect(kinds).to.deep.equal([
        "system",
        "system",
        "system",
        "text",
        "media",
        "media",
        "text",
        "text",
        "deleted",
        "deleted",
        "sticker",
        "text",
        "text",
        "call",
        "text",
      ]);
      // The group name "Family Trip" is the author of notices, but not a participant.
      expect(result.participants.map((p) => p.displayName)).to.deep.equal(["Tom", "Lisa", "Anna Berg"]);
      expect(result.conversations[0]!.kind).to.equal("group");
      const packing = result.messages[6]!;
      expect(packing.text).to.equal(
        "Packing list:\n- passport\n- charger\n13/01/2024 is the return date, not a header",
      );
      expect(packing.source.line).to.equal(7);
      const edited = result.messages[7]!;
      expect(edited).to.include({ edited: true, text: "See you at 7 at the gate" });
      expect(name(edited.authorKey)).to.equal("Anna Berg");
      expect(result.messages[5]!.attachments).to.deep.equal([
        { name: "00000012-PHOTO-2024-01-05-10-02-03.jpg", mediaType: "photo" },
      ]);
      expect(result.messages.at(-1)!.localTime).to.equal("2024-01-13T23:59:59");
      // Two identical "ok" in the same second stay two messages with distinct keys.
      expect(result.messages[11]!.sourceKey).to.not.equal(result.messages[12]!.sourceKey);
    });

    it("Android Spanish: p. m., CRLF, localised placeholders, day-first from chronology", async () => {
      const result = await parse({ path: own("whatsapp-android-es.txt") });
      expect(result.messages.map((m) => m.kind)).to.deep.equal([
        "system",
        "text",
        "media",
        "deleted",
        "text",
        "media",
        "location",
        "deleted",
      ]);
      expect(result.messages.map((m) => m.localTime)).to.deep.equal([
        "2023-02-03T21:03:00",
        "2023-02-03T21:03:00",
        "2023-02-03T21:05:00",
        "2023-02-04T00:15:00",
        "2023-02-04T08:00:00",
        "2023-02-05T19:45:00",
        "2023-03-01T10:00:00",
        "2023-03-01T10:01:00",
      ]);
      expect(result.messages[4]).to.include({ text: "Perfecto", edited: true });
      expect(result.messages[5]!.text).to.equal("Qué vista");
      expect(result.conversations[0]!.kind).to.equal("dm");
    });

    it("daysFirst option overrides the inference", async () => {
      const result = await parse({ path: own("whatsapp-android-es.txt"), options: { daysFirst: false } });
      expect(result.messages[0]!.localTime).to.equal("2023-03-02T21:03:00");
    });

    it("Korean and Chinese meridiem before the time, German seconds and placeholders", async () => {
      const ko = await parse({ path: own("whatsapp-korean.txt") });
      expect(ko.messages.map((m) => m.localTime)).to.deep.equal([
        "2024-01-05T15:24:00",
        "2024-01-05T15:25:00",
        "2024-01-06T09:00:00",
      ]);
      const zh = await parse({ path: own("whatsapp-chinese.txt") });
      expect(zh.messages.map((m) => m.localTime)).to.deep.equal([
        "2024-01-05T15:24:00",
        "2024-01-05T15:25:00",
        "2024-01-06T09:00:00",
      ]);
      const de = await parse({ path: own("whatsapp-german.txt") });
      expect(de.messages.map((m) => m.kind)).to.deep.equal(["text", "text", "media", "deleted"]);
      expect(de.messages[0]!.localTime).to.equal("2023-12-31T23:59:58");
    });

    it("zip with _chat.txt and media: named after the zip, media files ignored, same messages as the text", async () => {
      const zip = await parse({ path: own("WhatsApp Chat - Family Trip.zip") });
      const txt = await parse({ path: own("whatsapp-ios-2024.txt") });
      expect(zip.conversations[0]!.name).to.equal("Family Trip");
      expect(zip.messages.map((m) => m.text)).to.deep.equal(txt.messages.map((m) => m.text));
      expect(zip.messages[0]!.source.file).to.equal("WhatsApp Chat - Family Trip.zip!_chat.txt");
    });

    it("converts wall-clock times with the timeZone option", async () => {
      const result = await parse({ path: own("whatsapp-german.txt"), options: { timeZone: "Europe/Berlin" } });
      expect(result.messages[0]!.timestamp.toISOString()).to.equal("2023-12-31T22:59:58.000Z");
      expect(result.messages[0]).to.include({ localTime: "2023-12-31T23:59:58", timeZone: "Europe/Berlin" });
      await expectParseError(
        { path: own("whatsapp-german.txt"), options: { timeZone: "Mars/Olympus" } },
        "INVALID_OPTIONS",
      );
    });

    it("source keys are stable across imports and shared by an overlapping later export", async () => {
      const full = readFileSync(own("whatsapp-german.txt"), "utf8").split("\n");
      const early = path.join(tmp, "early.txt");
      const later = path.join(tmp, "later.txt");
      writeFileSync(early, full.slice(0, 2).join("\n") + "\n");
      writeFileSync(later, full.slice(1).join("\n"));
      const opts = { conversationName: "Silvester" };
      const a = await parse({ path: early, options: opts });
      const b = await parse({ path: later, options: opts });
      const again = await parse({ path: early, options: opts });
      expect(again.messages.map((m) => m.sourceKey)).to.deep.equal(a.messages.map((m) => m.sourceKey));
      expect(b.messages[0]!.sourceKey).to.equal(a.messages[1]!.sourceKey);
    });
  });

  describe("Telegram full-account export", () => {
    it("streams every chat of chats.list and left_chats", async () => {
      const result = await parse({ path: own("telegram-full-account.json") });
      expect(result.conversations.map((c) => [c.name, c.kind])).to.deep.equal([
        ["Ada", "dm"],
        ["Book Club", "group"],
        ["Old Group", "group"],
      ]);
      const byId = new Map(result.messages.map((m) => [`${m.conversationKey}/${m.sourceId}`, m]));
      const reply = byId.get("telegram:1002/11")!;
      expect(reply).to.include({ replyTo: "10", edited: true, text: "Yes, amazing — see here" });
      expect(reply.editedAt!.toISOString()).to.equal("2024-03-01T09:02:00.000Z");
      expect(reply.reactions).to.deep.equal([{ emoji: "❤", count: 1, by: ["telegram:id:user1002"] }]);
      expect(byId.get("telegram:1002/12")).to.include({ forwardedFrom: "Tech News", kind: "media" });
      expect(byId.get("telegram:1002/13")!.kind).to.equal("sticker");
      expect(byId.get("telegram:1002/14")!.kind).to.equal("call");
      expect(byId.get("telegram:1002/15")!.kind).to.equal("location");
      expect(byId.get("telegram:2000000001/3")!.kind).to.equal("poll");
      expect(byId.get("telegram:3000000001/7")!.source.path).to.equal("left_chats.list[0].messages[0]");
      expect(namer(result)(byId.get("telegram:2000000001/2")!.authorKey)).to.equal("Deleted Account");
    });

    it("rejects a truncated file", async () => {
      const text = readFileSync(own("telegram-full-account.json"), "utf8");
      const cut = path.join(tmp, "truncated.json");
      writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
      await expectParseError({ path: cut, format: "telegram" }, "INVALID_JSON");
    });
  });

  describe("Slack", () => {
    it("reads channels, private channels, DMs, group DMs, threads, edits, deletions, bots and unknown users", async () => {
      const result = await parse({ path: own("slack-workspace.zip") });
      expect(result.conversations.map((c) => [c.key, c.kind, c.name])).to.deep.equal([
        ["slack:D01", "dm", "Ada Lovelace, Alan Turing"],
        ["slack:C01", "channel", "general"],
        ["slack:M01", "group", "mpdm-ada--alan--grace-1"],
        ["slack:G01", "channel", "secret-project"],
      ]);
      const name = namer(result);
      const general = result.messages.filter((m) => m.conversationKey === "slack:C01");
      expect(general.map((m) => m.kind)).to.deep.equal([
        "system",
        "text",
        "text",
        "text",
        "text",
        "media",
        "deleted",
        "text",
      ]);
      expect(general[1]!.reactions).to.deep.equal([
        { emoji: ":tada:", count: 2, by: ["slack:id:U02", "slack:id:U03"] },
      ]);
      expect(general[2]).to.include({ threadId: "1704704400.000200", replyTo: "1704704400.000200", edited: true });
      expect(name(general[3]!.authorKey)).to.equal("Grace Hopper");
      expect(result.participants.find((p) => p.displayName === "deploybot")!.isBot).to.equal(true);
      expect(general[5]!.attachments[0]).to.include({ name: "screen.png", mimeType: "image/png", sizeBytes: 12345 });
      expect(general[7]!.text).to.equal("Morning @Ada Lovelace, see the doc");
      expect(result.warnings.map((w) => w.code).sort()).to.deep.equal(["MALFORMED_RECORD", "UNKNOWN_USER"]);
      expect(result.warnings.find((w) => w.code === "MALFORMED_RECORD")).to.include({ path: "[7]" });
      expect(result.summary).to.include({ skipped: 1, messages: 11 });
      const folder = await parse({ path: own("slack-workspace") });
      expect(folder.messages.map((m) => m.sourceKey)).to.deep.equal(result.messages.map((m) => m.sourceKey));
    });
  });

  describe("Discord", () => {
    it("merges partitions of one channel by channel id and dedupes their overlap by message id", async () => {
      const result = await parse({ path: own("discord-partitions.zip") });
      expect(result.summary!.format).to.equal("discord");
      expect(result.conversations.map((c) => [c.key, c.kind, c.name])).to.deep.equal([
        ["discord:600", "channel", "Chatlens Dev / general"],
        ["discord:700", "dm", "alan"],
      ]);
      const general = result.messages.filter((m) => m.conversationKey === "discord:600");
      expect(new Set(general.map((m) => m.sourceKey)).size).to.equal(6);
      const byId = new Map(general.map((m) => [m.sourceId, m]));
      expect(byId.get("1002")!.replyTo).to.equal("1001");
      expect(byId.get("1001")!.reactions).to.deep.equal([{ emoji: "👋", count: 2, by: ["discord:id:222"] }]);
      expect(byId.get("1004")).to.include({ kind: "media", edited: true });
      expect(byId.get("1004")!.timestamp.toISOString()).to.equal("2024-03-01T11:00:00.000Z");
      expect(byId.get("1005")!.kind).to.equal("system");
      expect(result.participants.find((p) => p.platformId === "999")!.isBot).to.equal(true);
      expect(result.messages.find((m) => m.conversationKey === "discord:700")!.kind).to.equal("call");
      expect(result.warnings.map((w) => w.code)).to.deep.equal(["MALFORMED_RECORD"]);
    });

    it("reads DiscordChatExporter CSV", async () => {
      const result = await parse({ path: own("discord-general.csv") });
      expect(result.summary!.format).to.equal("discord-csv");
      expect(result.messages.map((m) => m.text)).to.deep.equal(["Hello everyone!", "Hi Ada, multi\nline"]);
      expect(result.messages[0]!.reactions).to.deep.equal([{ emoji: "👋", count: 2 }]);
      expect(result.messages[1]!.source.line).to.equal(3);
    });
  });

  describe("Messenger", () => {
    it("repairs mojibake, reads message_N.json oldest first, unsent, photos and reactions", async () => {
      const result = await parse({ path: own("facebook-messages.zip") });
      expect(result.summary!.format).to.equal("messenger");
      expect(result.conversations).to.deep.equal([
        { key: "messenger:inbox/josenunez_1", platform: "messenger", kind: "dm", name: "José Núñez" },
      ]);
      expect(result.messages.map((m) => m.text)).to.deep.equal([
        "Olá Anna, tudo bem? ¿Qué tal?",
        "Café at 5? Ça va — naïve résumé",
        "Anna unsent a message",
        "",
        "Até já! 👋",
      ]);
      expect(result.messages.map((m) => m.kind)).to.deep.equal(["text", "text", "deleted", "media", "text"]);
      expect(result.messages[4]!.reactions).to.deep.equal([
        { emoji: "❤", count: 1, by: ["messenger:name:José Núñez"] },
      ]);
      expect(result.participants.map((p) => p.displayName)).to.deep.equal(["José Núñez", "Anna"]);
    });

    it("leaves real Latin-1 text alone", () => {
      expect(repairMojibake("cafÃ©")).to.equal("café");
      expect(repairMojibake("café")).to.equal("café");
      expect(repairMojibake("\u00c3\u009cber")).to.equal("Über");
      expect(repairMojibake("naïve — ok")).to.equal("naïve — ok");
    });
  });

  describe("generic CSV and JSON Lines", () => {
    it("maps columns given by the caller and reports bad rows with their line", async () => {
      const result = await parse({
        path: own("generic.csv"),
        options: { columns: { timestamp: "When", author: "Who", text: "What", conversation: "Room" } },
      });
      expect(result.summary!.format).to.equal("csv");
      expect(result.conversations.map((c) => c.name)).to.deep.equal(["lab", "office"]);
      expect(result.messages.map((m) => m.timestamp.toISOString())).to.deep.equal([
        "2024-05-01T10:00:00.000Z",
        "2024-05-01T08:05:00.000Z",
        "2024-05-01T12:00:00.000Z",
      ]);
      expect(result.messages[1]!.text).to.equal("Two\nlines");
      expect(result.warnings).to.have.length(1);
      expect(result.warnings[0]).to.include({ code: "MALFORMED_RECORD", line: 5 });
    });

    it("rejects a CSV without recognisable columns", async () => {
      await expectParseError({ path: own("generic.csv") }, "NOT_A_CHAT");
    });

    it("guesses common JSON Lines keys, epoch seconds and ms, and counts bad lines", async () => {
      const result = await parse({ path: own("generic.jsonl") });
      expect(result.summary!.format).to.equal("jsonl");
      expect(result.messages.map((m) => [m.sourceId, m.timestamp.toISOString()])).to.deep.equal([
        ["a1", "2024-05-01T10:00:00.000Z"],
        ["a2", "2024-05-01T10:05:00.000Z"],
        ["a3", "2024-05-01T10:06:40.000Z"],
      ]);
      expect(result.warnings).to.deep.equal([
        { code: "MALFORMED_RECORD", message: "Line is not valid JSON", file: "generic.jsonl", line: 3 },
      ]);
      expect(result.summary!.skipped).to.equal(1);
    });
  });

  describe("bad input", () => {
    it("rejects an empty file, a whitespace file, a corrupt zip, a binary file and an unknown format name", async () => {
      const empty = path.join(tmp, "empty.txt");
      writeFileSync(empty, "");
      await expectParseError({ path: empty }, "EMPTY_FILE");
      const blank = path.join(tmp, "blank.txt");
      writeFileSync(blank, "\n  \n");
      await expectParseError({ path: blank }, "EMPTY_FILE");
      const corrupt = path.join(tmp, "corrupt.zip");
      const zip = readFileSync(own("slack-workspace.zip"));
      writeFileSync(corrupt, zip.subarray(0, Math.floor(zip.length * 0.7)));
      await expectParseError({ path: corrupt }, "CORRUPT_ARCHIVE");
      const binary = path.join(tmp, "image.bin");
      writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]));
      await expectParseError({ path: binary }, "UNKNOWN_FORMAT");
      await expectParseError({ path: own("whatsapp-german.txt"), format: "icq" as never }, "UNKNOWN_FORMAT");
    });

    it("rejects a zip member whose data is damaged", async () => {
      const damaged = path.join(tmp, "damaged.zip");
      copyFileSync(own("WhatsApp Chat - Family Trip.zip"), damaged);
      const bytes = readFileSync(damaged);
      // Flip bytes inside the first member's compressed data (after its 30-byte header and name).
      for (let i = 60; i < 200; i++) bytes[i] = bytes[i]! ^ 0xff;
      writeFileSync(damaged, bytes);
      await expectParseError({ path: damaged });
    });
  });
});
