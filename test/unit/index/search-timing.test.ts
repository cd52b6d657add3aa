import { expect } from "chai";
import sinon from "sinon";
import { timeConcurrentSearches, timeSearches } from "../../../services/index/search-timing.ts";

// Fake timers (setTimeout and performance.now): the searches take exactly the time they say, so a
// busy machine cannot skew the percentiles or the throughput these tests check.
describe("index/timeSearches", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => clock.restore());

  it("reports percentiles of sequential searches", async () => {
    const delays = Array.from({ length: 100 }, (_, i) => (i === 99 ? 30 : 1));
    const running = timeSearches((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), delays, 0);
    await clock.runAllAsync();
    const timing = await running;
    expect(timing.queries).to.equal(100);
    expect(timing.p50Ms).to.equal(1);
    expect(timing.p99Ms).to.equal(1);
    expect(timing.maxMs).to.equal(30);
    expect(timing.meanMs).to.be.closeTo(129 / 100, 1e-9);
    expect(timing.qps).to.be.closeTo(100_000 / 129, 1e-6);
  });

  it("reports percentiles and total throughput of concurrent callers", async () => {
    let inFlight = 0;
    let most = 0;
    const running = timeConcurrentSearches(
      async (ms: number) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, ms));
        inFlight--;
      },
      [5, 5, 5, 5],
      4,
      200,
    );
    await clock.runAllAsync();
    const timing = await running;
    expect(most).to.equal(4);
    expect(timing.p50Ms).to.equal(5);
    // Four callers of 5 ms each for 200 ms: 160 searches, 800 per second (one caller alone: 200).
    expect(timing.queries).to.equal(160);
    expect(timing.qps).to.equal(800);
  });
});
