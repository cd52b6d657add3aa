import { expect } from "chai";
import { CredentialCache, LastSeenThrottle } from "../../../services/auth/credential-cache.ts";
import type { TenantAuthInfo } from "../../../mixins/tenant.mixin.ts";

const info = (userId: string, orgId: string | null = "o1"): TenantAuthInfo => ({
  kind: "user",
  userId,
  orgId,
  role: "viewer",
  permissions: [],
});

describe("auth credential cache and last-seen throttle", () => {
  it("answers a cached credential for its session, org and user until its time is up", () => {
    let now = 1_000;
    const cache = new CredentialCache(
      5_000,
      () => now,
      () => {},
    );
    cache.set("s1", "o1", info("u1"));
    expect(cache.get("s1", "o1", "u1")).to.deep.equal(info("u1"));
    expect(cache.get("s1", null, "u1")).to.equal(undefined);
    expect(cache.get("s1", "o1", "u2")).to.equal(undefined);
    now += 5_000;
    expect(cache.get("s1", "o1", "u1")).to.equal(undefined);
  });

  it("keeps nothing when caching is off", () => {
    const cache = new CredentialCache(
      0,
      () => 0,
      () => {},
    );
    cache.set("s1", "o1", info("u1"));
    expect(cache.get("s1", "o1", "u1")).to.equal(undefined);
  });

  it("drops ended sessions in every org and announces them; an access change drops everything", () => {
    const announced: string[][] = [];
    const cache = new CredentialCache(
      60_000,
      () => 0,
      (ids) => announced.push(ids),
    );
    cache.set("s1", "o1", info("u1"));
    cache.set("s1", null, info("u1", null));
    cache.set("s2", "o1", info("u2"));
    cache.sessionsEnded(["s1"]);
    expect(announced).to.deep.equal([["s1"]]);
    expect(cache.get("s1", "o1", "u1")).to.equal(undefined);
    expect(cache.get("s1", null, "u1")).to.equal(undefined);
    expect(cache.get("s2", "o1", "u2")).to.not.equal(undefined);
    cache.forget(["s2"]);
    expect(cache.get("s2", "o1", "u2")).to.equal(undefined);
    expect(announced).to.have.length(1);
    cache.set("s3", "o1", info("u3"));
    cache.accessChanged();
    expect(cache.get("s3", "o1", "u3")).to.equal(undefined);
  });

  it("lets a session's last-seen be written at most once a minute", () => {
    let now = 0;
    const throttle = new LastSeenThrottle(() => now);
    now = 100_000;
    expect(throttle.due("s1")).to.equal(true);
    expect(throttle.due("s1")).to.equal(false);
    expect(throttle.due("s2")).to.equal(true);
    now += 60_001;
    expect(throttle.due("s1")).to.equal(true);
  });
});
