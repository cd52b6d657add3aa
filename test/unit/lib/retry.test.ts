import { expect } from "chai";
import { retryUntil } from "../../../lib/retry.ts";

/** A clock that moves only when the code under test sleeps. */
function fakeClock() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

describe("retryUntil", () => {
  it("returns the first success, after waiting longer after each failure", async () => {
    const clock = fakeClock();
    let calls = 0;
    const retried: number[] = [];
    const value = await retryUntil(
      async () => {
        if (++calls < 4) throw new Error("NATS away");
        return "published";
      },
      { giveUpAfterMs: 60_000, firstDelayMs: 100, maxDelayMs: 300, onRetry: (_e, n) => retried.push(n), ...clock },
    );
    expect(value).to.equal("published");
    expect(calls).to.equal(4);
    expect(clock.waits).to.deep.equal([100, 200, 300]);
    expect(retried).to.deep.equal([1, 2, 3]);
  });

  it("gives up with the last error once the next wait would pass the deadline", async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = await retryUntil(
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      { giveUpAfterMs: 1_000, firstDelayMs: 100, maxDelayMs: 10_000, ...clock },
    ).catch((e: Error) => e);
    expect((err as Error).message).to.equal(`failure ${calls}`);
    // 100 + 200 + 400 = 700 ms waited; the next wait (800) would end past 1,000.
    expect(clock.waits).to.deep.equal([100, 200, 400]);
    expect(calls).to.equal(4);
  });
});
