import { expect } from "chai";
import { chooseK, meanSilhouette } from "../../../services/cluster/auto-k.ts";
import { fromRows } from "../../../services/cluster/matrix.ts";
import { fitPca, projectPca } from "../../../services/cluster/pca.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { syntheticChunks } from "./synthetic.ts";

describe("cluster: automatic k", () => {
  const chunks = syntheticChunks({ sizes: [80, 60, 70, 50, 90, 40], seed: 11 });
  const vectors = fromRows(chunks.map((c) => c.vector));

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
