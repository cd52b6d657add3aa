import { expect } from "chai";
import { JobQueue } from "../../../core/job-queue.ts";

/** Issue 15 M6: the import queue every org shares is served round-robin by org, and counts each org's jobs for its quota. */
describe("job queue fairness", () => {
  it("serves orgs in turn, each org's jobs in arrival order", async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const queue = new JobQueue<{ importId: string; orgId: string }>(
      async (job) => {
        order.push(job.importId);
        // The first job holds the queue until everything is queued.
        if (job.importId === "a1") await new Promise<void>((r) => (release = r));
      },
      (job) => job.importId,
    );
    const all = [queue.add({ importId: "a1", orgId: "A" })];
    for (let i = 2; i <= 6; i++) all.push(queue.add({ importId: `a${i}`, orgId: "A" }));
    all.push(
      queue.add({ importId: "b1", orgId: "B" }),
      queue.add({ importId: "b2", orgId: "B" }),
      queue.add({ importId: "c1", orgId: "C" }),
    );
    expect(queue.countFor("A")).to.equal(6);
    expect(queue.countFor("B")).to.equal(2);
    expect(queue.countFor("Z")).to.equal(0);
    release();
    await Promise.all(all);
    // Without fairness B and C would wait for all five of A's queued jobs.
    expect(order).to.deep.equal(["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5", "a6"]);
    expect(queue.countFor("A")).to.equal(0);
  });
});
