import { expect } from "chai";
import { Errors, ServiceBroker } from "moleculer";
import type { NodeOptions } from "@sentry/node";
import { closeSentry, initSentry, isServerFault } from "../../../config/sentry.ts";
import { brokerMiddlewares } from "../../../moleculer.config.ts";

interface CapturedEvent {
  exception?: { values?: { type?: string; value?: string }[] };
  tags?: Record<string, string>;
  user?: { id?: string };
}

describe("Sentry (config/sentry.ts)", () => {
  const events: CapturedEvent[] = [];
  let broker: ServiceBroker;

  before(async () => {
    const middlewares = await initSentry(
      { SENTRY_DSN: "https://public@sentry.example.com/1", NODE_ENV: "test", NODE_ID: "node-1", SERVICES: ["api"] },
      {
        // Capture envelopes instead of sending them; no global process handlers in the test run.
        integrations: [],
        transport: (() => ({
          send: async (envelope: [unknown, [{ type: string }, CapturedEvent][]]) => {
            for (const [header, payload] of envelope[1]) if (header.type === "event") events.push(payload);
            return {};
          },
          flush: async () => true,
        })) as unknown as NodeOptions["transport"],
      },
    );
    expect(middlewares).to.have.length(1);
    broker = new ServiceBroker({ logger: false, nodeID: "node-1", middlewares: brokerMiddlewares(middlewares) });
    broker.createService({
      name: "demo",
      actions: {
        crash() {
          throw new Error("database exploded");
        },
        unavailable() {
          throw new Errors.MoleculerServerError("index node unreachable", 503, "UPSTREAM_DOWN");
        },
        wrongInput() {
          throw new Errors.MoleculerClientError("bad input", 422, "VALIDATION");
        },
        ok: () => "fine",
      },
    });
    await broker.start();
  });

  after(async () => {
    await broker.stop();
    await closeSentry();
  });

  it("reports server faults of actions with the action, node and request id, never client errors", async () => {
    const meta = { user: { id: "user-7", orgId: "org-3" } };
    await broker.call("demo.crash", {}, { meta, requestID: "req-42" }).catch(() => {});
    await broker.call("demo.unavailable").catch(() => {});
    await broker.call("demo.wrongInput").catch(() => {});
    await broker.call("demo.ok");
    await broker.stop(); // the middleware flushes on stop
    const messages = events.map((e) => e.exception?.values?.[0]?.value);
    expect(messages).to.have.length(2);
    expect(messages[0]).to.equal("database exploded");
    expect(messages[1]).to.equal("index node unreachable");
    expect(events[0]!.tags).to.include({ action: "demo.crash", requestId: "req-42", orgId: "org-3", services: "api" });
    expect(events[0]!.user).to.deep.equal({ id: "user-7" });
  });

  it("treats errors without a numeric code as server faults and 4xx as client faults", () => {
    expect(isServerFault(new Error("x"))).to.be.true;
    expect(isServerFault(new Errors.MoleculerError("x", 503))).to.be.true;
    expect(isServerFault(new Errors.MoleculerError("x", 404))).to.be.false;
    expect(isServerFault(new Errors.MoleculerClientError("x", 500))).to.be.false;
  });

  it("is off without SENTRY_DSN: no middleware, nothing loaded", async () => {
    expect(
      await initSentry({ SENTRY_DSN: undefined, NODE_ENV: "test", NODE_ID: undefined, SERVICES: [] }),
    ).to.deep.equal([]);
  });
});
