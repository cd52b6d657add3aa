import { expect } from "chai";
import { catchUpIndex, IndexOwnership, type CatchUpDeps } from "../../../services/index/ownership.ts";
import type { IndexKey } from "../../../services/index/index-key.ts";

const KEY: IndexKey = { datasetId: "ds-1", modelId: "m" };
const vec = (id: string) => ({ chunkId: id, vector: Float32Array.of(id.length, 1) });

/** An index and a database as sets of ids, with the calls made on them. */
function fakeDeps(held: string[] | null, stored: string[]) {
  const index = held ? new Set(held) : null;
  const calls: string[] = [];
  const deps: CatchUpDeps = {
    holds: async () => index !== null,
    heldIds: async () => [...index!],
    storedIds: async () => new Set(stored),
    vectors: async (_k, ids) => ids.map(vec),
    add: async (_k, entries) => {
      calls.push(`add ${entries.map((e) => e.chunkId).join(",")}`);
      for (const e of entries) index?.add(e.chunkId);
    },
    remove: async (_k, ids) => {
      calls.push(`remove ${ids.join(",")}`);
      for (const id of ids) index?.delete(id);
    },
  };
  return { deps, calls, index };
}

describe("index/ownership: a new owner catches an index up from the stored vectors", () => {
  it("adds the stored vectors a stale copy lacks and removes the ones whose chunk is gone", async () => {
    // The copy a node kept from an earlier spell as owner: 4 of 16 vectors, one since deleted.
    const stored = Array.from({ length: 16 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    const { deps, calls, index } = fakeDeps(["c00", "c01", "c02", "gone"], stored.slice());
    expect(await catchUpIndex(KEY, deps)).to.deep.equal({ added: 13, removed: 1, heldBefore: true });
    expect([...index!].sort()).to.deep.equal(stored);
    expect(calls).to.deep.equal([`add ${stored.slice(3).join(",")}`, "remove gone"]);
  });

  it("an index the node does not hold starts from every stored vector; one already current changes nothing", async () => {
    const fresh = fakeDeps(null, ["a", "b"]);
    expect(await catchUpIndex(KEY, fresh.deps)).to.deep.equal({ added: 2, removed: 0, heldBefore: false });
    const current = fakeDeps(["a", "b"], ["a", "b"]);
    expect(await catchUpIndex(KEY, current.deps)).to.deep.equal({ added: 0, removed: 0, heldBefore: true });
    expect(current.calls).to.deep.equal([]);
  });

  it("reads the index before the database: a vector stored and added meanwhile is never taken for a deleted one", async () => {
    const index = new Set(["a"]);
    const db = new Set(["a"]);
    const deps: CatchUpDeps = {
      holds: async () => true,
      heldIds: async () => [...index],
      storedIds: async () => {
        // Between the two reads a batch is stored and lands in the index.
        db.add("b");
        index.add("b");
        return new Set(db);
      },
      vectors: async (_k, ids) => ids.map(vec),
      add: async (_k, entries) => entries.forEach((e) => index.add(e.chunkId)),
      remove: async (_k, ids) => ids.forEach((id) => index.delete(id)),
    };
    await catchUpIndex(KEY, deps);
    expect([...index].sort()).to.deep.equal(["a", "b"]);
  });
});

describe("index/ownership: when an index node catches up", () => {
  function tracker(settleMs = 1000) {
    let now = 0;
    const runs: string[] = [];
    let gate: Promise<void> | null = null;
    const own = new IndexOwnership({
      settleMs,
      now: () => now,
      catchUp: async (key) => {
        runs.push(key.datasetId);
        if (gate) await gate;
      },
    });
    return {
      own,
      runs,
      at: (t: number) => (now = t),
      hold: () => {
        let release!: () => void;
        gate = new Promise((r) => (release = r));
        return () => {
          gate = null;
          release();
        };
      },
    };
  }

  it("once after start, once more after the change settled, then not until the index nodes change", async () => {
    const t = tracker(1000);
    await t.own.ensureCurrent(KEY);
    await t.own.ensureCurrent(KEY);
    expect(t.runs).to.have.length(1);
    // Past the settling time: the early catch-up may have missed a batch sent to the old owner.
    t.at(1500);
    await t.own.ensureCurrent(KEY);
    t.at(90_000);
    await t.own.ensureCurrent(KEY);
    expect(t.runs).to.have.length(2);
    t.own.changed();
    await t.own.ensureCurrent(KEY);
    expect(t.runs).to.have.length(3);
  });

  it("an index its owner rolled back is not caught up when the change settles, only after the next change", async () => {
    const t = tracker(1000);
    await t.own.ensureCurrent(KEY);
    t.own.setByOwner(KEY);
    t.at(1500);
    await t.own.ensureCurrent(KEY);
    expect(t.runs, "the settle-time catch-up would undo the rollback").to.have.length(1);
    t.own.changed();
    await t.own.ensureCurrent(KEY);
    expect(t.runs).to.have.length(2);
  });

  it("concurrent callers share one catch-up and all wait for it", async () => {
    const t = tracker(0);
    const release = t.hold();
    let done = 0;
    const waiting = [1, 2, 3].map(() => t.own.ensureCurrent(KEY).then(() => done++));
    await new Promise((r) => setImmediate(r));
    expect(t.runs).to.have.length(1);
    expect(done).to.equal(0);
    release();
    await Promise.all(waiting);
    expect(done).to.equal(3);
    expect(t.runs).to.have.length(1);
  });

  it("a change of the index nodes during a catch-up runs another one before answering", async () => {
    const t = tracker(0);
    const release = t.hold();
    const waiting = t.own.ensureCurrent(KEY);
    await new Promise((r) => setImmediate(r));
    t.own.changed();
    release();
    await waiting;
    expect(t.runs).to.have.length(2);
  });

  it("a failed catch-up fails the caller and is tried again on the next use", async () => {
    let fail = true;
    const own = new IndexOwnership({
      settleMs: 0,
      catchUp: async () => {
        if (fail) throw new Error("database blip");
      },
    });
    let error: unknown;
    await own.ensureCurrent(KEY).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal("database blip");
    expect(own.isCurrent(KEY)).to.equal(false);
    fail = false;
    await own.ensureCurrent(KEY);
    expect(own.isCurrent(KEY)).to.equal(true);
  });
});
