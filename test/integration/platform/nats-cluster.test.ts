import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import { loadConfig } from "../../../config/index.ts";
import { createBrokerOptions } from "../../../moleculer.config.ts";
import { startNodeProcess, type NodeProcess } from "../../helpers/processes.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";

const PROBE = "test/fixtures/nodes/probe-node.ts";

describe("cluster over real NATS (separate broker processes)", function () {
  this.timeout(270_000);
  const namespace = `clt-${randomBytes(4).toString("hex")}`;
  const env = { TRANSPORTER: SERVERS.nats.url, NAMESPACE: namespace };
  let caller: ServiceBroker;
  const nodes: NodeProcess[] = [];

  before(async function () {
    await requireServers(this, "nats");
    const config = loadConfig(
      { ...env, METRICS_ENABLED: "false", LOG_LEVEL: "warn", NODE_ID: "caller" },
      { dotenv: false },
    );
    // The caller runs no probe service: every probe call must cross NATS to another process.
    caller = new ServiceBroker(createBrokerOptions(config));
    await caller.start();
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await caller?.stop();
  });

  it("reaches a service that only another node runs, carrying the request id into its logs", async () => {
    nodes.push(await startNodeProcess(PROBE, { ...env, NODE_ID: "probe-b", LOG_FORMAT: "json" }));
    await caller.waitForServices("probe", 60_000);
    const res = await caller.call<{ nodeID: string }, object>("probe.whoami", {}, { requestID: "corr-across-nodes" });
    expect(res.nodeID).to.equal("probe-b");
    await new Promise((r) => setTimeout(r, 200));
    const lines = nodes[0]
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const answered = lines.find((l) => l.msg === "probe answered");
    expect(answered, nodes[0].output()).to.include({ requestId: "corr-across-nodes", nodeID: "probe-b" });
  });

  it("balances calls across two instances", async () => {
    nodes.push(await startNodeProcess(PROBE, { ...env, NODE_ID: "probe-c" }));
    const deadline = Date.now() + 60_000;
    while (caller.registry.getServiceList({ onlyAvailable: true }).filter((s) => s.name === "probe").length < 2) {
      if (Date.now() > deadline) throw new Error("second probe node never appeared");
      await new Promise((r) => setTimeout(r, 200));
    }
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const { nodeID } = await caller.call<{ nodeID: string }>("probe.whoami");
      seen[nodeID] = (seen[nodeID] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort()).to.deep.equal(["probe-b", "probe-c"]);
    expect(seen["probe-b"]).to.be.within(7, 13);
  });

  it("takes a failing node out of rotation with the circuit breaker", async () => {
    await nodes.pop()!.stop();
    nodes.push(await startNodeProcess(PROBE, { ...env, NODE_ID: "probe-failing", PROBE_FAIL: "1" }));
    const deadline = Date.now() + 60_000;
    while (!caller.registry.getServiceList({ onlyAvailable: true }).some((s) => s.nodeID === "probe-failing")) {
      if (Date.now() > deadline) throw new Error("failing probe node never appeared");
      await new Promise((r) => setTimeout(r, 200));
    }
    let failures = 0;
    for (let i = 0; i < 60; i++) {
      try {
        await caller.call("probe.whoami");
      } catch {
        failures++;
      }
    }
    expect(failures, "the failing node was called at first").to.be.greaterThan(0);
    // The breaker is open now: every further call goes to the healthy node.
    const after: string[] = [];
    for (let i = 0; i < 15; i++) after.push((await caller.call<{ nodeID: string }>("probe.whoami")).nodeID);
    expect(new Set(after)).to.deep.equal(new Set(["probe-b"]));
  });
});
