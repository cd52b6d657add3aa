import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { startFakeCluster } from "../../helpers/platform.ts";

type Summary = { nodeID: string; shape: string[]; gpu: boolean; draining: boolean; available: boolean };

describe("operator cluster commands (ops service on every node)", function () {
  this.timeout(180_000);

  it("reports each node's shape and drains a node so its work moves to the others", async () => {
    const cluster = await startFakeCluster([
      { nodeID: "gw", services: ["api"] },
      { nodeID: "auth-1", services: ["auth"] },
      { nodeID: "auth-2", services: ["auth"] },
    ]);
    try {
      const gw = cluster.node("gw");
      await gw.broker.waitForServices("auth", 30_000);
      const status = await gw.broker.call<Summary[], object>("ops.clusterStatus", {}, { meta: { system: true } });
      expect(status.map((n) => [n.nodeID, n.shape.join(",")])).to.deep.equal([
        ["auth-1", "auth"],
        ["auth-2", "auth"],
        ["gw", "api"],
      ]);

      const drained = await gw.broker.call<{ stopped: string[] }, object>(
        "ops.drain",
        {},
        { nodeID: "auth-1", meta: { system: true } },
      );
      expect(drained.stopped).to.deep.equal(["auth"]);
      const deadline = Date.now() + 30_000;
      let after: Summary[] = [];
      do {
        await new Promise((r) => setTimeout(r, 100));
        after = await gw.broker.call<Summary[], object>("ops.clusterStatus", {}, { meta: { system: true } });
      } while (after.find((n) => n.nodeID === "auth-1")!.shape.length && Date.now() < deadline);
      const drainedNode = after.find((n) => n.nodeID === "auth-1")!;
      expect(drainedNode.shape).to.deep.equal([]);
      expect(drainedNode.draining).to.equal(true);

      // Work keeps flowing to the node that is left.
      for (let i = 0; i < 4; i++) {
        const res = await http(gw.baseUrl, "POST", "/api/auth/signup", {
          body: { email: `drain-${i}-${Date.now()}@example.com`, password: "a sufficiently long password" },
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
      }
    } finally {
      await cluster.stop();
    }
  });
});
