import { expect } from "chai";
import { hungarian } from "../../../services/cluster/hungarian.ts";

describe("cluster: Hungarian assignment", () => {
  it("Hungarian finds the minimum-cost assignment", () => {
    expect(
      hungarian([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
    ).to.deep.equal([1, 0, 2]);
    expect(
      hungarian([
        [1, 9, 9, 0],
        [9, 1, 9, 9],
      ]),
    ).to.deep.equal([3, 1]);
  });
});
