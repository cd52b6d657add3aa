import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { nodeIds, startFakeCluster, startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";

describe("nodes of different shapes", function () {
  this.timeout(180_000);

  it("form one cluster over the Fake transporter and see each other", async () => {
    const cluster = await startFakeCluster([
      { nodeID: "gateway", services: ["api"] },
      { nodeID: "worker", services: ["api"] },
    ]);
    try {
      const gw = cluster.node("gateway");
      await gw.broker.waitForServices([{ name: "api" }], 30_000);
      const nodes = nodeIds(gw.broker);
      expect(nodes).to.include.members(["gateway", "worker"]);
      const res = await http(gw.baseUrl, "GET", "/api/ready");
      expect(res.status).to.equal(200);
      expect(res.body.checks.transporter.status).to.equal("ok");
    } finally {
      await cluster.stop();
    }
  });

  describe("on the real NATS and Redis of this machine", () => {
    let p: TestPlatform | undefined;
    before(async function () {
      await requireServers(this, "nats", "redis");
    });
    after(() => p?.stop());

    it("reports transporter and Redis cacher as ready, and caches through Redis", async () => {
      p = await startTestPlatform({
        services: ["api"],
        env: { TRANSPORTER: SERVERS.nats.url, CACHER: SERVERS.redis.url, NAMESPACE: `rt-${process.pid}-${Date.now()}` },
      });
      const res = await http(p.baseUrl, "GET", "/api/ready");
      expect(res.status).to.equal(200);
      expect(res.body.checks.transporter.status).to.equal("ok");
      expect(res.body.checks.cacher.status).to.equal("ok");
      expect(res.body.checks.cacher.latencyMs).to.be.a("number");
      await p.broker.cacher!.set("probe-key", { v: 1 });
      expect(await p.broker.cacher!.get("probe-key")).to.deep.equal({ v: 1 });
    });
  });
});
