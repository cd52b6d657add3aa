import { expect } from "chai";
import { topicHierarchy } from "../../../services/cluster/hierarchy.ts";

describe("topic hierarchy", () => {
  it("puts each small topic under the nearest larger group and labels parents from their children", async () => {
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    // Two themes: food (0, 1, 2) and sport (3, 4); topic 2 and 4 are small.
    const centroids = [
      unit([1, 0.1, 0]),
      unit([1, 0.2, 0.05]),
      unit([0.9, 0, 0.1]),
      unit([0, 1, 0.1]),
      unit([0.05, 1, 0]),
    ];
    const sizes = [300, 200, 12, 250, 9];
    const t = (...terms: string[]) => terms.map((term, i) => ({ term, score: 1 - i * 0.1 }));
    const terms = [t("bread", "oven"), t("pasta", "sauce"), t("cake"), t("football", "match"), t("tennis")];
    const h = topicHierarchy(centroids, sizes, terms, 2);
    expect(h.merges).to.have.length(4);
    expect(h.parents).to.have.length(2);
    expect(h.parents.map((p) => p.children)).to.deep.equal([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(h.parentOf).to.deep.equal([0, 0, 0, 1, 1]);
    expect(h.parents[0]!.size).to.equal(512);
    expect(h.parents[0]!.label).to.match(/bread/);
    expect(h.parents[1]!.label).to.match(/football/);
    // Merge distances never shrink on this data: the dendrogram reads bottom-up.
    expect(h.merges[3]!.distance).to.be.greaterThan(h.merges[0]!.distance);
  });
});
