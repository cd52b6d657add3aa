import { expect } from "chai";
import { sql } from "drizzle-orm";
import { ImportRunner } from "../../../services/ingest/import-runner.ts";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { requireServers } from "../../helpers/servers.ts";
import type { DatabaseKind } from "../../helpers/database.ts";
import { telegramExport, whatsappLines } from "./generators.ts";
import {
  createDataset,
  importFile,
  signUp,
  startIngestPlatform,
  uploadFile,
  uploadRaw,
  waitForImport,
  type Account,
} from "./helpers.ts";

const WA = (content: string) => ({ name: "WhatsApp Chat with Friends.txt", content });

async function counts(p: TestPlatform, datasetId: string) {
  const [row] = await p.database.rows<{ m: number; c: number; pa: number }>(sql`
    select (select count(*)::int from messages where dataset_id = ${datasetId}) as m,
           (select count(*)::int from conversations where dataset_id = ${datasetId}) as c,
           (select count(*)::int from participants where dataset_id = ${datasetId}) as pa`);
  return { messages: Number(row!.m), conversations: Number(row!.c), participants: Number(row!.pa) };
}

for (const db of ["pglite", "postgres"] as DatabaseKind[])
  describe(`ingest: storage semantics on ${db}`, function () {
    this.timeout(360_000);
    let p: TestPlatform;
    let a: Account;
    const events: { name: string; payload: any }[] = [];
    before(async function () {
      if (db === "postgres") await requireServers(this, "postgres");
      p = await startIngestPlatform({ db });
      a = await signUp(p);
      p.broker.createService({
        name: "ingest-listener",
        events: {
          "import.completed"(ctx: any) {
            events.push({ name: "import.completed", payload: ctx.params });
          },
          "dataset.deleted"(ctx: any) {
            events.push({ name: "dataset.deleted", payload: ctx.params });
          },
        },
      });
    });
    after(async () => p?.stop());

    it("stores the one message model: times with zone, kinds, participants, source lines", async () => {
      const datasetId = await createDataset(p, a);
      const row = await importFile(
        p,
        a,
        datasetId,
        WA(whatsappLines(0, 10) + "01/01/2021, 08:30 - Tom: <Media omitted>\n"),
        "?timeZone=Europe/Berlin",
      );
      expect(row.status, JSON.stringify(row.error)).to.equal("completed");
      expect(row.options!.timeZone).to.equal("Europe/Berlin");
      expect(row.summary!.messagesByKind).to.deep.equal({ text: 10, media: 1 });
      const [conv] = (
        await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/conversations`, { token: a.accessToken })
      ).body.items;
      const page = await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${datasetId}/conversations/${conv.id}/messages?limit=3`,
        { token: a.accessToken },
      );
      const first = page.body.items[0];
      expect(first.localTime).to.equal("2021-01-01T08:00:00");
      expect(first.timeZone).to.equal("Europe/Berlin");
      expect(new Date(first.ts).toISOString()).to.equal("2021-01-01T07:00:00.000Z");
      expect(first.author).to.equal("Anna Berg");
      expect(first.sourceLine).to.equal(1);
      expect(first.sourceFile).to.equal("WhatsApp Chat with Friends.txt");
      // Keyset pages walk the whole conversation without gaps or repeats.
      const seen: number[] = page.body.items.map((m) => m.id);
      let cursor = page.body.nextCursor;
      while (cursor) {
        const next = await http(
          p.baseUrl,
          "GET",
          `/api/datasets/${datasetId}/conversations/${conv.id}/messages?limit=3&cursor=${encodeURIComponent(cursor)}`,
          { token: a.accessToken },
        );
        seen.push(...next.body.items.map((m) => m.id));
        cursor = next.body.nextCursor;
      }
      expect(seen).to.have.length(11);
      expect(new Set(seen).size).to.equal(11);
      const one = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/messages/${seen[5]}?context=2`, {
        token: a.accessToken,
      });
      expect(one.status).to.equal(200);
      expect(one.body.before.map((m) => m.id)).to.deep.equal(seen.slice(3, 5));
      expect(one.body.after.map((m) => m.id)).to.deep.equal(seen.slice(6, 8));
      const media = await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${datasetId}/conversations/${conv.id}/messages?kind=media`,
        { token: a.accessToken },
      );
      expect(media.body.items).to.have.length(1);
      const people = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/participants`, { token: a.accessToken });
      expect(people.body.items.map((x) => x.displayName).sort()).to.deep.equal(["Anna Berg", "Lisa", "Tom"]);
      expect(
        events.some(
          (e) =>
            e.name === "import.completed" &&
            e.payload.importId === row.id &&
            e.payload.messagesAdded === 11 &&
            e.payload.orgId === a.orgId,
        ),
      ).to.be.true;
    });

    it("importing the same export twice adds nothing; an overlapping later export adds only the new messages", async () => {
      const datasetId = await createDataset(p, a);
      const first = await importFile(p, a, datasetId, WA(whatsappLines(0, 100)));
      expect(first.messagesAdded).to.equal(100);
      const again = await importFile(p, a, datasetId, WA(whatsappLines(0, 100)));
      expect(again.status).to.equal("completed");
      expect(again.messagesRead).to.equal(100);
      expect(again.messagesAdded).to.equal(0);
      expect(again.summary!.conversationsAdded).to.equal(0);
      expect(again.summary!.participantsAdded).to.equal(0);
      const later = await importFile(p, a, datasetId, WA(whatsappLines(50, 180)));
      expect(later.messagesRead).to.equal(130);
      expect(later.messagesAdded).to.equal(80);
      expect(await counts(p, datasetId)).to.deep.equal({ messages: 180, conversations: 1, participants: 3 });
    });

    it("a failed import leaves nothing behind and keeps what was stored before", async () => {
      const datasetId = await createDataset(p, a);
      const ok = await importFile(p, a, datasetId, { name: "result.json", content: telegramExport(100) });
      expect(ok.messagesAdded).to.equal(100);
      const before = await counts(p, datasetId);
      // Valid for thousands of messages (so it is accepted), then cut off: the job fails late.
      const full = telegramExport(6000, { chatId: 777 });
      const broken = await uploadFile(p, a.accessToken, datasetId, {
        name: "result.json",
        content: full.slice(0, Math.floor(full.length * 0.9)),
      });
      expect(broken.status, JSON.stringify(broken.body)).to.equal(202);
      const row = await waitForImport(p, a.accessToken, broken.body.id);
      expect(row.status).to.equal("failed");
      expect(row.error!.code).to.equal("INVALID_JSON");
      expect(row.error!.message).to.be.a("string");
      expect(row.error!.file ?? row.error!.path ?? row.error!.line).to.exist;
      expect(row.messagesAdded).to.equal(0);
      expect(await counts(p, datasetId)).to.deep.equal(before);
      const [left] = await p.database.rows<{ n: number }>(
        sql`select count(*)::int as n from messages where import_id = ${row.id}`,
      );
      expect(Number(left!.n)).to.equal(0);
    });

    it("imports left running by a crash are rolled back at start-up", async () => {
      const datasetId = await createDataset(p, a);
      const row = await importFile(p, a, datasetId, WA(whatsappLines(0, 20)));
      // Pretend the node died in the middle of this import.
      await p.database.rows(sql`update imports set status = 'running', finished_at = null where id = ${row.id}`);
      // What the ingest service does when it starts: its import runner rolls back what a previous life left.
      const runner = new ImportRunner({
        database: p.database,
        config: p.config,
        nodeId: p.broker.nodeID,
        nodeAlive: () => false,
        completed: async () => undefined,
        metrics: { active: () => undefined, progress: () => undefined, finished: () => undefined },
        logger: p.broker.logger,
      });
      await runner.start();
      await runner.stop();
      const after = await http(p.baseUrl, "GET", `/api/imports/${row.id}`, { token: a.accessToken });
      expect(after.body.status).to.equal("failed");
      expect(after.body.error?.code).to.equal("IMPORT_INTERRUPTED");
      expect(await counts(p, datasetId)).to.deep.equal({ messages: 0, conversations: 0, participants: 0 });
    });

    it("the raw PUT route imports a request body with options from the query string", async () => {
      const datasetId = await createDataset(p, a);
      const res = await uploadRaw(
        p,
        a.accessToken,
        datasetId,
        whatsappLines(0, 5),
        "?filename=chat.txt&format=whatsapp&daysFirst=true",
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const row = await waitForImport(p, a.accessToken, res.body.id);
      expect(row.status).to.equal("completed");
      expect(row.filename).to.equal("chat.txt");
      expect(row.messagesAdded).to.equal(5);
    });

    it("lists imports; deleting a dataset removes its rows, emits dataset.deleted and is audited", async () => {
      const datasetId = await createDataset(p, a, "to delete");
      await importFile(p, a, datasetId, WA(whatsappLines(0, 5)));
      const list = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/imports`, { token: a.accessToken });
      expect(list.body.items).to.have.length(1);
      const del = await http(p.baseUrl, "DELETE", `/api/datasets/${datasetId}`, { token: a.accessToken });
      expect(del.status, JSON.stringify(del.body)).to.equal(200);
      expect(await counts(p, datasetId)).to.deep.equal({ messages: 0, conversations: 0, participants: 0 });
      expect((await http(p.baseUrl, "GET", `/api/datasets/${datasetId}`, { token: a.accessToken })).status).to.equal(
        404,
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(events).to.deep.include({ name: "dataset.deleted", payload: { orgId: a.orgId, datasetId } });
      const audit = await http(p.baseUrl, "GET", "/api/auth/audit?action=dataset.deleted", { token: a.accessToken });
      expect(audit.body.items.some((e) => e.target === datasetId)).to.be.true;
    });
  });
