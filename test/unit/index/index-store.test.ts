import { expect } from "chai";
import { clusteredVectors } from "../../../bench/index-clustered-data.ts";
import { IndexStore } from "../../../services/index/index-store.ts";
import { entries, tempDir } from "./helpers.ts";

const dim = 16;
const key = { datasetId: "ds-1", modelId: "m" };

describe("index/IndexStore: versions only for real changes", function () {
  this.timeout(60_000);
  let store: IndexStore;
  let cleanup: () => Promise<void>;
  const all = entries(clusteredVectors({ count: 60, dim, clusters: 3 }).vectors, dim);

  beforeEach(async () => {
    const t = await tempDir("index-store");
    cleanup = t.cleanup;
    store = await IndexStore.open({
      root: t.dir,
      memoryBudgetBytes: 64 * 1024 * 1024,
      exactThreshold: 10_000,
      keepVersions: 2,
      commitIntervalMs: 60_000,
      gcDelayMs: 60_000,
      sources: async () => ({ chunkingVersion: "v1", importIds: ["imp-1"] }),
      onCommitError: (_k, e) => {
        throw e;
      },
    });
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  const versions = async () => (await store.versions.list(key)).map((v) => v.version);

  it("a settled dataset's redelivered batches make no new version; new vectors make one", async () => {
    await store.add(key, all.slice(0, 30), true);
    expect(await versions()).to.deep.equal([1]);
    // The same batch again (a redelivered embed job), several times: nothing changed.
    for (let i = 0; i < 5; i++) await store.add(key, all.slice(0, 30), true);
    await store.add(key, all.slice(10, 20), true);
    expect(await versions()).to.deep.equal([1]);
    await store.add(key, all.slice(30, 40), true);
    expect(await versions()).to.deep.equal([2, 1]);
  });

  it("retention drops expired versions at once; the repository gc waits for the background", async () => {
    for (let i = 1; i <= 4; i++) await store.add(key, all.slice(0, 10 * i), true);
    expect(await versions()).to.deep.equal([4, 3]);
  });

  it("close waits for a commit already under way, so nothing runs on after a stop", async () => {
    const adding = store.add(key, all.slice(0, 30), true);
    const closing = store.close();
    let committed = false;
    await adding.then(() => (committed = true));
    await closing;
    expect(committed).to.equal(true);
    // The commit ended whole before close disposed the index: the repository lists its version.
    expect(await versions()).to.deep.equal([1]);
  });
});
