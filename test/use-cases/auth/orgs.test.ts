import { expect } from "chai";
import { createUserWithOrg } from "../../../services/auth/accounts.ts";
import { changeRole, removeMember } from "../../../services/auth/orgs.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

describe("auth memberships on a database", function () {
  let d: IsolatedDatabase;
  before(async () => {
    d = await isolatedDatabase("pglite");
  });
  after(async () => d?.close());

  async function userAndOrg(email: string) {
    return (await createUserWithOrg(d.db, { email, passwordHash: null }))!;
  }

  it("never removes or demotes the last owner", async () => {
    const { user, orgId } = await userAndOrg("o@x.test");
    expect(await changeRole(d.db, orgId, "owner", user.id, "admin")).to.deep.equal({ ok: false, error: "LAST_OWNER" });
    expect(await removeMember(d.db, orgId, "owner", user.id)).to.deep.equal({ ok: false, error: "LAST_OWNER" });
    expect(await changeRole(d.db, orgId, "admin", user.id, "viewer")).to.deep.equal({ ok: false, error: "FORBIDDEN" });
  });
});
