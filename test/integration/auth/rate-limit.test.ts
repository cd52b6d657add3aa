import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { TestPlatform } from "../../helpers/platform.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import { logIn, signUp, startAuthPlatform, uniqueEmail } from "./fixtures.ts";

for (const store of ["memory", "redis"] as const)
  describe(`auth: log-in rate limiting (${store} store)`, function () {
    let p: TestPlatform;
    before(async function () {
      if (store === "redis") await requireServers(this, "redis");
      p = await startAuthPlatform({
        LOGIN_RATE_LIMIT: "3",
        ...(store === "redis"
          ? { REDIS_URL: SERVERS.redis.url, RATE_LIMIT_PREFIX: `chatlens-test-${randomBytes(6).toString("hex")}:` }
          : {}),
      });
    });
    after(async () => p?.stop());

    it("blocks an account after the limit of failures, even with the right password", async () => {
      const a = await signUp(p);
      for (let i = 0; i < 3; i++) expect((await logIn(p, a.email, "wrong password!!")).status).to.equal(401);
      const blocked = await logIn(p, a.email);
      expect(blocked.status).to.equal(429);
      expect(blocked.error.code).to.equal("RATE_LIMITED");
    });

    it("counts per client address too; a spoofed X-Forwarded-For does not reset it (TRUST_PROXY=false)", async () => {
      for (let i = 0; i < 3; i++)
        await logIn(p, uniqueEmail("spray"), "wrong password!!", { "x-forwarded-for": `203.0.113.${i + 1}` });
      const res = await logIn(p, uniqueEmail("spray"), "wrong password!!", { "x-forwarded-for": "198.51.100.7" });
      expect(res.status).to.equal(429);
    });
  });

describe("auth: log-in rate limiting behind a trusted proxy", function () {
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform({ LOGIN_RATE_LIMIT: "2", TRUST_PROXY: "true" });
  });
  after(async () => p?.stop());

  it("counts the forwarded client address when the proxy is trusted", async () => {
    for (let i = 0; i < 2; i++)
      await logIn(p, uniqueEmail(), "wrong password!!", { "x-forwarded-for": "203.0.113.50" });
    expect((await logIn(p, uniqueEmail(), "wrong password!!", { "x-forwarded-for": "203.0.113.50" })).status).to.equal(
      429,
    );
    expect((await logIn(p, uniqueEmail(), "wrong password!!", { "x-forwarded-for": "203.0.113.51" })).status).to.equal(
      401,
    );
  });
});
