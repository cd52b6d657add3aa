import { expect } from "chai";
import { allEnded } from "../../../lib/all-ended.ts";

describe("allEnded", () => {
  it("gives every value in order, like Promise.all", async () => {
    const values = await allEnded([Promise.resolve(1), Promise.resolve("two"), 3] as const);
    expect(values).to.deep.equal([1, "two", 3]);
  });

  it("throws the first failure only once the others have ended", async () => {
    let release!: () => void;
    let slowEnded = false;
    const slow = new Promise<void>((resolve) => (release = resolve)).then(() => {
      slowEnded = true;
    });
    const outcome = allEnded([Promise.reject(new Error("cancelled")), slow]).then(
      () => "resolved",
      (err: Error) => err.message,
    );
    // The failure is known at once, but the caller hears of it only after the slow one ends.
    let heard = false;
    void outcome.then(() => (heard = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(heard).to.equal(false);
    release();
    expect(await outcome).to.equal("cancelled");
    expect(slowEnded).to.equal(true);
  });

  it("of several failures, throws that of the promise listed first (as Promise.all would not)", async () => {
    const late = new Promise<never>((_, reject) => setImmediate(() => reject(new Error("listed first"))));
    const err = await allEnded([late, Promise.reject(new Error("listed second"))]).catch((e: Error) => e);
    expect((err as Error).message).to.equal("listed first");
  });
});
