import { expect } from "chai";
import {
  CredentialLimiter,
  FallbackRateLimitStore,
  LoginLimiter,
  MemoryRateLimitStore,
  type RateLimitStore,
} from "../../../services/auth/rate-limit.ts";

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

describe("auth: rate limits", () => {
  it("the memory limiter counts failures per address and per account-and-address, never per account alone", async () => {
    const limiter = new LoginLimiter(new MemoryRateLimitStore(), { limit: 2, windowS: 60 });
    await limiter.failed("A@x.test", "1.1.1.1");
    await limiter.failed("a@x.test", "1.1.1.1");
    // The attacker's address is blocked, for this account and any other.
    expect(await limiter.blocked("a@x.test", "1.1.1.1")).to.be.true;
    expect(await limiter.blocked("b@x.test", "1.1.1.1")).to.be.true;
    // The owner, from their own address, is not locked out (L1).
    expect(await limiter.blocked("a@x.test", "2.2.2.2")).to.be.false;
    await limiter.failed("a@x.test", "3.3.3.3");
    expect(await limiter.blocked("a@x.test", "3.3.3.3")).to.be.false;
    await limiter.failed("b@x.test", "3.3.3.3");
    // Two failures from 3.3.3.3 (for different accounts) block that address.
    expect(await limiter.blocked("c@x.test", "3.3.3.3")).to.be.true;
    await limiter.succeeded("a@x.test", "4.4.4.4");
    expect(await limiter.blocked("a@x.test", "9.9.9.9")).to.be.false;
  });

  it("the credential limiter counts per subject and per address, in its own key space", async () => {
    const store = new MemoryRateLimitStore();
    const limiter = new CredentialLimiter(store, { limit: 2, windowS: 60 });
    await limiter.failed("mfa", "user-1", "1.1.1.1");
    await limiter.failed("mfa", "user-1", "2.2.2.2");
    expect(await limiter.blocked("mfa", "user-1", "5.5.5.5")).to.be.true;
    expect(await limiter.blocked("password", "user-1", "5.5.5.5")).to.be.false;
    expect(await limiter.blocked("mfa", "user-2", "5.5.5.5")).to.be.false;
  });
});
