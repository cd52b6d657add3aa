import { expect } from "chai";
import { timeConcurrentSearches, timeSearches } from "../../../services/index/search-timing.ts";

describe("index/timeSearches", () => {
  it("reports percentiles of sequential searches", async () => {
    const delays = Array.from({ length: 100 }, (_, i) => (i === 99 ? 30 : 1));
    const timing = await timeSearches((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), delays, 0);
    expect(timing.queries).to.equal(100);
    expect(timing.p50Ms).to.be.below(timing.p99Ms);
    expect(timing.maxMs).to.be.at.least(29);
    expect(timing.qps).to.be.above(0);
  });

  it("reports percentiles and total throughput of concurrent callers", async () => {
    let inFlight = 0;
    let most = 0;
    const timing = await timeConcurrentSearches(
      async (ms: number) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, ms));
        inFlight--;
      },
      [5, 5, 5, 5],
      4,
      200,
    );
    expect(most).to.equal(4);
    expect(timing.p50Ms).to.be.at.least(4);
    // Four callers of ~5 ms each: well above one caller's 200 per second.
    expect(timing.qps).to.be.above(300);
  });
});
