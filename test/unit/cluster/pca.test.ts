import { expect } from "chai";
import { fromRows } from "../../../services/cluster/matrix.ts";
import { fitPca } from "../../../services/cluster/pca.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { syntheticChunks } from "./synthetic.ts";

describe("cluster: PCA", () => {
  const chunks = syntheticChunks({ sizes: [80, 60, 70, 50, 90, 40], seed: 11 });
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
});
