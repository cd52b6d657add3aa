import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { availableBackends, type IndexBackend } from "../../../services/index/engines.ts";
import { indexDir } from "../../../services/index/index-key.ts";
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
      // The three uses overlap for certain: each waits inside until all three are in.
      let entered = 0;
      let allIn!: () => void;
      const together = new Promise<void>((resolve) => (allIn = resolve));
      const sizes = await Promise.all(
        [1, 2, 3].map(() =>
          manager.use(key, async (index) => {
            if (++entered === 3) allIn();
            await together;
            expect(manager.stats()).to.have.length(1); // over the budget, but in use: not evicted
            return (await index.search(data.vectors.subarray(0, dim), 1))[0]!.chunkId;
          }),
        ),
      );
      expect(sizes).to.deep.equal(["c0", "c0", "c0"]);
      await manager.close();
    } finally {
      await cleanup();
    }
  });

  // An index saved by one engine, opened where the other runs (FAISS files on a machine without
  // the binding, or the reverse after installing FAISS): rebuilt from the stored vectors, and its
  // manifest then records the new engine. Both directions need the FAISS binding to make the files.
  for (const [from, to] of [
    ["faiss", "usearch"],
    ["usearch", "faiss"],
  ] as Array<[IndexBackend, IndexBackend]>) {
    it(`rebuilds an index saved by ${from} from the stored vectors when ${to} runs`, async function () {
      if (!availableBackends().includes("faiss")) this.skip();
      const { dir, cleanup } = await tempDir("mgr");
      try {
        const key = { datasetId: "d", modelId: "m" };
        const data = clusteredVectors({ count: 300, dim, clusters: 4 });
        const stored = entries(data.vectors, dim);
        const first = new IndexManager({ root: dir, memoryBudgetBytes: 1e9, indexConfig: { backend: from } });
        await first.use(key, (index) => index.add(stored), { dim });
        await first.close();
        const manifest = async () =>
          JSON.parse(await readFile(path.join(indexDir(dir, key), "index.json"), "utf8")) as {
            backend: string;
            files: string[];
          };
        expect((await manifest()).backend).to.equal(from);

        const switches: string[] = [];
        const second = new IndexManager({
          root: dir,
          memoryBudgetBytes: 1e9,
          indexConfig: { backend: to },
          storedVectors: async function* () {
            yield* stored;
          },
          onEngineSwitch: (_key, a, b) => switches.push(`${a}->${b}`),
        });
        const hit = await second.use(key, async (index) => {
          expect(index.backend).to.equal(to);
          expect(index.size).to.equal(300);
          return (await index.search(data.vectors.subarray(7 * dim, 8 * dim), 1))[0]!.chunkId;
        });
        expect(hit).to.equal("c7");
        expect(switches).to.deep.equal([`${from}->${to}`]);
        await second.close();
        const after = await manifest();
        expect(after.backend).to.equal(to);
        expect(after.files[0]).to.equal(to === "faiss" ? "index.faiss" : "index.usearch");
      } finally {
        await cleanup();
      }
    });
  }
});
