import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import sinon from "sinon";
import { DedupedConsoleLogger } from "../../../config/logger.ts";

// Outage logging (issue 19): the broker's logger collapses a burst of identical errors
// (config/log-dedupe.ts does the counting). Fake timers drive the interval.
describe("the broker's logger collapses repeated lines (config/logger.ts)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });
  it("the broker's logger writes one line and one summary for a burst of identical errors", () => {
    const printed: string[] = [];
    sinon.stub(console, "error").callsFake((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
    const broker = new ServiceBroker({
      nodeID: "n1",
      logger: new DedupedConsoleLogger(
        { level: "warn", colors: false, moduleColors: false, formatter: "simple" },
        30_000,
      ) as never,
    });
    const log = broker.getLogger("cacher");
    for (let i = 0; i < 50; i++) log.error("Redis connection lost", new Error("connect ECONNREFUSED"));
    expect(printed).to.have.length(1);
    expect(printed[0]).to.contain("Redis connection lost");
    clock.tick(30_000);
    expect(printed).to.have.length(2);
    expect(printed[1]).to.match(
      /\(49 more identical in the last 30 s\) Redis connection lost Error: connect ECONNREFUSED/,
    );
  });
});
