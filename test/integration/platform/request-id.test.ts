import path from "node:path";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import sinon from "sinon";
import { http } from "../../helpers/http.ts";
import { FIXTURES_DIR } from "../../helpers/paths.ts";
import { startFakeCluster, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../auth/fixtures.ts";
import { EMBED_TEST_ENV } from "../embedder/helpers.ts";
import { createDataset, waitForImport } from "../ingest/helpers.ts";

/**
 * One upload's log lines share its request id on every node it touches (issue 19), the job
 * channel hop included: gateway → ingest (worker) → import.completed → embedder's chunk channel →
 * embed job channel. Four in-process nodes over the Fake transporter, JSON logs captured.
 */
describe("request id and origin across nodes and job channels", function () {
  this.timeout(600_000);
  let cluster: Awaited<ReturnType<typeof startFakeCluster>>;
  let gateway: TestPlatform;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    // Moleculer's console logger writes through console.*; mocha's reporter kept its own reference.
    const capture = (...args: unknown[]) => {
      for (const text of args.map(String).join(" ").split("\n"))
        if (text.startsWith("{"))
          try {
            lines.push(JSON.parse(text) as Record<string, unknown>);
          } catch {
            /* not a log line */
          }
    };
    for (const method of ["log", "info", "warn", "error"] as const) sinon.stub(console, method).callsFake(capture);
    cluster = await startFakeCluster(
      [
        { nodeID: "gw", services: ["api", "auth"] },
        { nodeID: "worker", services: ["ingest"] },
        { nodeID: "emb", services: ["embedder"] },
        { nodeID: "idx", services: ["index"] },
      ],
      { env: { ...AUTH_TEST_ENV, ...EMBED_TEST_ENV, LOG_FORMAT: "json", LOG_LEVEL: "info" } },
    );
    gateway = cluster.node("gw");
    await gateway.broker.waitForServices(["auth", "ingest", "embedder", "index"], 90_000);
  });
  after(async () => {
    sinon.restore();
    await cluster?.stop();
  });

  it("tags the embedder's lines for an upload with the upload's request id, user and org", async () => {
    const owner = await signUp(gateway);
    const datasetId = await createDataset(gateway, owner);
    const requestId = "upload-trace-4242";
    const res = await fetch(`${gateway.baseUrl}/api/datasets/${datasetId}/imports?filename=chat.txt`, {
      method: "PUT",
      body: readFileSync(path.join(FIXTURES_DIR, "whatsapp/pustur__samples_short-chat.txt")),
      headers: {
        authorization: `Bearer ${owner.accessToken}`,
        "content-type": "application/octet-stream",
        "x-request-id": requestId,
      },
    });
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).to.equal(202);
    expect((await waitForImport(gateway, owner.accessToken, body.id)).status).to.equal("completed");
    for (;;) {
      const progress = await http(gateway.baseUrl, "GET", `/api/datasets/${datasetId}/embedding`, {
        token: owner.accessToken,
      });
      if (progress.body.chunks > 0 && progress.body.pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The embedder's line for this import, written in the chunk channel's handler on node emb.
    const chunked = () => lines.find((l) => l.nodeID === "emb" && String(l.msg).includes(`chunked import ${body.id}`));
    while (!chunked()) await new Promise((r) => setTimeout(r, 100));
    expect(chunked()).to.include({ requestId, userId: owner.userId, orgId: owner.orgId });
    // Every node the upload went through wrote lines with its id.
    const nodes = new Set(lines.filter((l) => l.requestId === requestId).map((l) => l.nodeID));
    expect([...nodes]).to.include.members(["gw", "emb"]);
  });
});
