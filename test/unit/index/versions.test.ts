import { expect } from "chai";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleGit } from "simple-git";
import { clusteredVectors } from "../../../bench/index-clustered-data.ts";
import { indexDir } from "../../../services/index/index-key.ts";
import { IndexVersions, VersionNotFoundError } from "../../../services/index/versions.ts";
import { availableBackends } from "../../../services/index/engines.ts";
import { VectorIndex } from "../../../services/index/vector-index.ts";
import { entries, tempDir } from "./helpers.ts";

const dim = 32;
// Named, not the process default: an index service started earlier in the same mocha process
// (INDEX_ENGINE=usearch in engines.test.ts) changes that default.
const backend = availableBackends()[0]!;
const engineFile = `index.${backend}`;
const key = { datasetId: "ds-1", modelId: "Xenova/all-MiniLM-L6-v2" };
const other = { datasetId: "ds-2", modelId: "use-lite" };

describe("index/IndexVersions", function () {
  this.timeout(90_000);
  let root: string;
  let cleanups: Array<() => Promise<void>> = [];
  const data = clusteredVectors({ count: 300, dim, clusters: 5 });
  const all = entries(data.vectors, dim);

  beforeEach(async () => {
    const t = await tempDir("versions");
    const c = await tempDir("versions-cache");
    root = t.dir;
    cleanups = [t.cleanup, c.cleanup];
    versions = await IndexVersions.open(root, { keepLast: 2, cacheDir: c.dir });
  });
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  let versions: IndexVersions;

  async function saveVersion(k: typeof key, chunks: typeof all, importId: string) {
    const index = await VectorIndex.rebuild(chunks, { dim, backend });
    await index.save(indexDir(root, k));
    await index.dispose();
    return versions.commit(k, { chunkingVersion: "gap-30m-v1", importIds: [importId] });
  }

  it("commits versions with a manifest and lists them newest first", async () => {
    const v1 = await saveVersion(key, all.slice(0, 100), "imp-1");
    await saveVersion(other, all.slice(0, 10), "imp-x");
    const v2 = await saveVersion(key, all.slice(0, 150), "imp-2");
    expect([v1.version, v2.version]).to.deep.equal([1, 2]);
    const list = await versions.list(key);
    expect(list.map((v) => v.version)).to.deep.equal([2, 1]);
    const m = list[0]!.manifest;
    expect(m).to.include({
      datasetId: "ds-1",
      modelId: key.modelId,
      dimension: dim,
      vectorCount: 150,
      chunkingVersion: "gap-30m-v1",
    });
    expect(m.engine.kind).to.equal("flat");
    expect(m.importIds).to.deep.equal(["imp-2"]);
    expect(Object.keys(m.checksums)).to.have.members([engineFile, "chunks.tsv", "index.json"]);
    expect(m.checksums[engineFile]).to.match(/^[0-9a-f]{64}$/);
    // The other index's versions are separate, and each commit holds only its own index.
    expect((await versions.list(other)).map((v) => v.version)).to.deep.equal([1]);
    const files = await simpleGit(root).raw(["ls-tree", "-r", "--name-only", v2.commit]);
    expect(
      files
        .trim()
        .split("\n")
        .every((f) => f.startsWith("ds-1/")),
    ).to.equal(true);
  });

  it("makes no version without a change: the same files, chunking and imports answer the latest version", async () => {
    const v1 = await saveVersion(key, all.slice(0, 100), "imp-1");
    const again = await saveVersion(key, all.slice(0, 100), "imp-1");
    expect(again).to.include({ version: 1, commit: v1.commit, unchanged: true });
    expect((await versions.list(key)).map((v) => v.version)).to.deep.equal([1]);
    // Each real change is one version: other chunks, or the same chunks covering another import.
    expect((await saveVersion(key, all.slice(0, 101), "imp-1")).version).to.equal(2);
    expect((await saveVersion(key, all.slice(0, 101), "imp-2")).version).to.equal(3);
    expect((await saveVersion(key, all.slice(0, 101), "imp-2")).unchanged).to.equal(true);
    expect((await versions.list(key)).map((v) => v.version)).to.deep.equal([3, 2, 1]);
  });

  it("compares two versions by chunk ids", async () => {
    await saveVersion(key, all.slice(0, 100), "imp-1");
    await saveVersion(key, all.slice(50, 120), "imp-2");
    const diff = await versions.compare(key, 1, 2);
    expect(diff).to.include({ fromCount: 100, toCount: 70 });
    expect(diff.added).to.have.length(20);
    expect(diff.removed).to.have.length(50);
    expect(diff.added).to.include("c100");
    expect(diff.removed).to.include("c0");
  });

  it("rolls back to an old version as a new commit and restores the files", async () => {
    await saveVersion(key, all.slice(0, 100), "imp-1");
    await saveVersion(key, all.slice(0, 200), "imp-2");
    const v3 = await versions.rollback(key, 1);
    expect(v3.version).to.equal(3);
    expect(v3.manifest).to.include({ vectorCount: 100, restoredFrom: 1 });
    const restored = await VectorIndex.load(indexDir(root, key));
    expect(restored.size).to.equal(100);
    await restored.dispose();
    const [latest] = await versions.list(key);
    expect(latest!.message).to.contain("rollback to v1");
    let missing: unknown;
    await versions.rollback(key, 42).catch((error) => (missing = error));
    expect(missing).to.be.instanceOf(VersionNotFoundError);
  });

  it("keeps the last N plus pinned versions and really frees the others' blobs", async () => {
    const v1 = await saveVersion(key, all.slice(0, 100), "imp-1");
    await saveVersion(key, all.slice(0, 150), "imp-2");
    await saveVersion(key, all.slice(0, 200), "imp-3");
    await saveVersion(key, all.slice(0, 250), "imp-4");
    await versions.pin(key, 1);
    await versions.pin(key, 3);
    await versions.unpin(key, 3);
    expect((await versions.list(key)).filter((v) => v.pinned).map((v) => v.version)).to.deep.equal([1]);

    const v2Faiss = (
      await simpleGit(root).raw([
        "rev-parse",
        `refs/tags/v/ds-1/Xenova%2fall-MiniLM-L6-v2/2:ds-1/Xenova%2fall-MiniLM-L6-v2/${engineFile}`,
      ])
    ).trim();
    const result = await versions.applyRetention(key, { keepLast: 1 });
    expect(result.deleted).to.deep.equal([3, 2]);
    expect(result.kept).to.deep.equal([4, 1]);
    expect((await versions.list(key)).map((v) => v.version)).to.deep.equal([4, 1]);
    const gone = await simpleGit(root)
      .raw(["cat-file", "-t", v2Faiss])
      .then(
        () => false,
        () => true,
      );
    expect(gone, "v2's index blob was pruned").to.equal(true);
    expect((await versions.get(key, 1)).commit).to.equal(v1.commit);
    // The next version number continues after the newest kept one.
    expect((await saveVersion(key, all.slice(0, 10), "imp-5")).version).to.equal(5);
  });

  it("checks out an old version read-only for federated search", async () => {
    await saveVersion(key, all.slice(0, 100), "imp-1");
    await saveVersion(key, all.slice(0, 200), "imp-2");
    const dir = await versions.checkout(key, 1);
    expect(await versions.checkout(key, 1)).to.equal(dir);
    const old = await VectorIndex.load(dir);
    expect(old.size).to.equal(100);
    expect(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")).vectorCount).to.equal(100);
    await old.dispose();
    const live = await VectorIndex.load(indexDir(root, key));
    expect(live.size).to.equal(200);
    await live.dispose();
  });
});

const dropDim = 16;
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
      const data = entries(clusteredVectors({ count: 50, dim: dropDim, clusters: 3 }).vectors, dropDim);
      const keys = [
        { datasetId: "ds-a", modelId: "use-lite" },
        { datasetId: "ds-a", modelId: "Xenova/all-MiniLM-L6-v2" },
        { datasetId: "ds-b", modelId: "use-lite" },
      ];
      for (const key of keys) {
        const index = await VectorIndex.rebuild(data, { dim: dropDim });
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
