import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { expect } from "chai";
import type { OrgSlots } from "../../../core/org-slots.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { addChunks, createChatDataset, type FixtureChunk, type FixtureMessage } from "../../helpers/chat-fixtures.ts";
import { http, type Schema } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { whatsappLines } from "../ingest/generators.ts";
import { waitFor } from "../embedder/helpers.ts";
import { uploadFile, waitForImport } from "../ingest/helpers.ts";
import {
  duringAttack,
  expectIntact,
  expectServing,
  keywordSearch,
  MARKER,
  SECURITY_SERVICES,
  startSecurityPlatform,
  tenantWithChat,
  type Tenant,
} from "./helpers.ts";

/**
 * Issue 15 M6 over HTTP (uploads): an org past IMPORT_MAX_QUEUED_PER_ORG queued or running
 * imports is answered 429 QUOTA_EXCEEDED before its body is read, while another org's upload is
 * still accepted and health and search keep answering.
 */
describe("security: per-org quota on queued uploads", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  before(async function () {
    // A hang guard: a platform start and two imports took 100-200 s on a machine at load 30.
    this.timeout(600_000);
    p = await startSecurityPlatform({ IMPORT_MAX_QUEUED_PER_ORG: "1" });
    attacker = await tenantWithChat(p);
    bystander = await tenantWithChat(p);
  });
  after(async () => p?.stop());

  it("a second upload while the first is still arriving answers 429; another org's upload is accepted", async () => {
    const big = { name: "WhatsApp Chat with Big.txt", content: whatsappLines(1000, 16_000) };
    // The first upload is held open half-sent, so it counts against the quota for as long as the
    // test needs (a whole upload could be imported before the second arrives on a fast machine).
    const first = holdOpenUpload(
      p,
      attacker.account.accessToken,
      attacker.datasetId,
      big.content,
      "?filename=chat.txt",
    );
    try {
      // Its slot is taken before its body is written to the upload folder.
      await waitFor("the held upload to be received", async () =>
        (await readdir(p.config.uploadDir).catch(() => [] as string[])).some((f) => f.endsWith(".upload")),
      );
      const second = await duringAttack(p, bystander, () =>
        uploadFile(p, attacker.account.accessToken, attacker.datasetId, big),
      );
      expect(second.status, JSON.stringify(second.body)).to.equal(429);
      expect(second.body.error.code).to.equal("QUOTA_EXCEEDED");
      const other = await uploadFile(p, bystander.account.accessToken, bystander.datasetId, {
        name: "WhatsApp Chat with Small.txt",
        content: whatsappLines(100, 110),
      });
      expect(other.status, JSON.stringify(other.body)).to.equal(202);
      expect((await waitForImport(p, bystander.account.accessToken, other.body.id)).status).to.equal("completed");
    } finally {
      first.finish();
    }
    const accepted = await first.answer;
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    expect((await waitForImport(p, attacker.account.accessToken, accepted.body.id)).status).to.equal("completed");
    attacker.messages += 15_000;
    bystander.messages += 10;
    await expectIntact(p, attacker);
    await expectIntact(p, bystander);
  });
});

/**
 * A raw upload (PUT) whose first half is sent at once and the rest only on `finish()`: until then
 * the gateway is receiving it.
 */
function holdOpenUpload(p: TestPlatform, token: string, datasetId: string, content: string, query: string) {
  const body = Buffer.from(content);
  const req = request(`${p.baseUrl}/api/datasets/${datasetId}/imports${query}`, {
    method: "PUT",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
    },
  });
  const answer = new Promise<{ status: number | undefined; body: any }>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  return { answer, finish: () => void req.end(body.subarray(half)) };
}

/** Messages and synthetic chunk vectors (three planted directions) for a topic run. */
function topicChat(chunks: number): { messages: FixtureMessage[]; chunks: FixtureChunk[] } {
  const random = seededRandom(chunks);
  const words = ["sourdough bread oven", "football match goal", "holiday flights hotel"];
  const messages: FixtureMessage[] = [];
  const specs: FixtureChunk[] = [];
  for (let i = 0; i < chunks; i++) {
    const topic = i % 3;
    const at = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
    messages.push({ conversation: "chat", author: i % 2 ? "Ana" : "Ben", at, text: `${words[topic]} ${i}` });
    specs.push({
      messages: [i],
      vector: Array.from({ length: 32 }, (_, d) => (d % 3 === topic ? 1 : 0) + (random() - 0.5) * 0.4),
    });
  }
  return { messages, chunks: specs };
}

type RunRow = Schema<"ClusterRun">;

/** A dataset's topic runs. */
type RunsPath = `/api/datasets/${string}/clusters/runs`;

