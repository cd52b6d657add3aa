import { expect } from "chai";
import { timeSearches } from "../../../services/index/search-timing.ts";

describe("index/timeSearches", () => {
  it("reports percentiles of sequential searches", async () => {
    const delays = Array.from({ length: 100 }, (_, i) => (i === 99 ? 30 : 1));
    const timing = await timeSearches((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), delays, 0);
    expect(timing.queries).to.equal(100);
    expect(timing.p50Ms).to.be.below(timing.p99Ms);
    expect(timing.maxMs).to.be.at.least(29);
    expect(timing.qps).to.be.above(0);
  });
});
