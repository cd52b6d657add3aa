import { expect } from "chai";
import { UpdateBatcher } from "../../../services/index/update-batcher.ts";

describe("index/UpdateBatcher: updates batched per dataset", () => {
  it("calls that arrive together for one key are applied as one batch; other keys apart", async () => {
    const batches: Array<[string, string[]]> = [];
    const b = new UpdateBatcher<string, number>(async (key, items) => {
      batches.push([key, items]);
      return items.length;
    });
    const results = await Promise.all([
      b.add("ds-1", ["a", "b"]),
      b.add("ds-1", ["c"]),
      b.add("ds-2", ["x"]),
      b.add("ds-1", ["a"]),
    ]);
    expect(batches).to.deep.equal([
      ["ds-1", ["a", "b", "c"]],
      ["ds-2", ["x"]],
    ]);
    // Each caller hears the result of the batch that held its items.
    expect(results).to.deep.equal([3, 3, 1, 3]);
    expect(b.size).to.equal(0);
  });

  it("calls arriving while a batch runs wait and go together in the next one", async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new UpdateBatcher<string>(async (_key, items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
    });
    const first = b.add("ds", ["1"]);
    while (batches.length === 0) await new Promise((r) => setImmediate(r));
    const later = [b.add("ds", ["2"]), b.add("ds", ["3", "2"]), b.add("ds", ["4"])];
    release();
    await Promise.all([first, ...later]);
    expect(batches).to.deep.equal([["1"], ["2", "3", "4"]]);
  });

  it("a failed batch rejects its callers only; the next batch runs", async () => {
    let calls = 0;
    const b = new UpdateBatcher<string>(async () => {
      if (++calls === 1) throw new Error("database blip");
    });
    const failed = b.add("ds", ["1"]);
    await failed.then(
      () => expect.fail("should reject"),
      (e: Error) => expect(e.message).to.equal("database blip"),
    );
    await b.add("ds", ["2"]);
    expect(calls).to.equal(2);
  });
});
