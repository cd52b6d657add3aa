import { expect } from "chai";
import { sql } from "drizzle-orm";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { requireServers } from "../../helpers/servers.ts";
import type { DatabaseKind } from "../../helpers/database.ts";
import { zipOf } from "../../helpers/hostile-exports.ts";
import { whatsappLines } from "./generators.ts";
import { createDataset, importFile, signUp, startIngestPlatform, uploadFile, type Account } from "./helpers.ts";

/**
 * Issue 14 points 2, 3 and 5 as a user meets them over HTTP: what an import reports, one
 * conversation for overlapping exports of a chat under different file names (or two, when
 * asked), real repeated messages kept, and a 422 that says what to try for a chat-like file
 * whose layout is not understood.
 */

async function messageCount(p: TestPlatform, datasetId: string) {
  const [row] = await p.database.rows<{ m: number; c: number }>(sql`
    select (select count(*)::int from messages where dataset_id = ${datasetId}) as m,
           (select count(*)::int from conversations where dataset_id = ${datasetId}) as c`);
  return { messages: Number(row!.m), conversations: Number(row!.c) };
}

for (const db of ["pglite", "postgres"] as DatabaseKind[])
  describe(`ingest: import report and overlapping exports on ${db}`, function () {
    this.timeout(360_000);
    let p: TestPlatform;
    let a: Account;
    before(async function () {
      if (db === "postgres") await requireServers(this, "postgres");
      p = await startIngestPlatform({ db });
      a = await signUp(p);
    });
    after(async () => p?.stop());

    it("reports messages, participants, notices, media, duplicates and warnings with lines; repeats are kept", async () => {
      const datasetId = await createDataset(p, a);
      const chat = [
        "stray line before the first message",
        "1/29/18, 23:48 - Messages and calls are end-to-end encrypted.",
        "1/29/18, 23:49 - Alice: ok",
        "1/29/18, 23:49 - Alice: ok",
        "1/29/18, 23:49 - Bob: <Media omitted>",
        "1/29/18, 23:50 - Alice: \u200eNo idea, lets try it out!",
      ].join("\n");
      const row = await importFile(p, a, datasetId, { name: "WhatsApp Chat with Pals.txt", content: chat });
      expect(row.status, JSON.stringify(row.error)).to.equal("completed");
      expect(row.summary).to.include({
        messagesRead: 5,
        messagesAdded: 5,
        participants: 2,
        systemNotices: 1,
        mediaMessages: 1,
        duplicatesSkipped: 0,
        duplicatesMerged: 0,
      });
      expect(row.summary!.warnings.map((w) => [w.code, w.line])).to.deep.equal([["ORPHAN_LINE", 1]]);
      // The same file again: nothing new, every message reported as already there.
      const again = await importFile(p, a, datasetId, { name: "WhatsApp Chat with Pals.txt", content: chat });
      expect(again.summary).to.include({ messagesRead: 5, messagesAdded: 0, duplicatesSkipped: 5 });
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 5, conversations: 1 });
    });

    it("merges an overlapping export under another file name into the stored conversation, each message once", async () => {
      const datasetId = await createDataset(p, a);
      const first = await importFile(p, a, datasetId, {
        name: "WhatsApp Chat with Family.txt",
        content: whatsappLines(0, 30),
      });
      expect(first.summary!.messagesAdded).to.equal(30);
      const second = await importFile(p, a, datasetId, {
        name: "chat-export-2024-06.txt",
        content: whatsappLines(20, 50),
      });
      expect(second.status, JSON.stringify(second.error)).to.equal("completed");
      expect(second.summary).to.include({
        messagesRead: 30,
        messagesAdded: 20,
        duplicatesMerged: 10,
        conversationsAdded: 0,
      });
      expect(second.summary!.merged).to.deep.equal([
        { from: "chat-export-2024-06", into: "Family", duplicates: 10, moved: 20 },
      ]);
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 50, conversations: 1 });
      // The conversation reads as one chat in order, without a repeated message.
      const [conv] = (
        await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/conversations`, { token: a.accessToken })
      ).body.items;
      const page = await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${datasetId}/conversations/${conv.id}/messages?limit=100`,
        { token: a.accessToken },
      );
      expect(page.body.items.map((m) => m.text)).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => `message number ${i}`),
      );
      // A third export that covers the start again, under yet another name, also adds nothing twice.
      const third = await importFile(p, a, datasetId, { name: "old backup.txt", content: whatsappLines(0, 5) });
      expect(third.summary).to.include({ messagesAdded: 0, duplicatesMerged: 5 });
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 50, conversations: 1 });
    });

    it("merges overlapping exports of one chat inside ONE upload (a zip of two exports), each message once, into the first file's conversation", async () => {
      const datasetId = await createDataset(p, a);
      const zip = await zipOf([
        { name: "WhatsApp Chat with Family.txt", content: whatsappLines(0, 30) },
        { name: "later/WhatsApp Chat with Family (2).txt", content: whatsappLines(20, 50) },
        {
          name: "other/WhatsApp Chat with Club.txt",
          content: "01/02/2021, 09:00 - Mia: hi\n01/02/2021, 09:05 - Tom: hello\n",
        },
      ]);
      const row = await importFile(p, a, datasetId, { name: "phone backup.zip", content: zip });
      expect(row.status, JSON.stringify(row.error)).to.equal("completed");
      expect(row.summary).to.include({
        messagesRead: 62,
        messagesAdded: 52,
        duplicatesMerged: 10,
        conversationsAdded: 2,
      });
      expect(row.summary!.merged).to.deep.equal([{ from: "Family (2)", into: "Family", duplicates: 10, moved: 20 }]);
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 52, conversations: 2 });
      const items = (await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/conversations`, { token: a.accessToken }))
        .body.items as { id: string; name: string }[];
      const family = items.find((c) => c.name === "Family")!;
      const page = await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${datasetId}/conversations/${family.id}/messages?limit=100`,
        { token: a.accessToken },
      );
      expect(page.body.items.map((m) => m.text)).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => `message number ${i}`),
      );
      // The same zip again: a re-import, nothing added, every message reported as already there.
      const again = await importFile(p, a, datasetId, { name: "phone backup.zip", content: zip });
      expect(again.summary).to.include({ messagesAdded: 0, conversationsAdded: 0 });
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 52, conversations: 2 });
    });

    it("two _chat.txt exports of one chat in one zip (iOS, one folder each) are one conversation, each message once; mergeOverlapping=false keeps them apart", async () => {
      const datasetId = await createDataset(p, a);
      const ios = (from: number, to: number) =>
        whatsappLines(from, to)
          .split("\n")
          .filter(Boolean)
          .map((l) => l.replace(/^(\d\d)\/(\d\d)\/(\d{4}), (\d\d:\d\d) - /, "[$1.$2.$3, $4:00] "))
          .join("\n");
      const zip = await zipOf([
        { name: "WhatsApp Chat - Family/_chat.txt", content: ios(0, 30) },
        { name: "WhatsApp Chat - Family 2/_chat.txt", content: ios(25, 40) },
      ]);
      const row = await importFile(p, a, datasetId, { name: "exports.zip", content: zip });
      expect(row.status, JSON.stringify(row.error)).to.equal("completed");
      expect(row.summary).to.include({ messagesRead: 45, messagesAdded: 40, duplicatesMerged: 5 });
      // Each _chat.txt is named after its folder, as the phone named the export.
      expect(row.summary!.merged).to.deep.equal([{ from: "Family 2", into: "Family", duplicates: 5, moved: 10 }]);
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 40, conversations: 1 });
      const apart = await createDataset(p, a, "apart");
      const kept = await importFile(p, a, apart, { name: "exports.zip", content: zip }, "?mergeOverlapping=false");
      expect(kept.summary).to.include({ messagesAdded: 45, duplicatesMerged: 0 });
      expect(await messageCount(p, apart)).to.deep.equal({ messages: 45, conversations: 2 });
    });

    it("keeps overlapping exports apart when the import asks so (mergeOverlapping=false)", async () => {
      const datasetId = await createDataset(p, a);
      await importFile(p, a, datasetId, { name: "WhatsApp Chat with Family.txt", content: whatsappLines(0, 30) });
      const second = await importFile(
        p,
        a,
        datasetId,
        { name: "chat-export-2024-06.txt", content: whatsappLines(20, 50) },
        "?mergeOverlapping=false",
      );
      expect(second.summary).to.include({ messagesAdded: 30, duplicatesMerged: 0 });
      expect(second.summary!.merged).to.deep.equal([]);
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 60, conversations: 2 });
    });

    it("does not merge different chats that share a forwarded message", async () => {
      const datasetId = await createDataset(p, a);
      await importFile(p, a, datasetId, {
        name: "WhatsApp Chat with Work.txt",
        content: whatsappLines(0, 3) + "01/01/2021, 09:00 - Tom: fwd: the link\n",
      });
      const other = await importFile(p, a, datasetId, {
        name: "WhatsApp Chat with Club.txt",
        content:
          "01/01/2021, 09:00 - Tom: fwd: the link\n01/01/2021, 09:05 - Mia: thanks\n01/01/2021, 09:06 - Mia: see you\n01/01/2021, 09:07 - Tom: bye\n",
      });
      expect(other.summary!.merged).to.deep.equal([]);
      expect(await messageCount(p, datasetId)).to.deep.equal({ messages: 8, conversations: 2 });
    });

    it("a Telegram Desktop HTML export and an Instagram export upload as their platforms", async () => {
      const datasetId = await createDataset(p, a);
      const msg = (id: number, from: string, text: string) =>
        `<div class="message default clearfix" id="message${id}"><div class="body"><div class="pull_right date details" title="14.03.2021 10:0${id}:00 UTC+03:00">10:0${id}</div>` +
        `<div class="from_name">${from}</div><div class="text">${text}</div></div></div>`;
      const pageOf = (body: string) =>
        `<!DOCTYPE html><html><head><title>Exported Data</title></head><body><div class="page_header"><div class="content"><div class="text bold">Club</div></div></div><div class="history">${body}</div></body></html>`;
      const tg = await zipOf([
        { name: "ChatExport_2021-03-14/messages.html", content: pageOf(msg(1, "Ann", "hi") + msg(2, "Ben", "hello")) },
        { name: "ChatExport_2021-03-14/messages2.html", content: pageOf(msg(3, "Ann", "bye")) },
      ]);
      const tgRow = await importFile(p, a, datasetId, { name: "export.zip", content: tg });
      expect(tgRow.status, JSON.stringify(tgRow.error)).to.equal("completed");
      expect(tgRow.summary).to.include({ format: "telegram", messagesRead: 3, messagesAdded: 3, participants: 2 });
      const ig = await zipOf([
        {
          name: "your_instagram_activity/messages/inbox/ann_17845/message_1.json",
          content: JSON.stringify({
            participants: [{ name: "Ann" }, { name: "Me" }],
            messages: [{ sender_name: "Ann", timestamp_ms: 1_700_000_000_000, content: "oi" }],
            title: "Ann",
            thread_path: "inbox/ann_17845",
          }),
        },
      ]);
      const igRow = await importFile(p, a, datasetId, { name: "download.zip", content: ig });
      expect(igRow.summary).to.include({ format: "instagram", messagesAdded: 1 });
    });

    it("a chat-like file whose layout is not understood gets a 422 naming the line and the options to try", async () => {
      const datasetId = await createDataset(p, a);
      const content = "[2022年3月18日 14:56:01] Ken: こんにちは\n[2022年3月18日 14:57:00] Yuki: はい\n";
      const res = await uploadFile(p, a.accessToken, datasetId, { name: "chat.txt", content });
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.body.error.code).to.equal("NOT_A_CHAT");
      expect(res.body.error.data).to.include({ file: "chat.txt", line: 1 });
      expect(res.body.error.message).to.contain("line 1").and.contain("format=whatsapp").and.contain("daysFirst");
      expect(res.body.error.message).to.not.match(/JSON|CSV|Opening Quote/i);
    });
  });
