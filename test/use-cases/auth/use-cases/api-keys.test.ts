import { expect } from "chai";
import { resolveApiKey } from "../../../../services/auth/api-keys.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../../../services/auth/use-cases/api-keys.ts";
import { auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: API keys", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(async () => h?.close());

  it("a key carries at most its creator's permissions, resolves until revoked, and is shown only once", async () => {
    const { user, orgId } = await member(h, "rae@example.org");
    const as = userCaller(user.id, orgId, "analyst");
    expect(await codeOf(createApiKey(h.deps, as, { name: "too much", permissions: ["members.manage"] }))).to.equal(
      "FORBIDDEN",
    );
    const { key, apiKey } = await createApiKey(h.deps, as, {
      name: "nightly export ☾",
      permissions: ["datasets.read"],
    });
    expect(apiKey.permissions).to.deep.equal(["datasets.read"]);
    expect((await resolveApiKey(h.deps.db, key))?.id).to.equal(apiKey.id);
    expect(JSON.stringify(await listApiKeys(h.deps, as))).to.not.include(key);
    expect((await revokeApiKey(h.deps, as, { id: apiKey.id })).apiKey.id).to.equal(apiKey.id);
    expect(await resolveApiKey(h.deps.db, key)).to.equal(undefined);
    expect((await auditTrail(h)).map((e) => e.action)).to.deep.equal(["apiKey.created", "apiKey.revoked"]);
  });

  it("an expiry must lie ahead of the deps' clock; an API key cannot make keys; another org's key reads as not found", async () => {
    const { user, orgId } = await member(h, "sam@example.org");
    const as = userCaller(user.id, orgId, "owner");
    const at = (ms: number) => new Date(h.now.ms + ms);
    expect(
      await codeOf(createApiKey(h.deps, as, { name: "past", permissions: ["datasets.read"], expiresAt: at(0) })),
    ).to.equal("VALIDATION_ERROR");
    const soon = await createApiKey(h.deps, as, { name: "soon", permissions: ["datasets.read"], expiresAt: at(1000) });
    expect(new Date(soon.apiKey.expiresAt!).getTime()).to.equal(h.now.ms + 1000);
    const viaKey = {
      meta: {
        auth: {
          kind: "apiKey" as const,
          userId: user.id,
          orgId,
          role: "owner" as const,
          permissions: [],
          apiKeyId: soon.apiKey.id,
        },
      },
    };
    expect(await codeOf(createApiKey(h.deps, viaKey, { name: "child", permissions: [] }))).to.equal("FORBIDDEN");
    const other = await member(h, "tom@example.org");
    expect(
      await codeOf(revokeApiKey(h.deps, userCaller(other.user.id, other.orgId, "owner"), { id: soon.apiKey.id })),
    ).to.equal("NOT_FOUND");
    expect(await resolveApiKey(h.deps.db, soon.key, new Date(h.now.ms))).to.not.equal(undefined);
  });
});
