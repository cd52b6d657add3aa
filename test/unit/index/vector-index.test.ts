import { expect } from "chai";
import { clusteredQueries, clusteredVectors } from "../../../bench/index-clustered-data.ts";
import { availableBackends, type IndexBackend } from "../../../services/index/engines.ts";
import { VectorIndex } from "../../../services/index/vector-index.ts";
import { entries, tempDir } from "./helpers.ts";
import { loopTurnsWhile } from "../../helpers/loop-turns.ts";

const dim = 32;

function basis(i: number): number[] {
  const v = new Array<number>(dim).fill(0);
  v[i % dim] = 1;
  return v;
}

// The same suite runs against every engine: FAISS where its binding was built, usearch always.
for (const backend of ["faiss", "usearch"] as IndexBackend[])
  describe(`index/VectorIndex (${backend})`, function () {
    before(function () {
      // Skipped, with the reason in the title, where the FAISS binding was not built (no libfaiss).
      if (!availableBackends().includes(backend)) this.skip();
    });

    it("maps string chunk ids to results and scores by cosine", async () => {
      const index = VectorIndex.create({ backend, dim });
      await index.add([
        { chunkId: "chunk:a", vector: basis(0) },
        { chunkId: "chunk:b", vector: basis(1).map((x) => x * 5) },
      ]);
      const hits = await index.search(basis(1), 2);
      expect(hits.map((h) => h.chunkId)).to.deep.equal(["chunk:b", "chunk:a"]);
      expect(hits[0]!.score).to.be.closeTo(1, 1e-6);
      await index.dispose();
    });

    it("is idempotent: re-adding a chunk id replaces its vector, never duplicates", async () => {
      const index = VectorIndex.create({ backend, dim });
      expect(
        await index.add([
          { chunkId: "x", vector: basis(0) },
          { chunkId: "y", vector: basis(1) },
        ]),
      ).to.deep.equal({ added: 2, replaced: 0 });
      expect(
        await index.add([
          { chunkId: "x", vector: basis(2) },
          { chunkId: "x", vector: basis(3) },
        ]),
      ).to.deep.equal({ added: 0, replaced: 1 });
      expect(index.size).to.equal(2);
      const hits = await index.search(basis(3), 5);
      expect(hits.map((h) => h.chunkId)).to.deep.equal(["x", "y"]);
      expect(hits[0]!.score).to.be.closeTo(1, 1e-6);
      await index.dispose();
    });

    it("removes by chunk id and ignores unknown ids", async () => {
      const index = VectorIndex.create({ backend, dim });
      await index.add([0, 1, 2].map((i) => ({ chunkId: `c${i}`, vector: basis(i) })));
      expect(await index.remove(["c1", "nope"])).to.equal(1);
      expect(index.has("c1")).to.equal(false);
      expect((await index.search(basis(1), 3)).map((h) => h.chunkId)).to.have.members(["c0", "c2"]);
      await index.dispose();
    });

    it("rejects bad input", async () => {
      const index = VectorIndex.create({ backend, dim });
      await expectReject(index.add([{ chunkId: "a", vector: [1, 2] }]));
      await expectReject(index.add([{ chunkId: "a\tb", vector: basis(0) }]));
      await expectReject(index.search([1], 3));
      await expectReject(index.search(basis(0), 0));
      await index.dispose();
    });

    it("filters by allow-list inside FAISS and by predicate with over-fetch", async () => {
      const data = clusteredVectors({ count: 2000, dim, clusters: 10 });
      const index = await VectorIndex.rebuild(entries(data.vectors, dim), { backend, dim });
      const query = data.vectors.subarray(0, dim);
      const allowed = ["c1500", "c1501", "c7"];
      const hits = await index.search(query, 10, { allow: [...allowed, "unknown"] });
      expect(hits.map((h) => h.chunkId)).to.have.members(allowed);
      const even = await index.search(query, 10, { filter: (id) => Number(id.slice(1)) % 2 === 0 });
      expect(even).to.have.length(10);
      expect(even.every((h) => Number(h.chunkId.slice(1)) % 2 === 0)).to.equal(true);
      expect(await index.search(query, 10, { allow: ["unknown"] })).to.deep.equal([]);
      await index.dispose();
    });

    for (const kind of ["hnsw", "ivf"] as const) {
      it(`switches from exact to ${kind} past the threshold with recall ≥ 0.95 on clustered data`, async () => {
        const shape = { count: 6000, dim: 64, clusters: 50 };
        const data = clusteredVectors(shape);
        const exact = await VectorIndex.rebuild(entries(data.vectors, shape.dim), {
          backend,
          dim: shape.dim,
          exactThreshold: 1e9,
        });
        const ann = VectorIndex.create({
          backend,
          dim: shape.dim,
          exactThreshold: 2000,
          ann: { kind, M: 16, efConstruction: 100, nlist: 64, nprobe: 8 },
        });
        const all = entries(data.vectors, shape.dim);
        await ann.add(all.slice(0, 2000));
        expect(ann.engineKind).to.equal("flat");
        await ann.add(all.slice(2000));
        // usearch has no IVF: an IVF request builds HNSW.
        expect(ann.engineKind).to.equal(backend === "usearch" ? "hnsw" : kind);
        expect(ann.backend).to.equal(backend);
        expect(ann.size).to.equal(6000);

        const queries = clusteredQueries(shape, 50);
        let found = 0;
        for (let q = 0; q < 50; q++) {
          const query = queries.subarray(q * shape.dim, (q + 1) * shape.dim);
          const truth = new Set((await exact.search(query, 10)).map((h) => h.chunkId));
          const approx = await ann.search(query, 10, { efSearch: 64, nprobe: 16 });
          found += approx.filter((h) => truth.has(h.chunkId)).length;
        }
        expect(found / 500).to.be.at.least(0.95);
        await exact.dispose();
        await ann.dispose();
      });
    }

    it("saves and loads (HNSW tombstones stay removed, labels stay unique)", async () => {
      const { dir, cleanup } = await tempDir("vi");
      try {
        const data = clusteredVectors({ count: 800, dim, clusters: 8 });
        const index = VectorIndex.create({
          backend,
          dim,
          exactThreshold: 300,
          ann: { kind: "hnsw", M: 8, efConstruction: 40 },
        });
        await index.add(entries(data.vectors, dim));
        await index.remove(["c0", "c1"]);
        expect(index.engineKind).to.equal("hnsw");
        await index.save(dir);
        expect(index.isDirty).to.equal(false);
        const query = data.vectors.subarray(5 * dim, 6 * dim);
        const before = await index.search(query, 5);

        const loaded = await VectorIndex.load(dir);
        expect(loaded.size).to.equal(798);
        expect(loaded.has("c0")).to.equal(false);
        expect(await loaded.search(query, 5)).to.deep.equal(before);
        await loaded.add([{ chunkId: "new", vector: query }]);
        expect((await loaded.search(query, 1))[0]!.score).to.be.closeTo(1, 1e-5);
        const [vector] = await loaded.vectors(["c5"]);
        expect(vector).to.have.length(dim);
        await index.dispose();
        await loaded.dispose();
      } finally {
        await cleanup();
      }
    });

    it("rebuilds HNSW when tombstones pass the configured share", async () => {
      const data = clusteredVectors({ count: 600, dim, clusters: 6 });
      const index = VectorIndex.create({
        backend,
        dim,
        exactThreshold: 100,
        maxTombstoneRatio: 0.1,
        ann: { M: 8, efConstruction: 40 },
      });
      await index.add(entries(data.vectors, dim));
      const before = index.memoryBytes();
      await index.remove(Array.from({ length: 50 }, (_, i) => `c${i}`));
      await index.remove(Array.from({ length: 50 }, (_, i) => `c${i + 50}`));
      // Without the rebuild the 100 tombstones would still count: the estimate would not drop.
      expect(index.memoryBytes()).to.be.at.most(Math.ceil((before * 500) / 600));
      expect(index.size).to.equal(500);
      await index.dispose();
    });

    it("never blocks the event loop while searching a big index", async function () {
      this.timeout(600_000); // hang guard: building 80k × 512 took over 3 min under load 30+ on 2 cores
      const shape = { count: 80_000, dim: 512, clusters: 200 };
      const data = clusteredVectors(shape);
      const index = await VectorIndex.rebuild(entries(data.vectors, shape.dim), {
        backend,
        dim: shape.dim,
        exactThreshold: 1e9,
      });
      const queries = clusteredQueries(shape, 30);
      // Each exact search over 80k × 512 is several ms of work: run on the event loop, the loop could
      // not turn at all between the 30 searches; off the loop, it turns freely while each one runs.
      // (Loop delay in ms under this load: bench/event-loop-delay.ts.)
      const { turns } = await loopTurnsWhile(async () => {
        for (let q = 0; q < 30; q++) await index.search(queries.subarray(q * shape.dim, (q + 1) * shape.dim), 10);
      });
      expect(turns, "event-loop turns during 30 searches").to.be.at.least(30 * 10);
      await index.dispose();
    });
  });

async function expectReject(promise: Promise<unknown>): Promise<void> {
  let failed = false;
  try {
    await promise;
  } catch {
    failed = true;
  }
  expect(failed, "expected a rejection").to.equal(true);
}
