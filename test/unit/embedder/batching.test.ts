import { expect } from "chai";
import fc from "fast-check";
import { paddingWaste, planBatches } from "../../../services/embedder/batching.ts";

describe("planBatches", function () {
  it("places every input exactly once and respects the limits", function () {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 128 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.integer({ min: 1, max: 64 }),
        (lengths, tokenBudget, maxBatchSize) => {
          const batches = planBatches(lengths, { tokenBudget, maxBatchSize });
          expect(batches.flat().sort((a, b) => a - b)).to.deep.equal(lengths.map((_, i) => i));
          for (const batch of batches) {
            expect(batch.length).to.be.within(1, maxBatchSize);
            const longest = Math.max(1, ...batch.map((i) => lengths[i]!));
            if (batch.length > 1) expect(batch.length * longest).to.be.at.most(tokenBudget);
          }
        },
      ),
    );
  });

  it("keeps padding waste small on a realistic mix of chat lengths", function () {
    const lengths = Array.from({ length: 2000 }, (_, i) => 1 + ((i * 7919) % 97));
    const plan = planBatches(lengths, { tokenBudget: 4096, maxBatchSize: 64 });
    expect(paddingWaste(lengths, plan)).to.be.lessThan(0.05);
    const unsorted = Array.from({ length: Math.ceil(lengths.length / 64) }, (_, b) =>
      Array.from({ length: Math.min(64, lengths.length - b * 64) }, (_, i) => b * 64 + i),
    );
    expect(paddingWaste(lengths, unsorted)).to.be.greaterThan(0.3);
  });

  it("gives a row longer than the budget a batch of its own", function () {
    expect(planBatches([500, 10, 10], { tokenBudget: 100, maxBatchSize: 8 })).to.deep.equal([[0], [1, 2]]);
  });
});
