import { expect } from "chai";
import { knnGraph } from "../../../services/cluster/knn.ts";
import { fromRows, squaredDistance } from "../../../services/cluster/matrix.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { syntheticChunks } from "./synthetic.ts";

describe("cluster: approximate kNN graph", function () {
  this.timeout(180_000);
  it("the approximate kNN graph matches brute force on clustered data", () => {
    const big = syntheticChunks({ sizes: Array(8).fill(500), dim: 16, noise: 0.1, seed: 3 });
    const points = fromRows(big.map((c) => c.vector));
    const graph = knnGraph(points, 10, seededRandom(2));
    let hits = 0;
    const checked = 200;
    for (let i = 0; i < checked; i++) {
      const exact = Array.from({ length: points.rows }, (_, j) => [
        j,
        squaredDistance(points.data, i * 16, points.data, j * 16, 16),
      ])
        .sort((a, b) => a[1] - b[1])
        .slice(0, 10)
        .map(([j]) => j);
      expect(graph.indices[i][0]).to.equal(i);
      hits += graph.indices[i].filter((j) => exact.includes(j)).length;
    }
    expect(hits / (checked * 10)).to.be.greaterThan(0.95);
  });
});
