import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../../config/index.ts";
import { createBrokerOptions } from "../../moleculer.config.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "chatlens-config-"));
const load = (env: Record<string, string>, cwd = tmp()) => loadConfig(env, { dotenv: false, cwd });

describe("broker options (moleculer.config.ts)", () => {
  it("builds broker options with the fault-tolerance features switched on", () => {
    const o = createBrokerOptions(
      load({ TRANSPORTER: "nats://127.0.0.1:4222", CACHER: "redis://127.0.0.1:6379", METRICS_PORT: "9100" }),
    );
    expect(o.transporter).to.deep.equal({ type: "NATS", options: { url: "nats://127.0.0.1:4222" } });
    expect((o.cacher as { type: string }).type).to.equal("Redis");
    expect(o.circuitBreaker?.enabled).to.equal(true);
    expect(o.retryPolicy?.enabled).to.equal(true);
    expect(o.bulkhead?.enabled).to.equal(true);
    expect(o.requestTimeout).to.be.greaterThan(0);
    const reporter = (o.metrics as { reporter: { type: string; options: { host: string; port: number } }[] })
      .reporter[0];
    expect(reporter).to.deep.include({ type: "Prometheus" });
    expect(reporter.options).to.include({ host: "127.0.0.1", port: 9100 });
  });

  it("retries only transient errors and counts only server faults in the breaker", async () => {
    const o = createBrokerOptions(load({}));
    const { Errors } = await import("moleculer");
    expect(o.retryPolicy!.check!(new Errors.RequestTimeoutError({ action: "x", nodeID: "node" }) as never)).to.equal(
      true,
    );
    expect(o.retryPolicy!.check!(new Errors.MoleculerClientError("bad", 400) as never)).to.equal(false);
    const check = o.circuitBreaker!.check!;
    expect(check(new Errors.MoleculerClientError("bad", 422) as never)).to.equal(false);
    expect(check(new Errors.MoleculerServerError("boom", 500, "X") as never)).to.equal(true);
  });
});
