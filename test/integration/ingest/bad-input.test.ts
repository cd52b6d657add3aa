import { expect } from "chai";
import { http, httpRaw } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { telegramExport, whatsappLines } from "./generators.ts";
import {
  createDataset,
  signUp,
  startIngestPlatform,
  uploadFile,
  uploadRaw,
  waitForImport,
  type Account,
} from "./helpers.ts";
import { addMember } from "../auth/fixtures.ts";

const NIL = "00000000-0000-4000-8000-000000000000";

describe("ingest: bad uploads answer 4xx at once with code, message and location", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: Account;
  let datasetId: string;
  before(async () => {
    p = await startIngestPlatform({ env: { UPLOAD_MAX_BYTES: "4096" } });
    a = await signUp(p);
    datasetId = await createDataset(p, a);
  });
  after(async () => p?.stop());

  const CASES: {
    name: string;
    file: string;
    content: string | Buffer;
    status: number;
    code: string;
    where: Record<string, unknown>;
  }[] = [
    {
      name: "unknown format",
      file: "notes.txt",
      content: "hello there\nthis is no chat\n",
      status: 422,
      code: "UNKNOWN_FORMAT",
      where: { file: "notes.txt" },
    },
    {
      name: "corrupt zip",
      file: "export.zip",
      content: Buffer.from("PK\u0003\u0004garbage-not-a-zip-at-all"),
      status: 422,
      code: "CORRUPT_ARCHIVE",
      where: { file: "export.zip" },
    },
    {
      name: "truncated JSON",
      file: "result.json",
      content: telegramExport(3, { truncateAt: 400 }),
      status: 422,
      code: "INVALID_JSON",
      where: { file: "result.json" },
    },
    {
      name: "JSON that is not a chat",
      file: "data.json",
      content: '{"name":"x","messages":[1,2,3]}',
      status: 422,
      code: "NOT_A_CHAT",
      where: { file: "data.json" },
    },
    { name: "empty file", file: "empty.txt", content: "", status: 422, code: "EMPTY_FILE", where: {} },
    {
      name: "over the size limit",
      file: "big.txt",
      content: whatsappLines(0, 200),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      where: {},
    },
  ];

  for (const c of CASES) {
    it(`multipart: ${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await uploadFile(p, a.accessToken, datasetId, { name: c.file, content: c.content });
      expect(res.status, JSON.stringify(res.body)).to.equal(c.status);
      expect(res.body.error.code).to.equal(c.code);
      expect(res.body.error.message).to.be.a("string").and.not.equal("");
      if (Object.keys(c.where).length) expect(res.body.error.data).to.include(c.where);
    });
    it(`raw body: ${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await uploadRaw(p, a.accessToken, datasetId, c.content, `?filename=${encodeURIComponent(c.file)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(c.status);
      expect(res.body.error.code).to.equal(c.code);
    });
  }

  it("a truncated JSON names the JSON path where it broke", async () => {
    const res = await uploadFile(p, a.accessToken, datasetId, {
      name: "result.json",
      content: telegramExport(3, { truncateAt: 400 }),
    });
    expect(res.body.error.data.path ?? res.body.error.data.line).to.exist;
  });

  it("nothing already stored is lost by bad uploads, and no import rows or temp files are left", async () => {
    const ok = await uploadFile(p, a.accessToken, datasetId, { name: "chat.txt", content: whatsappLines(0, 10) });
    expect(ok.status).to.equal(202);
    await waitForImport(p, a.accessToken, ok.body.id);
    await uploadFile(p, a.accessToken, datasetId, { name: "notes.txt", content: "not a chat\nat all\n" });
    const ds = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}`, { token: a.accessToken });
    expect(ds.body.messageCount).to.equal(10);
    const imports = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/imports`, { token: a.accessToken });
    expect(imports.body.items.map((i) => i.status)).to.deep.equal(["completed"]);
    const { readdirSync, existsSync } = await import("node:fs");
    expect(existsSync(p.config.uploadDir) ? readdirSync(p.config.uploadDir) : []).to.deep.equal([]);
  });

  it("unreadable lines inside a valid export are counted and reported as warnings with their line", async () => {
    const jsonl =
      '{"timestamp":"2021-01-01T10:00:00Z","author":"A","text":"one"}\n{broken json\n{"timestamp":"2021-01-01T10:01:00Z","author":"B","text":"two"}\n';
    const res = await uploadFile(p, a.accessToken, datasetId, { name: "chat.jsonl", content: jsonl });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const row = await waitForImport(p, a.accessToken, res.body.id);
    expect(row.status).to.equal("completed");
    expect(row.messagesRead).to.equal(2);
    expect(row.summary!.skipped).to.equal(1);
    expect(row.summary!.warningCount).to.be.at.least(1);
    expect(row.summary!.warnings[0].line).to.equal(2);
  });
});

describe("ingest: every endpoint refuses bad input (401 anonymous, 422 wrong types, 404 other org's ids)", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let viewer: Account;
  const ids = { dataset: "", conversation: "", message: 0, import: "" };
  before(async () => {
    p = await startIngestPlatform();
    a = await signUp(p);
    b = await signUp(p);
    viewer = await addMember(p, a, "viewer");
    ids.dataset = await createDataset(p, a);
    const up = await uploadFile(p, a.accessToken, ids.dataset, { name: "chat.txt", content: whatsappLines(0, 5) });
    ids.import = up.body.id;
    await waitForImport(p, a.accessToken, ids.import);
    const convs = await http(p.baseUrl, "GET", `/api/datasets/${ids.dataset}/conversations`, { token: a.accessToken });
    ids.conversation = convs.body.items[0].id;
    const msgs = await http(
      p.baseUrl,
      "GET",
      `/api/datasets/${ids.dataset}/conversations/${ids.conversation}/messages`,
      { token: a.accessToken },
    );
    ids.message = msgs.body.items[0].id;
  });
  after(async () => p?.stop());

  /** Endpoints with a's real ids; [method, path(), body]. */
  const ENDPOINTS: [string, () => string, unknown?][] = [
    ["GET", () => "/formats"],
    ["GET", () => "/datasets"],
    ["POST", () => "/datasets", { name: "x" }],
    ["GET", () => `/datasets/${ids.dataset}`],
    ["PATCH", () => `/datasets/${ids.dataset}`, { name: "renamed" }],
    ["DELETE", () => `/datasets/${ids.dataset}`],
    ["GET", () => `/datasets/${ids.dataset}/imports`],
    ["GET", () => `/imports/${ids.import}`],
    ["GET", () => `/datasets/${ids.dataset}/conversations`],
    ["GET", () => `/datasets/${ids.dataset}/participants`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages`],
    ["GET", () => `/datasets/${ids.dataset}/messages/${ids.message}`],
  ];

  for (const [method, path, body] of ENDPOINTS)
    it(`anonymous ${method} ${path.toString().replace(/^\(\) => /, "")} → 401`, async () => {
      const res = await httpRaw(p.baseUrl, method, `/api${path()}`, { body });
      expect(res.status).to.equal(401);
      expect(res.error.code).to.equal("UNAUTHORIZED");
    });

  it("anonymous uploads → 401", async () => {
    expect(
      (await uploadFile(p, undefined, ids.dataset, { name: "chat.txt", content: whatsappLines(0, 2) })).status,
    ).to.equal(401);
    const raw = await fetch(`${p.baseUrl}/api/datasets/${ids.dataset}/imports`, { method: "PUT", body: "x" });
    expect(raw.status).to.equal(401);
  });

  for (const [method, path, body] of ENDPOINTS.filter(([, path]) => /\$\{ids/.test(path.toString())))
    it(`another org: ${method} ${path.toString().replace(/^\(\) => /, "")} → 404`, async () => {
      const res = await httpRaw(p.baseUrl, method, `/api${path()}`, { token: b.accessToken, body });
      expect(res.status, JSON.stringify(res.body)).to.equal(404);
      expect(res.error.code).to.equal("NOT_FOUND");
    });

  it("another org: upload into a's dataset → 404, nothing stored", async () => {
    const res = await uploadFile(p, b.accessToken, ids.dataset, { name: "chat.txt", content: whatsappLines(100, 110) });
    expect(res.status).to.equal(404);
    const ds = await http(p.baseUrl, "GET", `/api/datasets/${ids.dataset}`, { token: a.accessToken });
    expect(ds.body.messageCount).to.equal(5);
  });

  it("another org's list of datasets does not show a's", async () => {
    const res = await http(p.baseUrl, "GET", "/api/datasets", { token: b.accessToken });
    expect(res.body.items).to.deep.equal([]);
  });

  it("a viewer may read but not write or delete", async () => {
    expect(
      (await http(p.baseUrl, "GET", `/api/datasets/${ids.dataset}`, { token: viewer.accessToken })).status,
    ).to.equal(200);
    expect(
      (await http(p.baseUrl, "POST", "/api/datasets", { token: viewer.accessToken, body: { name: "v" } })).status,
    ).to.equal(403);
    expect(
      (await http(p.baseUrl, "DELETE", `/api/datasets/${ids.dataset}`, { token: viewer.accessToken })).status,
    ).to.equal(403);
    expect(
      (await uploadFile(p, viewer.accessToken, ids.dataset, { name: "chat.txt", content: whatsappLines(0, 2) })).status,
    ).to.equal(403);
  });

  const WRONG: [string, () => string, unknown?][] = [
    ["GET", () => "/datasets/not-a-uuid"],
    ["POST", () => "/datasets", {}],
    ["POST", () => "/datasets", { name: 5 }],
    ["POST", () => "/datasets", { name: "" }],
    ["POST", () => "/datasets", { name: "x".repeat(201) }],
    ["POST", () => "/datasets", { name: "x", orgId: NIL }],
    ["PATCH", () => `/datasets/${ids.dataset}`, { name: "" }],
    ["PATCH", () => `/datasets/${ids.dataset}`, { description: 42 }],
    ["DELETE", () => "/datasets/123"],
    ["GET", () => `/datasets/${ids.dataset}/imports?limit=0`],
    ["GET", () => `/datasets/${ids.dataset}/imports?limit=1000`],
    ["GET", () => "/imports/nope"],
    ["GET", () => "/datasets/x/conversations"],
    ["GET", () => "/datasets/x/participants"],
    ["GET", () => `/datasets/${ids.dataset}/conversations/x/messages`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?limit=abc`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?limit=501`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?cursor=garbage`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?from=yesterday`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?kind=shouting`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?participantId=bob`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?order=sideways`],
    ["GET", () => `/datasets/${ids.dataset}/conversations/${ids.conversation}/messages?sql=1`],
    ["GET", () => `/datasets/${ids.dataset}/messages/abc`],
    ["GET", () => `/datasets/${ids.dataset}/messages/${ids.message}?context=51`],
  ];
  for (const [method, path, body] of WRONG)
    it(`wrong types: ${method} ${path.toString().replace(/^\(\) => /, "")} ${JSON.stringify(body ?? "").slice(0, 40)} → 422`, async () => {
      const res = await httpRaw(p.baseUrl, method, `/api${path()}`, { token: a.accessToken, body });
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.error.code).to.equal("VALIDATION_ERROR");
    });

  for (const query of [
    "?format=myspace",
    "?timeZone=Mars/Olympus_Mons",
    "?daysFirst=maybe",
    "?colour=blue",
    `?filename=${"x".repeat(300)}`,
  ])
    it(`wrong upload options ${query.slice(0, 40)} → 422`, async () => {
      const res = await uploadFile(
        p,
        a.accessToken,
        ids.dataset,
        { name: "chat.txt", content: whatsappLines(0, 2) },
        query,
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.body.error.code).to.equal("VALIDATION_ERROR");
    });

  it("an upload into a dataset id that does not exist → 404", async () => {
    const res = await uploadFile(p, a.accessToken, NIL, { name: "chat.txt", content: whatsappLines(0, 2) });
    expect(res.status).to.equal(404);
  });
});
