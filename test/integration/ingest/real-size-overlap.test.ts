import { expect } from "chai";
import { sql } from "drizzle-orm";
import type { TestPlatform } from "../../helpers/platform.ts";
import { zipOf } from "../../helpers/hostile-exports.ts";
import { LOCALE_NAMES, localeExport } from "../../helpers/whatsapp-locale-exports.ts";
import { createDataset, signUp, startIngestPlatform, uploadFile, waitForImport, type Account } from "./helpers.ts";

/**
 * Issue 14 point 5 at realistic size, as a user meets it: one zip holding two exports of the
 * same 30,000-message iOS chat (Portugal's Portuguese), the older one up to message 20,000, the
 * newer one from message 10,000 on, uploaded over HTTP into the embedded database (PGlite, what
 * `npm start` runs). The chat must come out as one conversation holding each message once,
 * with its participants, and the import must say what it merged.
 */
describe("ingest: overlapping exports of a 30,000-message chat in one upload (PGlite)", function () {
  // Hang guard only: importing 40,000 messages takes seconds quiet, minutes on a loaded machine.
  this.timeout(900_000);
  let p: TestPlatform;
  let a: Account;
  before(async () => {
    p = await startIngestPlatform({ db: "pglite" });
    a = await signUp(p);
  });
  after(async () => p?.stop());

  it("imports one conversation, each message once, and reports the merge", async () => {
    const chat = localeExport(LOCALE_NAMES.indexOf("Portuguese (Portugal) iOS"), 30_000);
    const lines = chat.content.split("\n");
    // Message starts: header lines ("[dd/mm/yy, …] ", after the BOM on the first).
    const starts = lines.flatMap((line, i) => (/^\ufeff?\[\d\d\/\d\d\/\d\d, /.test(line) ? [i] : []));
    expect(starts.length).to.equal(30_000);
    const older = lines.slice(0, starts[20_000]).join("\n") + "\n";
    const newer = lines.slice(starts[10_000]).join("\n");
    const zip = await zipOf([
      { name: "WhatsApp Chat - Família e amigos/_chat.txt", content: older },
      { name: "WhatsApp Chat - Família e amigos (2)/_chat.txt", content: newer },
    ]);
    const datasetId = await createDataset(p, a);
    const res = await uploadFile(p, a.accessToken, datasetId, { name: "WhatsApp exports.zip", content: zip });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    // Hang guard only, as above.
    const row = await waitForImport(p, a.accessToken, res.body.id, 840_000);
    expect(row.status, JSON.stringify(row.error)).to.equal("completed");
    expect(row.summary).to.include({
      messagesRead: 40_000,
      messagesAdded: 30_000,
      duplicatesMerged: 10_000,
      conversationsAdded: 1,
      participants: chat.authors.length,
    });
    expect(row.summary!.merged).to.deep.equal([
      { from: "Família e amigos (2)", into: "Família e amigos", duplicates: 10_000, moved: 10_000 },
    ]);
    const [counts] = await p.database.rows<{ m: number; c: number; k: number }>(sql`
      select (select count(*)::int from messages where dataset_id = ${datasetId}) as m,
             (select count(*)::int from conversations where dataset_id = ${datasetId}) as c,
             (select count(distinct ts)::int from messages where dataset_id = ${datasetId}) as k`);
    expect({ messages: Number(counts!.m), conversations: Number(counts!.c) }).to.deep.equal({
      messages: 30_000,
      conversations: 1,
    });
    expect(Number(counts!.k)).to.equal(new Set(chat.expected.map((m) => m.time)).size);
  });
});
