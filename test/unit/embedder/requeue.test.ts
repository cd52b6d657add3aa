import { expect } from "chai";
import { RequeuePolicy } from "../../../services/embedder/requeue.ts";

describe("requeue policy", () => {
  it("enqueues unseen datasets, then only when their vector count stands still for the stall time", () => {
    const p = new RequeuePolicy(1000);
    expect(p.shouldEnqueue("d", 0, 0)).to.equal(true);
    expect(p.shouldEnqueue("d", 0, 500)).to.equal(false);
    expect(p.shouldEnqueue("d", 10, 900)).to.equal(false); // moving
    expect(p.shouldEnqueue("d", 10, 1800)).to.equal(false);
    expect(p.shouldEnqueue("d", 10, 1900)).to.equal(true); // stalled 1000 ms
    expect(p.shouldEnqueue("d", 10, 2000)).to.equal(false);
    p.enqueued("e", 0);
    expect(p.shouldEnqueue("e", 0, 10)).to.equal(false);
    p.forget("e");
    expect(p.shouldEnqueue("e", 0, 20)).to.equal(true);
  });
});
