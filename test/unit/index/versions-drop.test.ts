import { expect } from "chai";
import { access } from "node:fs/promises";
import { clusteredVectors } from "../../../bench/index-clustered-data.ts";
import { indexDir } from "../../../services/index/index-key.ts";
import { IndexVersions } from "../../../services/index/versions.ts";
import { VectorIndex } from "../../../services/index/vector-index.ts";
import { entries, tempDir } from "./helpers.ts";

const dim = 16;
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("index/IndexVersions.dropDataset", function () {
  this.timeout(90_000);

  it("removes every model's versions, pins, files and checkouts of one dataset and nothing of another", async () => {
    const t = await tempDir("versions-drop");
    const c = await tempDir("versions-drop-cache");
    try {
      const versions = await IndexVersions.open(t.dir, { cacheDir: c.dir });
      const data = entries(clusteredVectors({ count: 50, dim, clusters: 3 }).vectors, dim);
      const keys = [
        { datasetId: "ds-a", modelId: "use-lite" },
        { datasetId: "ds-a", modelId: "Xenova/all-MiniLM-L6-v2" },
        { datasetId: "ds-b", modelId: "use-lite" },
      ];
      for (const key of keys) {
        const index = await VectorIndex.rebuild(data, { dim });
        await index.save(indexDir(t.dir, key));
        await index.dispose();
        await versions.commit(key, { chunkingVersion: "v1", importIds: [] });
      }
      await versions.pin(keys[0]!, 1);
      const checkout = await versions.checkout(keys[1]!, 1);

      const dropped = await versions.dropDataset("ds-a");
      expect(dropped).to.deep.equal(["Xenova/all-MiniLM-L6-v2", "use-lite"]);
      expect(await versions.list(keys[0]!)).to.deep.equal([]);
      expect(await versions.list(keys[1]!)).to.deep.equal([]);
      expect(await exists(indexDir(t.dir, keys[0]!))).to.equal(false);
      expect(await exists(checkout)).to.equal(false);
      expect((await versions.list(keys[2]!)).map((v) => v.version)).to.deep.equal([1]);
      expect(await exists(indexDir(t.dir, keys[2]!))).to.equal(true);
      expect(await versions.dropDataset("ds-unknown")).to.deep.equal([]);
    } finally {
      await t.cleanup();
      await c.cleanup();
    }
  });
});