async function waitForRun(p: TestPlatform, t: Tenant, runs: RunsPath, runId: string): Promise<RunRow> {
  // A hang guard, not a speed claim.
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    const res = await http(p.baseUrl, "GET", `${runs}/${runId}`, { token: t.account.accessToken });
    if (res.body.status === "completed" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not finish`);
}

/**
 * Issue 15 M6 over HTTP (topic runs and searches): ten queued topic runs by one org slowed
 * another org's run from 3 s to 58 s. Now an org past CLUSTER_MAX_QUEUED_PER_ORG queued or
 * running runs, or past SEARCH_MAX_CONCURRENT_PER_ORG searches at once, is answered 429
 * QUOTA_EXCEEDED, and another org's run goes ahead of the flooder's queued ones (round-robin)
 * while its searches answer.
 */
describe("security: per-org quotas on topic runs and concurrent searches", function () {
  this.timeout(900_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  let attackerRuns: RunsPath;
  let bystanderRuns: RunsPath;
  before(async () => {
    p = await startSecurityPlatform({ CLUSTER_MAX_QUEUED_PER_ORG: "2", SEARCH_MAX_CONCURRENT_PER_ORG: "2" }, [
      ...SECURITY_SERVICES,
      "cluster",
    ]);
    attacker = await tenantWithChat(p);
    bystander = await tenantWithChat(p);
    const big = topicChat(600);
    const a = await createChatDataset(p.database.db, { orgId: attacker.account.orgId, messages: big.messages });
    await addChunks(p.database.db, a, big.chunks, big.messages);
    attackerRuns = `/api/datasets/${a.datasetId}/clusters/runs`;
    const small = topicChat(60);
    const b = await createChatDataset(p.database.db, { orgId: bystander.account.orgId, messages: small.messages });
    await addChunks(p.database.db, b, small.chunks, small.messages);
    bystanderRuns = `/api/datasets/${b.datasetId}/clusters/runs`;
  });
  after(async () => p?.stop());

  it("topic runs: past the quota 429 with nothing stored; another org's run is served before the flooder's queued one", async () => {
    const started = await duringAttack(p, bystander, () =>
      Promise.all(
        Array.from({ length: 6 }, () =>
          http(p.baseUrl, "POST", attackerRuns, { token: attacker.account.accessToken, body: { k: 3, map: true } }),
        ),
      ),
    );
    const accepted = started.filter((r) => r.status === 202);
    const refused = started.filter((r) => r.status === 429);
    expect(accepted.length + refused.length, JSON.stringify(started.map((r) => r.body))).to.equal(6);
    expect(accepted).to.have.length(2);
    for (const r of refused) {
      expect(r.error.code).to.equal("QUOTA_EXCEEDED");
      expect(r.error.message).to.contain("2 topic runs queued or running");
      expect(r.error.data).to.deep.equal({ limit: 2 });
    }
    const theirs = await http(p.baseUrl, "POST", bystanderRuns, {
      token: bystander.account.accessToken,
      body: { k: 3, map: false },
    });
    expect(theirs.status, JSON.stringify(theirs.body)).to.equal(202);
    // Refused runs left no row behind.
    const listed = await http(p.baseUrl, "GET", attackerRuns, { token: attacker.account.accessToken });
    expect(listed.body.runs).to.have.length(2);

    const [first, second] = accepted.map((r) => r.body.id);
    const own = await waitForRun(p, bystander, bystanderRuns, theirs.body.id);
    expect(own.status).to.equal("completed");
    const a1 = await waitForRun(p, attacker, attackerRuns, first!);
    const a2 = await waitForRun(p, attacker, attackerRuns, second!);
    expect([a1.status, a2.status]).to.deep.equal(["completed", "completed"]);
    // Round-robin by org: the bystander's run, queued behind both of the attacker's, ran before
    // the second (in arrival order it would have waited for both).
    expect(Date.parse(own.finishedAt!)).to.be.at.most(Date.parse(a2.finishedAt!));
    expect(Date.parse(a1.finishedAt!)).to.be.at.most(Date.parse(own.finishedAt!));
    await expectIntact(p, attacker);
    await expectIntact(p, bystander);
  });

  it("searches: past the concurrent quota 429 at once; another org's search answers meanwhile and the flooder's later ones do", async () => {
    // A flood of different queries (a cached answer takes no slot): each answers, or is refused with the quota's code.
    const flood = await Promise.all(
      Array.from({ length: 16 }, (_, i) => keywordSearch(p, attacker, `${MARKER} tank ${i}`)),
    );
    for (const r of flood) {
      expect(r.status === 200 || r.status === 429, JSON.stringify(r.body)).to.equal(true);
      if (r.status === 429) expect(r.error.code).to.equal("QUOTA_EXCEEDED");
    }
    // Keyword searches on a small chat end within a turn or two, so a flood rarely has more than
    // two running at once: the attacker's two slots are held here as two slow searches would.
    const index = p.broker.getLocalService("index") as unknown as { searchSlots: OrgSlots };
    const held = [index.searchSlots.take(attacker.account.orgId, 2), index.searchSlots.take(attacker.account.orgId, 2)];
    expect(held.every(Boolean)).to.equal(true);
    const refused = await keywordSearch(p, attacker, `${MARKER} cleaning`);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(429);
    expect(refused.error.code).to.equal("QUOTA_EXCEEDED");
    expect(refused.error.message).to.contain("2 searches running");
    const vector = await http(p.baseUrl, "POST", "/api/search/vector", {
      token: attacker.account.accessToken,
      body: { datasetId: attacker.datasetId, vector: [1, 0, 0] },
    });
    expect(vector.status, JSON.stringify(vector.body)).to.equal(429);
    // Another org's search is not refused nor queued behind them.
    await expectServing(p, bystander);
    for (const release of held) release!();
    // The slots are given back: the flooder's next search answers.
    expect((await keywordSearch(p, attacker, `${MARKER} again`)).status).to.equal(200);
  });
});
