import { expect } from "chai";
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

describe("cluster: k-means", () => {
  const chunks = syntheticChunks({ sizes: [80, 60, 70, 50, 90, 40], seed: 11 });
  const truth = chunks.map((c) => Number(c.id.split("-")[0].slice(1)));
  const vectors = fromRows(chunks.map((c) => c.vector));

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
});
