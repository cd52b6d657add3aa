import { expect } from "chai";
import { fromRows } from "../../../services/cluster/matrix.ts";
import { computeMap } from "../../../services/cluster/projection.ts";
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
});
