import { expect } from "chai";
import { addChunks, createChatDataset } from "../../helpers/chat-fixtures.ts";
import { http } from "../../helpers/http.ts";
import { startFakeCluster } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../auth/fixtures.ts";
import { CHAT } from "../../unit/analytics/fixture.ts";

describe("cluster and analytics on a worker node behind a gateway node", function () {
  this.timeout(360_000);
  let cluster: Awaited<ReturnType<typeof startFakeCluster>>;

  before(async () => {
    cluster = await startFakeCluster(
      [
        { nodeID: "gateway", services: ["api", "auth"] },
        { nodeID: "worker", services: ["cluster", "analytics"] },
      ],
      { env: AUTH_TEST_ENV },
    );
  });
  after(async () => cluster?.stop());

  it("serves runs and dashboards from the worker node through the gateway", async () => {
    const gw = cluster.node("gateway");
    const owner = await signUp(gw);
    const fx = await createChatDataset(cluster.database.db, { orgId: owner.orgId, messages: CHAT });
    const textual = CHAT.map((m, i) => [m, i] as const).filter(([m]) => (m.kind ?? "text") === "text");
    await addChunks(
      cluster.database.db,
      fx,
      textual.map(([, i], n) => ({ messages: [i], vector: [n % 2 ? 1 : 0.1, n % 2 ? 0.1 : 1, (n % 3) * 0.01] })),
      CHAT,
    );
    const dashboard = await http(gw.baseUrl, "GET", `/api/datasets/${fx.datasetId}/analytics/summary`, {
      token: owner.accessToken,
    });
    expect(dashboard.status, JSON.stringify(dashboard.body)).to.equal(200);
    const start = await http(gw.baseUrl, "POST", `/api/datasets/${fx.datasetId}/clusters/runs`, {
      token: owner.accessToken,
      body: { k: 2, map: false },
    });
    expect(start.status, JSON.stringify(start.body)).to.equal(202);
    let run;
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      run = (
        await http(gw.baseUrl, "GET", `/api/datasets/${fx.datasetId}/clusters/runs/${start.body.id}`, {
          token: owner.accessToken,
        })
      ).body;
      if (run.status === "completed" || run.status === "failed") break;
    }
    expect(run!.status, JSON.stringify(run!.error)).to.equal("completed");
    expect(run!.result!.clusters.map((c) => c.size).reduce((x: number, y: number) => x + y, 0)).to.equal(
      textual.length,
    );
  });
});
