import { expect } from "chai";
import { sql } from "drizzle-orm";
import { createUserWithOrg } from "../../../services/auth/accounts.ts";
import { createApiKey, resolveApiKey, revokeApiKey } from "../../../services/auth/api-keys.ts";
import { sha256 } from "../../../services/auth/crypto.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

describe("auth API keys on a database", function () {
  let d: IsolatedDatabase;
  before(async () => {
    d = await isolatedDatabase("pglite");
  });
  after(async () => d?.close());

  async function userAndOrg(email: string) {
    return (await createUserWithOrg(d.db, { email, passwordHash: null }))!;
  }

  it("stores only the hash of API keys; revoked keys stop resolving", async () => {
    const { user, orgId } = await userAndOrg("k@x.test");
    const { key, apiKey } = await createApiKey(d.db, {
      orgId,
      createdBy: user.id,
      name: "k",
      permissions: ["datasets.read"],
    });
    const rows = await d.rows<{ key_hash: string }>(sql`select key_hash from api_keys where id = ${apiKey.id}`);
    expect(rows[0]!.key_hash).to.equal(sha256(key));
    expect((await resolveApiKey(d.db, key))?.id).to.equal(apiKey.id);
    await revokeApiKey(d.db, orgId, apiKey.id);
    expect(await resolveApiKey(d.db, key)).to.equal(undefined);
  });
});
