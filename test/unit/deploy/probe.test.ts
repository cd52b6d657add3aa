import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import { REPO_ROOT } from "../../helpers/paths.ts";

/**
 * deploy/probe/metrics-probe.mjs: the liveness/readiness check of nodes without an HTTP API
 * (compose healthchecks, Kubernetes readiness probes), run against a real broker's metrics.
 */
const SCRIPT = path.join(REPO_ROOT, "deploy/probe/metrics-probe.mjs");

/** Runs the probe as a container runtime would; asynchronously, since the broker under test answers from this process. */
async function probe(port: number, ...args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    env: { ...process.env, METRICS_PORT: String(port) },
    stdio: "ignore",
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

describe("metrics probe (deploy/probe/metrics-probe.mjs)", function () {
  this.timeout(90_000);
  let broker: ServiceBroker;
  let port: number;

  before(async () => {
    broker = new ServiceBroker({
      logger: false,
      metrics: { enabled: true, reporter: [{ type: "Prometheus", options: { port: 0, path: "/metrics" } }] },
    });
    const reporter = (broker.metrics.reporter as unknown as { server: Server }[])[0]!;
    if (!reporter.server.listening) await once(reporter.server, "listening");
    port = (reporter.server.address() as AddressInfo).port;
  });

  after(() => broker.stop());

  it("says alive as soon as the broker exists, ready only once it has started", async () => {
    expect(await probe(port)).to.equal(0);
    expect(await probe(port, "--ready")).to.equal(1);
    await broker.start();
    expect(await probe(port, "--ready")).to.equal(0);
  });

  it("fails when nothing answers on the metrics port", async () => {
    const closed = new ServiceBroker({
      logger: false,
      metrics: { enabled: true, reporter: [{ type: "Prometheus", options: { port: 0, path: "/metrics" } }] },
    });
    const reporter = (closed.metrics.reporter as unknown as { server: Server }[])[0]!;
    if (!reporter.server.listening) await once(reporter.server, "listening");
    const free = (reporter.server.address() as AddressInfo).port;
    await closed.stop();
    expect(await probe(free)).to.equal(1);
    expect(await probe(free, "--ready")).to.equal(1);
  });
});
