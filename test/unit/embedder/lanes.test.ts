import { expect } from "chai";
import { LaneScheduler } from "../../../services/embedder/lanes.ts";

function deferred() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

describe("embedder/LaneScheduler (query lane)", () => {
  it("runs a query call before batch calls that were queued earlier", async () => {
    const lanes = new LaneScheduler();
    const order: string[] = [];
    const first = deferred();
    const task = (name: string, wait?: Promise<void>) => async () => {
      order.push(`start ${name}`);
      await wait;
      order.push(`end ${name}`);
    };
    const running = lanes.run("batch", task("batch-1", first.done));
    const queued = [lanes.run("batch", task("batch-2")), lanes.run("batch", task("batch-3"))];
    const query = lanes.run("query", task("query"));
    expect(lanes.queued).to.deep.equal({ query: 1, batch: 2 });
    first.release();
    await Promise.all([running, query, ...queued]);
    // The running batch call is never interrupted; the query goes next, then the waiting batches.
    expect(order).to.deep.equal([
      "start batch-1",
      "end batch-1",
      "start query",
      "end query",
      "start batch-2",
      "end batch-2",
      "start batch-3",
      "end batch-3",
    ]);
  });

  it("runs one call at a time and keeps going after a failure", async () => {
    const lanes = new LaneScheduler();
    let active = 0;
    let most = 0;
    const task = (fail: boolean) => async () => {
      most = Math.max(most, ++active);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      if (fail) throw new Error("boom");
      return "ok";
    };
    const results = await Promise.allSettled([
      lanes.run("batch", task(true)),
      lanes.run("query", task(false)),
      lanes.run("batch", task(false)),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(["rejected", "fulfilled", "fulfilled"]);
    expect(most).to.equal(1);
  });
});
