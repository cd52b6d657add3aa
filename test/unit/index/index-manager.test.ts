import { expect } from "chai";
import { IndexManager, IndexNotFoundError } from "../../../services/index/index-manager.ts";
import { clusteredVectors } from "../../../bench/index-clustered-data.ts";
import { entries, tempDir } from "./helpers.ts";

const dim = 64;

describe("index/IndexManager", () => {
  it("loads on demand and evicts the least recently used index under the memory budget", async () => {
    const { dir, cleanup } = await tempDir("mgr");
    try {
      const data = clusteredVectors({ count: 1000, dim, clusters: 10 });
      // One 1000 × 64 index is about 0.4 MB by the estimate: room for two, not three.
      const manager = new IndexManager({ root: dir, memoryBudgetBytes: 900_000 });
      const keys = ["a", "b", "c"].map((datasetId) => ({ datasetId, modelId: "use-lite" }));
      for (const key of keys) {
        await manager.use(key, (index) => index.add(entries(data.vectors, dim)), { dim });
      }
      expect(manager.stats().map((s) => s.key.datasetId)).to.deep.equal(["b", "c"]);

      // "a" was saved when evicted and comes back from disk; "b" is then the least recently used.
      expect(await manager.use(keys[0]!, async (index) => index.size)).to.equal(1000);
      expect(manager.stats().map((s) => s.key.datasetId)).to.deep.equal(["c", "a"]);
      expect(manager.stats().reduce((sum, s) => sum + s.bytes, 0)).to.be.at.most(900_000);

      let missing: unknown;
      await manager.use({ datasetId: "none", modelId: "m" }, async () => undefined).catch((error) => (missing = error));
      expect(missing).to.be.instanceOf(IndexNotFoundError);
      await manager.close();
    } finally {
      await cleanup();
    }
  });

  it("never evicts an index while it is in use and shares concurrent loads", async () => {
    const { dir, cleanup } = await tempDir("mgr");
    try {
      const manager = new IndexManager({ root: dir, memoryBudgetBytes: 1 });
      const key = { datasetId: "d", modelId: "Xenova/all-MiniLM-L6-v2" };
      const data = clusteredVectors({ count: 200, dim, clusters: 4 });
      await manager.use(key, (index) => index.add(entries(data.vectors, dim)), { dim });
      expect(manager.stats()).to.have.length(0);
      const sizes = await Promise.all([1, 2, 3].map(() => manager.use(key, async (index) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return (await index.search(data.vectors.subarray(0, dim), 1))[0]!.chunkId;
      })));
      expect(sizes).to.deep.equal(["c0", "c0", "c0"]);
      await manager.close();
    } finally {
      await cleanup();
    }
  });
});
