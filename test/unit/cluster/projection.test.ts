import { expect } from "chai";
import { knnGraph } from "../../../services/cluster/knn.ts";
import { fromRows, squaredDistance } from "../../../services/cluster/matrix.ts";
import { computeMap } from "../../../services/cluster/projection.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { stratifiedSample } from "../../../services/cluster/sample.ts";
import { syntheticChunks } from "./synthetic.ts";

describe("cluster: 2-D map", function () {
  this.timeout(180_000);
  const chunks = syntheticChunks({ sizes: [150, 120, 100, 30], seed: 5 });
  const vectors = fromRows(chunks.map((c) => c.vector));
  const ids = chunks.map((c) => c.id);
  const labels = Int32Array.from(chunks, (c) => Number(c.id.split("-")[0].slice(1)));

  it("gives finite coordinates in [-1, 1], the same for the same seed", async () => {
    const a = await computeMap(vectors, ids, labels, { seed: 9, nEpochs: 100 });
    const b = await computeMap(vectors, ids, labels, { seed: 9, nEpochs: 100 });
    expect(a.points).to.have.length(400);
    expect(a.sampled).to.equal(false);
    for (const p of a.points) {
      expect(Number.isFinite(p.x) && Number.isFinite(p.y)).to.equal(true);
      expect(Math.max(Math.abs(p.x), Math.abs(p.y))).to.be.at.most(1);
    }
    expect(a.points).to.deep.equal(b.points);
    const c = await computeMap(vectors, ids, labels, { seed: 10, nEpochs: 100 });
    expect(c.points).to.not.deep.equal(a.points);
  });

  it("keeps topics apart: points sit nearer their own topic's centre than any other", async () => {
    const { points } = await computeMap(vectors, ids, labels, { seed: 1 });
    const centres = [0, 1, 2, 3].map((t) => {
      const own = points.filter((p) => p.cluster === t);
      return [own.reduce((s, p) => s + p.x, 0) / own.length, own.reduce((s, p) => s + p.y, 0) / own.length];
    });
    const nearestOwn = points.filter((p) => {
      const d = centres.map(([x, y]) => Math.hypot(p.x - x, p.y - y));
      return d.indexOf(Math.min(...d)) === p.cluster;
    });
    expect(nearestOwn.length / points.length).to.be.greaterThan(0.95);
  });

  it("maps a stratified sample above maxPoints, keeping every cluster", async () => {
    const map = await computeMap(vectors, ids, labels, { maxPoints: 100, nEpochs: 50 });
    expect(map.sampled).to.equal(true);
    expect(map.totalPoints).to.equal(400);
    expect(map.points).to.have.length(100);
    expect(new Set(map.points.map((p) => p.cluster)).size).to.equal(4);
  });

  it("stratified sampling keeps proportions and a minimum per cluster", () => {
    const skewed = Int32Array.from({ length: 1003 }, (_, i) => (i < 1000 ? 0 : 1));
    const chosen = stratifiedSample(skewed, 100, seededRandom(1));
    expect(chosen.length).to.equal(100);
    expect(new Set(chosen).size).to.equal(100);
    expect(Array.from(chosen).filter((i) => skewed[i] === 1)).to.have.length(3);
  });

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
