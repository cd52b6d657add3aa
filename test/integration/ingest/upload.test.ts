import path from "node:path";
import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { createDataset, FIXTURES_DIR, importFile, signUp, startIngestPlatform, type Account } from "./helpers.ts";

const fixture = (...p: string[]) => path.join(FIXTURES_DIR, ...p);

describe("ingest: upload → import job → messages (PGlite)", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: Account;
  before(async () => {
    p = await startIngestPlatform();
    a = await signUp(p);
  });
  after(async () => p?.stop());

  const CASES: { name: string; file: string; query?: string; format: string; minMessages: number }[] = [
    {
      name: "WhatsApp .txt",
      file: fixture("whatsapp", "pustur__samples_short-chat.txt"),
      format: "whatsapp",
      minMessages: 3,
    },
    {
      name: "Slack workspace zip",
      file: fixture("slack", "slack-export-viewer__testarchive.zip"),
      format: "slack",
      minMessages: 50,
    },
    {
      name: "Telegram result.json",
      file: fixture("telegram", "telegram-chat-parser__private_group.json"),
      format: "telegram",
      minMessages: 2,
    },
    {
      name: "Instagram JSON (format chosen)",
      file: fixture("instagram", "chat-miner__test_export.json"),
      query: "?format=instagram",
      format: "instagram",
      minMessages: 2,
    },
  ];

  for (const c of CASES)
    it(`${c.name}: 202, job completes, messages readable with source locations`, async () => {
      const datasetId = await createDataset(p, a, c.name);
      const row = await importFile(p, a, datasetId, c.file, c.query);
      expect(row.status, JSON.stringify(row.error)).to.equal("completed");
      expect(row.format).to.equal(c.format);
      expect(row.messagesAdded).to.be.at.least(c.minMessages);
      expect(row.messagesAdded).to.equal(row.messagesRead);
      const s = row.summary!;
      expect(s.messagesAdded).to.equal(row.messagesAdded);
      expect(Object.values(s.messagesByKind).reduce((x, y) => x + y, 0)).to.equal(s.messagesRead);
      expect(s.conversations).to.be.at.least(1);
      expect(s.participants).to.be.at.least(1);
      expect(Date.parse(s.firstMessageAt!)).to.be.at.most(Date.parse(s.lastMessageAt!));
      expect(s.durationMs).to.be.a("number");
      expect(s.warnings).to.be.an("array");

      const ds = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}`, { token: a.accessToken });
      expect(ds.body.messageCount).to.equal(row.messagesAdded);
      expect(ds.body.conversationCount).to.equal(s.conversations);

      const convs = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/conversations`, { token: a.accessToken });
      expect(convs.status).to.equal(200);
      const conv = convs.body.items[0];
      const msgs = await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${datasetId}/conversations/${conv.id}/messages?limit=500`,
        { token: a.accessToken },
      );
      expect(msgs.status).to.equal(200);
      expect(msgs.body.items.length).to.equal(conv.messageCount);
      for (const m of msgs.body.items) {
        expect(m.sourceFile, JSON.stringify(m)).to.be.a("string");
        expect(m.sourceLine ?? m.sourcePath, JSON.stringify(m)).to.not.equal(null);
        expect(m.timeZone).to.be.a("string");
        expect(m.localTime).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      }
    });

  it("operators import a server-side folder through ingest.importPath (the REPL command import:path)", async () => {
    const datasetId = await createDataset(p, a, "from disk");
    const { INGEST_COMMANDS } = await import("../../../services/ingest/operator-commands.ts");
    const command = INGEST_COMMANDS.find((c) => c.command.startsWith("import:path"))!;
    const row = (await command.run(p.broker, {
      datasetId,
      path: fixture("slack", "slack-export-viewer__testarchive"),
      options: { wait: "true" },
    })) as {
      status: string;
      format: string;
      messagesAdded: number;
      filename: string;
    };
    expect(row.status).to.equal("completed");
    expect(row.format).to.equal("slack");
    expect(row.messagesAdded).to.be.greaterThan(50);
    // The operator's files are never deleted.
    const { existsSync } = await import("node:fs");
    expect(existsSync(fixture("slack", "slack-export-viewer__testarchive", "users.json"))).to.be.true;
  });

  it("GET /api/formats lists the importable formats", async () => {
    const res = await http(p.baseUrl, "GET", "/api/formats", { token: a.accessToken });
    expect(res.status).to.equal(200);
    expect(res.body.formats).to.include.members([
      "whatsapp",
      "telegram",
      "slack",
      "discord",
      "instagram",
      "messenger",
      "csv",
      "jsonl",
    ]);
  });
});
