import { expect } from "chai";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";

/** Access checks must come before the validator and the cache, also for calls between services. */
describe("middleware order", function () {
  this.timeout(90_000);
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform({ services: ["api"] });
    p.broker.createService({
      name: "guarded",
      actions: {
        read: {
          permissions: ["datasets.read"],
          cache: { keys: ["#auth.orgId", "id"] },
          params: { id: { type: "number" } },
          handler: (ctx) => ({
            id: (ctx.params as { id: number }).id,
            org: (ctx.meta as { auth: { orgId: string } }).auth.orgId,
          }),
        },
      },
    });
    await p.broker.waitForServices("guarded");
  });
  after(() => p?.stop());

  const viewer = (orgId: string) => ({
    auth: { kind: "user", userId: "u", orgId, role: "viewer", permissions: ["datasets.read"] },
  });

  it("refuses an anonymous caller before validating its params", async () => {
    const err = (await p.broker.call("guarded.read", { id: "not a number" }).catch((e: { type?: string }) => e)) as {
      type?: string;
    };
    expect(err.type).to.equal("UNAUTHORIZED");
  });

  it("never serves a cached answer to a caller without the permission", async () => {
    const ok = await p.broker.call("guarded.read", { id: 1 }, { meta: viewer("org-a") });
    expect(ok).to.deep.equal({ id: 1, org: "org-a" });
    const err = (await p.broker
      .call(
        "guarded.read",
        { id: 1 },
        { meta: { auth: { kind: "user", userId: "x", orgId: "org-a", role: null, permissions: [] } } },
      )
      .catch((e: { type?: string }) => e)) as { type?: string };
    expect(err.type).to.equal("FORBIDDEN");
  });

  it("validates params once access is granted", async () => {
    const err = (await p.broker
      .call("guarded.read", { id: "x" }, { meta: viewer("org-a") })
      .catch((e: { type?: string }) => e)) as { type?: string };
    expect(err.type).to.equal("VALIDATION_ERROR");
  });
});
