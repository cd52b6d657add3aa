import { expect } from "chai";
import { federatedMerge, reciprocalRankFusion, weightedScoreFusion } from "../../../services/index/fusion.ts";

const hits = (...ids: Array<[string, number]>) => ids.map(([chunkId, score]) => ({ chunkId, score }));

describe("index/fusion", () => {
  it("reciprocal rank fusion sums 1/(k + rank)", () => {
    const fused = reciprocalRankFusion([
      { name: "vector", hits: hits(["a", 0.9], ["b", 0.8], ["c", 0.7]) },
      { name: "keyword", hits: hits(["c", 12], ["a", 3]) },
    ]);
    expect(fused.map((h) => h.chunkId)).to.deep.equal(["a", "c", "b"]);
    expect(fused[0]!.score).to.be.closeTo(1 / 61 + 1 / 62, 1e-12);
    expect(fused[1]!.score).to.be.closeTo(1 / 63 + 1 / 61, 1e-12);
    expect(fused[2]!.score).to.be.closeTo(1 / 62, 1e-12);
    expect(fused[0]!.sources).to.deep.equal(["vector", "keyword"]);
  });

  it("reciprocal rank fusion honours k, weights and duplicate entries", () => {
    const fused = reciprocalRankFusion([{ name: "v", hits: hits(["a", 1], ["a", 0.5]), weight: 2 }], 10);
    expect(fused).to.have.length(1);
    expect(fused[0]!.score).to.be.closeTo(2 / 11, 1e-12);
    expect(reciprocalRankFusion([])).to.deep.equal([]);
  });

  it("weighted score fusion min-max normalises each list", () => {
    const fused = weightedScoreFusion([
      { name: "vector", hits: hits(["a", 0.9], ["b", 0.5], ["c", 0.1]), weight: 0.7 },
      { name: "keyword", hits: hits(["c", 30], ["b", 10]), weight: 0.3 },
    ]);
    const score = Object.fromEntries(fused.map((h) => [h.chunkId, h.score]));
    expect(score.a).to.be.closeTo(0.7, 1e-12);
    expect(score.b).to.be.closeTo(0.7 * 0.5 + 0, 1e-12);
    expect(score.c).to.be.closeTo(0 + 0.3, 1e-12);
    expect(fused.map((h) => h.chunkId)).to.deep.equal(["a", "b", "c"]);
    expect(weightedScoreFusion([{ name: "one", hits: hits(["x", 5], ["y", 5]) }]).map((h) => h.score)).to.deep.equal([
      1, 1,
    ]);
  });

  it("federated merge dedupes by chunk id or message id and keeps the origin", () => {
    const merged = federatedMerge([
      {
        datasetId: "d1",
        version: 3,
        hits: [
          { chunkId: "a", score: 0.9, messageId: "m1" },
          { chunkId: "b", score: 0.5, messageId: "m2" },
        ],
      },
      { datasetId: "d1", version: 2, hits: [{ chunkId: "a", score: 0.8, messageId: "m1" }] },
      {
        datasetId: "d2",
        hits: [
          { chunkId: "z", score: 0.95, messageId: "m2" },
          { chunkId: "y", score: 0.1 },
        ],
      },
    ]);
    expect(merged.map((h) => [h.chunkId, h.datasetId, h.version])).to.deep.equal([
      ["z", "d2", undefined],
      ["a", "d1", 3],
      ["b", "d1", 3],
      ["y", "d2", undefined],
    ]);
    expect(merged[1]!.alsoIn).to.deep.equal([{ datasetId: "d1", version: 2 }]);

    const byMessage = federatedMerge(
      [
        { datasetId: "d1", version: 3, hits: [{ chunkId: "b", score: 0.5, messageId: "m2" }] },
        { datasetId: "d2", hits: [{ chunkId: "z", score: 0.95, messageId: "m2" }] },
      ],
      { dedupeBy: "messageId", k: 5 },
    );
    expect(byMessage.map((h) => h.chunkId)).to.deep.equal(["z"]);
    expect(byMessage[0]!.alsoIn).to.deep.equal([{ datasetId: "d1", version: 3 }]);
  });
});
