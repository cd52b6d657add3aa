import { expect } from "chai";
import { defaultGranularity, periodStart, topicsOverTime } from "../../../services/cluster/over-time.ts";

const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);

describe("cluster: topics over time", () => {
  it("buckets by ISO week (Monday, UTC) with shares summing to 1 per period", () => {
    // 2024-01-01 is a Monday; 2024-01-07 a Sunday; 2024-01-08 the next Monday.
    const labels = [0, 1, 1, 2, 0];
    const times = [day("2024-01-01"), day("2024-01-03"), day("2024-01-07"), day("2024-01-08"), day("2024-01-10")];
    const { periods } = topicsOverTime(labels, times, 3, "week");
    expect(periods.map((p) => p.start)).to.deep.equal(["2024-01-01", "2024-01-08"]);
    expect(periods[0].counts).to.deep.equal([1, 2, 0]);
    expect(periods[1].shares).to.deep.equal([0.5, 0, 0.5]);
    for (const p of periods) expect(p.shares.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-12);
  });

  it("buckets by month and keeps empty months between, with zero shares", () => {
    const { periods } = topicsOverTime(
      [0, 1, 1],
      [day("2024-01-31"), day("2024-03-01"), day("2024-03-31")],
      2,
      "month",
    );
    expect(periods.map((p) => [p.start, p.total])).to.deep.equal([
      ["2024-01-01", 1],
      ["2024-02-01", 0],
      ["2024-03-01", 2],
    ]);
    expect(periods[1].shares).to.deep.equal([0, 0]);
  });

  it("leaves out chunks without a timestamp", () => {
    const { periods } = topicsOverTime([0, 1], [day("2024-05-05"), NaN], 2, "month");
    expect(periods).to.have.length(1);
    expect(periods[0].counts).to.deep.equal([1, 0]);
  });

  it("starts weeks on Monday across a year boundary", () => {
    expect(new Date(periodStart(day("2025-01-01"), "week")).toISOString().slice(0, 10)).to.equal("2024-12-30");
  });

  it("uses weeks for short spans and months for long ones", () => {
    expect(defaultGranularity([day("2024-01-01"), day("2024-03-01")])).to.equal("week");
    expect(defaultGranularity([day("2024-01-01"), day("2025-03-01")])).to.equal("month");
  });
});
