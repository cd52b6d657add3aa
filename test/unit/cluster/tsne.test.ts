import { expect } from "chai";
import { fromRows } from "../../../services/cluster/matrix.ts";
import { computeMap } from "../../../services/cluster/projection.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { tsne } from "../../../services/cluster/tsne.ts";
import { syntheticChunks } from "./synthetic.ts";

describe("cluster: t-SNE map", function () {
  this.timeout(60000);
  const chunks = syntheticChunks({ sizes: [150, 120, 100, 30], dim: 64, seed: 5 });
  const vectors = fromRows(chunks.map((c) => c.vector));
  const ids = chunks.map((c) => c.id);
  const labels = Int32Array.from(chunks, (c) => Number(c.id.split("-")[0]!.slice(1)));

  it("is repeatable for a seed and keeps planted topics apart", async () => {
    const a = await tsne(vectors, seededRandom(3), { iterations: 300 });
    const b = await tsne(vectors, seededRandom(3), { iterations: 300 });
    expect(Array.from(a)).to.deep.equal(Array.from(b));
    expect(a.every(Number.isFinite)).to.equal(true);
    // Each point's nearest other point in 2-D belongs to its own topic.
    let same = 0;
    for (let i = 0; i < vectors.rows; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < vectors.rows; j++) {
        if (j === i) continue;
        const d = (a[2 * i]! - a[2 * j]!) ** 2 + (a[2 * i + 1]! - a[2 * j + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (labels[best] === labels[i]) same++;
    }
    expect(same / vectors.rows).to.be.greaterThan(0.95);
  });

  it("is the map's t-SNE option, on a stratified sample of at most tsneMaxPoints", async () => {
    const map = await computeMap(vectors, ids, labels, {
      method: "tsne",
      tsneMaxPoints: 200,
      tsne: { iterations: 200 },
    });
    expect(map.method).to.equal("tsne");
    expect(map.sampled).to.equal(true);
    expect(map.points).to.have.length(200);
    expect(new Set(map.points.map((p) => p.cluster)).size).to.equal(4);
    for (const p of map.points) expect(Math.max(Math.abs(p.x), Math.abs(p.y))).to.be.at.most(1);
  });

  // Speed lives in bench/ (RESULTS-cluster.md); the test's timeout is only a hang guard.
  it("lays out 1,000 points", async function () {
    this.timeout(180_000);
    const big = syntheticChunks({ sizes: Array(10).fill(100), dim: 32, seed: 7 });
    const map = await computeMap(
      fromRows(big.map((c) => c.vector)),
      big.map((c) => c.id),
      undefined,
      { method: "tsne" },
    );
    expect(map.points).to.have.length(1000);
  });
});
