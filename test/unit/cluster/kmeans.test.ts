import { expect } from "chai";
import { chooseK, meanSilhouette } from "../../../services/cluster/auto-k.ts";
import { fitKMeans } from "../../../services/cluster/kmeans.ts";
import { fromRows } from "../../../services/cluster/matrix.ts";
import { fitPca, projectPca } from "../../../services/cluster/pca.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { syntheticChunks } from "./synthetic.ts";

/** Fraction of points whose cluster's majority topic is their own topic. */
function purity(labels: ArrayLike<number>, truth: number[]): number {
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < truth.length; i++) {
    const v = votes.get(labels[i]) ?? new Map<number, number>();
    v.set(truth[i], (v.get(truth[i]) ?? 0) + 1);
    votes.set(labels[i], v);
  }
  let agree = 0;
  for (const v of votes.values()) agree += Math.max(...v.values());
  return agree / truth.length;
}

describe("cluster: PCA, k-means and automatic k", () => {
  const chunks = syntheticChunks({ sizes: [80, 60, 70, 50, 90, 40], seed: 11 });
  const truth = chunks.map((c) => Number(c.id.split("-")[0].slice(1)));
  const vectors = fromRows(chunks.map((c) => c.vector));

  it("PCA components are orthonormal and ordered by variance", () => {
    const model = fitPca(vectors, 8, seededRandom(1));
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        let dot = 0;
        for (let d = 0; d < model.inputDim; d++) dot += model.components[a * 512 + d] * model.components[b * 512 + d];
        expect(dot).to.be.closeTo(a === b ? 1 : 0, 1e-6);
      }
    }
    for (let c = 1; c < 8; c++) expect(model.variances[c]).to.be.at.most(model.variances[c - 1] + 1e-12);
  });

  it("PCA finds a planted direction of high variance", () => {
    const random = seededRandom(3);
    const rows = Array.from({ length: 400 }, () => {
      const v = new Float32Array(16).map(() => (random() - 0.5) * 0.1);
      v[5] += (random() - 0.5) * 10;
      return v;
    });
    const model = fitPca(fromRows(rows), 2, random);
    expect(Math.abs(model.components[5])).to.be.greaterThan(0.99);
  });

  it("k-means on the PCA-reduced vectors recovers planted blobs", () => {
    const reduced = projectPca(fitPca(vectors, 16, seededRandom(2)), vectors);
    const fit = fitKMeans(reduced, 6, seededRandom(2));
    expect(purity(fit.labels, truth)).to.equal(1);
  });

  it("fitting on a sample and assigning the rest still recovers the blobs", () => {
    const reduced = projectPca(fitPca(vectors, 16, seededRandom(2)), vectors);
    const fit = fitKMeans(reduced, 6, seededRandom(4), { fitSampleSize: 120 });
    expect(purity(fit.labels, truth)).to.equal(1);
  });

  it("automatic k finds the planted number of topics", async () => {
    const reduced = projectPca(fitPca(vectors, 16, seededRandom(2)), vectors);
    const selection = await chooseK(reduced, seededRandom(5), { kMin: 2, kMax: 12 });
    expect(selection.criterion).to.equal("silhouette-over-reference");
    expect(selection.k).to.equal(6);
    expect(selection.scores.map((s) => s.k)).to.include.members([2, 6, 12]);
  });

  it("silhouette: 1 for far-apart tight pairs, 0 for singletons", () => {
    // Points 0,1 at distance 0; 2,3 at distance 0; the two pairs 10 apart.
    const d = new Float32Array([0, 0, 10, 10, 0, 0, 10, 10, 10, 10, 0, 0, 10, 10, 0, 0]);
    expect(meanSilhouette(d, Int32Array.from([0, 0, 1, 1]), 2)).to.equal(1);
    expect(meanSilhouette(d, Int32Array.from([0, 1, 2, 3]), 4)).to.equal(0);
  });
});
