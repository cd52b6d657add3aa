import { expect } from "chai";
import { createUserWithOrg } from "../../../services/auth/accounts.ts";
import { issueRefreshToken, rotateRefreshToken } from "../../../services/auth/refresh.ts";
import { createSession } from "../../../services/auth/sessions.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

describe("auth refresh tokens on a database", function () {
  let d: IsolatedDatabase;
  before(async () => {
    d = await isolatedDatabase("pglite");
  });
  after(async () => d?.close());

  async function userAndOrg(email: string) {
    return (await createUserWithOrg(d.db, { email, passwordHash: null }))!;
  }

  it("rotates, allows the previous token only within grace, and reports reuse", async () => {
    const { user, orgId } = await userAndOrg("r@x.test");
    const session = await createSession(d.db, {
      userId: user.id,
      orgId,
      device: "",
      ip: "",
      mfa: false,
      absoluteTtlS: 3600,
    });
    const first = await issueRefreshToken(d.db, session, 600);
    const t0 = new Date();
    const r1 = await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, t0);
    expect(r1.kind).to.equal("rotated");
    expect(
      (await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, new Date(t0.getTime() + 5000))).kind,
    ).to.equal("grace");
    expect(
      (await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, new Date(t0.getTime() + 11_000))).kind,
    ).to.equal("reused");
    expect((await rotateRefreshToken(d.db, "unknown", { ttlS: 600, graceS: 10 })).kind).to.equal("invalid");
    expect(r1.kind === "rotated" && r1.refreshToken).to.not.equal(first.token);
  });
});
