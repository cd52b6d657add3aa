import { expect } from "chai";
import { seededRandom } from "../../../services/cluster/random.ts";
import { stratifiedSample } from "../../../services/cluster/sample.ts";

describe("cluster: stratified sample", () => {
  it("stratified sampling keeps proportions and a minimum per cluster", () => {
    const skewed = Int32Array.from({ length: 1003 }, (_, i) => (i < 1000 ? 0 : 1));
    const chosen = stratifiedSample(skewed, 100, seededRandom(1));
    expect(chosen.length).to.equal(100);
    expect(new Set(chosen).size).to.equal(100);
    expect(Array.from(chosen).filter((i) => skewed[i] === 1)).to.have.length(3);
  });
});
