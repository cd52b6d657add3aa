import { expect } from "chai";
import {
  DEFAULT_WEIGHTS,
  fuseResults,
  messageUnit,
  type KeywordUnitHit,
  type SemanticHit,
} from "../../../services/index/search.ts";

const ds = "ds-1";
const semantic = (chunkId: string, score: number): SemanticHit => ({ chunkId, score, datasetId: ds, alsoIn: [] });
const keyword = (messageId: number, unit: string, rank: number, coverage = 1): KeywordUnitHit => ({
  messageId,
  unit,
  datasetId: ds,
  rank,
  coverage,
});
const options = { fusion: "weighted" as const, k: 60, weights: { ...DEFAULT_WEIGHTS } };

describe("index/search: hybrid fusion at the level of messages", () => {
  it("makes each keyword-matching message of a chunk a hit of its own, each with the chunk's semantic share", () => {
    const fused = fuseResults(
      "hybrid",
      [semantic("c1", 0.9), semantic("c2", 0.5)],
      [keyword(11, "c1", 8), keyword(12, "c1", 4), keyword(31, "c3", 6)],
      options,
    );
    expect(fused.map((f) => f.unit)).to.deep.equal([messageUnit(11), messageUnit(31), messageUnit(12), "c2"]);
    const byUnit = new Map(fused.map((f) => [f.unit, f]));
    // Keyword scores 8, 6, 4 normalise to 1, 0.5, 0 (× 4); semantic 0.9, 0.5 to 1, 0 (× 1).
    expect(byUnit.get(messageUnit(11))!.scores.fused).to.be.closeTo(5, 1e-9);
    expect(byUnit.get(messageUnit(12))!.scores.fused).to.be.closeTo(1, 1e-9);
    expect(byUnit.get(messageUnit(31))!.scores.fused).to.be.closeTo(2, 1e-9);
    expect(byUnit.get(messageUnit(12))).to.include({ chunkId: "c1", keywordMessageId: 12 });
    expect(byUnit.get(messageUnit(12))!.scores.semantic).to.equal(0.9);
    // A chunk no keyword hit falls in stands as a semantic hit.
    expect(byUnit.get("c2")).to.include({ chunkId: "c2", keywordMessageId: undefined });
  });

  it("lets a keyword hit holding under 30 % of the query count nothing (weighted) or under half (RRF)", () => {
    const hits = [keyword(1, "c1", 9, 0.2), keyword(2, "c2", 5, 0.4), keyword(3, "c4", 1)];
    const weighted = fuseResults("hybrid", [semantic("c3", 0.8)], hits, options);
    expect(weighted.find((f) => f.unit === messageUnit(1))!.scores.fused).to.equal(0);
    expect(weighted.find((f) => f.unit === messageUnit(2))!.scores.fused).to.be.greaterThan(0);
    const rrf = fuseResults("hybrid", [semantic("c3", 0.8)], hits, { ...options, fusion: "rrf" });
    expect(rrf.find((f) => f.unit === messageUnit(2))!.scores.fused).to.equal(0);
    expect(rrf.find((f) => f.unit === messageUnit(1))!.scores.fused).to.equal(0);
    expect(rrf.find((f) => f.unit === "c3")!.scores.fused).to.be.closeTo(1 / 61, 1e-9);
  });

  it("keeps a keyword hit outside every chunk as a message of its own", () => {
    const fused = fuseResults("hybrid", [semantic("c1", 0.7)], [keyword(5, messageUnit(5), 3)], options);
    expect(fused.find((f) => f.unit === messageUnit(5))).to.include({ chunkId: undefined, keywordMessageId: 5 });
  });
});
