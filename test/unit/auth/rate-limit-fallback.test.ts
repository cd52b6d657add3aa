import { expect } from "chai";
import { FallbackRateLimitStore, LoginLimiter, type RateLimitStore } from "../../../services/auth/rate-limit.ts";

/** A Redis store whose server is down: every command fails. */
const down: RateLimitStore = {
  hit: () => Promise.reject(new Error("Connection is closed.")),
  count: () => Promise.reject(new Error("Connection is closed.")),
  reset: () => Promise.reject(new Error("Connection is closed.")),
  close: async () => {},
};

describe("auth: rate limits while Redis is down", () => {
  it("keep counting in this node's memory instead of failing log-ins", async () => {
    const fallbacks: unknown[] = [];
    const limiter = new LoginLimiter(new FallbackRateLimitStore(down, (e) => fallbacks.push(e)), {
      limit: 3,
      windowS: 60,
    });
    expect(await limiter.blocked("a@example.com", "10.0.0.1")).to.equal(false);
    for (let i = 0; i < 3; i++) await limiter.failed("a@example.com", "10.0.0.1");
    expect(await limiter.blocked("a@example.com", "10.0.0.1")).to.equal(true);
    expect(await limiter.blocked("b@example.com", "10.0.0.2")).to.equal(false);
    expect(fallbacks.length).to.be.greaterThan(0);
  });

  it("uses the shared store whenever it answers", async () => {
    const calls: string[] = [];
    const up: RateLimitStore = {
      hit: async (k) => (calls.push(`hit ${k}`), 7),
      count: async (k) => (calls.push(`count ${k}`), 7),
      reset: async (k) => void calls.push(`reset ${k}`),
      close: async () => {},
    };
    const store = new FallbackRateLimitStore(up, () => expect.fail("no fallback expected"));
    expect(await store.hit("k", 60)).to.equal(7);
    expect(await store.count("k")).to.equal(7);
    expect(calls).to.deep.equal(["hit k", "count k"]);
  });
});
