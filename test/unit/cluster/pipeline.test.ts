import { expect } from "chai";
import { clusterChunks } from "../../../services/cluster/pipeline.ts";
import { syntheticChunks } from "./synthetic.ts";

const SOURDOUGH = ["sourdough", "bread", "baking", "flour", "oven", "starter", "loaf", "dough"];

describe("cluster: pipeline", function () {
  this.timeout(180_000);
  // Five generated topics plus 40 chunks about sourdough baking (topic 5).
  const chunks = syntheticChunks({
    sizes: [90, 80, 70, 60, 50, 40],
    vocabularies: [undefined, undefined, undefined, undefined, undefined, SOURDOUGH],
    seed: 21,
  });
  let result: Awaited<ReturnType<typeof clusterChunks>>;
  const stages: string[] = [];
  const fractions: number[] = [];

  before(async () => {
    result = await clusterChunks(chunks, { autoK: { kMax: 10 }, seed: 1 }, (fraction, stage) => {
      fractions.push(fraction);
      stages.push(stage);
    });
  });

  it("chooses the planted number of topics and assigns every chunk", () => {
    expect(result.k).to.equal(6);
    expect(result.kSelection?.criterion).to.equal("silhouette-over-reference");
    expect(result.assignments.chunkIds).to.deep.equal(chunks.map((c) => c.id));
    expect(result.clusters.map((c) => c.size)).to.deep.equal([90, 80, 70, 60, 50, 40]);
    expect(result.reducedDims).to.equal(48);
  });

  it("recovers the planted sourdough topic as its own cluster, labelled by its words", () => {
    const ids = new Set(result.assignments.chunkIds.filter((_, i) => result.assignments.clusters[i] === 5));
    expect([...ids].every((id) => id.startsWith("t5-"))).to.equal(true);
    const cluster = result.clusters[5];
    expect(cluster.size).to.equal(40);
    expect(cluster.terms.slice(0, 5).every((t) => SOURDOUGH.some((w) => t.term.includes(w)))).to.equal(true);
    expect(cluster.label.split(", ").some((part) => SOURDOUGH.includes(part))).to.equal(true);
    expect(cluster.label).to.not.match(/\b(lol|ok|the)\b/);
  });

  it("describes each cluster: representatives inside it, participants counted, unit centroid", () => {
    for (const cluster of result.clusters) {
      const members = new Set(
        result.assignments.chunkIds.filter((_, i) => result.assignments.clusters[i] === cluster.id),
      );
      expect(cluster.representatives).to.have.length(5);
      expect(cluster.representatives.every((r) => members.has(r.chunkId))).to.equal(true);
      const similarities = cluster.representatives.map((r) => r.similarity);
      expect(similarities).to.deep.equal([...similarities].sort((a, b) => b - a));
      // Two messages per synthetic chunk.
      expect(cluster.participants.reduce((a, p) => a + p.count, 0)).to.equal(2 * cluster.size);
      expect(Math.hypot(...cluster.centroid)).to.be.closeTo(1, 1e-4);
    }
  });

  it("adds topics over time, detects the language, reports progress and is JSON-serialisable", () => {
    expect(result.overTime?.granularity).to.equal("week");
    expect(result.languages).to.deep.equal(["en"]);
    expect(fractions[fractions.length - 1]).to.equal(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).to.equal(true);
    expect(stages).to.include.members(["pca", "choose-k", "kmeans", "done"]);
    expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result);
  });

  it("gives the same result for the same seed, with a map when asked", async () => {
    const small = chunks.filter((_, i) => i % 2 === 0);
    const a = await clusterChunks(small, { k: 6, map: { nEpochs: 50 }, seed: 3 });
    const b = await clusterChunks(small, { k: 6, map: { nEpochs: 50 }, seed: 3 });
    expect(a.assignments).to.deep.equal(b.assignments);
    expect(a.map?.points).to.deep.equal(b.map?.points);
    expect(a.map?.points).to.have.length(small.length);
  });
});
