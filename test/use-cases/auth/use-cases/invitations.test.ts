import { expect } from "chai";
import sinon from "sinon";
import { getMembership } from "../../../../services/auth/orgs.ts";
import { setDisabled } from "../../../../services/auth/accounts.ts";
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  revokeInvitation,
} from "../../../../services/auth/use-cases/invitations.ts";
import { auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: invitations", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness({ CREDENTIAL_RATE_LIMIT: "3", INVITATION_TTL_S: "3600" });
  });
  afterEach(async () => h?.close());

  async function ownerOf() {
    const { user, orgId } = await member(h, "lea@example.org");
    return { user, orgId, as: userCaller(user.id, orgId, "owner") };
  }

  it("the invited address, once confirmed, joins with the invited role; the token works once and only its hash is kept", async () => {
    const owner = await ownerOf();
    const { token, invitation } = await createInvitation(h.deps, owner.as, {
      email: " Max@Example.ORG",
      role: "analyst",
    });
    expect(invitation.email).to.equal("max@example.org");
    expect(JSON.stringify((await listInvitations(h.deps, owner.as)).items)).to.not.include(token);
    const max = await member(h, "max@example.org");
    const maxAs = userCaller(max.user.id, max.orgId, "owner");
    expect(await acceptInvitation(h.deps, maxAs, { token })).to.deep.equal({ orgId: owner.orgId, role: "analyst" });
    expect(await getMembership(h.deps.db, owner.orgId, max.user.id)).to.equal("analyst");
    expect(await codeOf(acceptInvitation(h.deps, maxAs, { token }))).to.equal("INVITATION_INVALID");
    const joined = (await auditTrail(h)).find((e) => e.action === "member.joined")!;
    expect(joined).to.deep.include({ orgId: owner.orgId, target: max.user.id });
  });

  it("a leaked link is useless to another account, and an unconfirmed address must confirm first", async () => {
    const owner = await ownerOf();
    const { token } = await createInvitation(h.deps, owner.as, { email: "nia@example.org", role: "viewer" });
    const thief = await member(h, "thief@example.org");
    expect(await codeOf(acceptInvitation(h.deps, userCaller(thief.user.id, thief.orgId, "owner"), { token }))).to.equal(
      "INVITATION_INVALID",
    );
    const nia = await member(h, "nia@example.org", { verified: false });
    expect(await codeOf(acceptInvitation(h.deps, userCaller(nia.user.id, nia.orgId, "owner"), { token }))).to.equal(
      "EMAIL_NOT_VERIFIED",
    );
    expect(await getMembership(h.deps.db, owner.orgId, nia.user.id)).to.equal(undefined);
  });

  it("guessing tokens is rate-limited per account", async () => {
    await ownerOf();
    const guesser = await member(h, "guess@example.org");
    const as = userCaller(guesser.user.id, guesser.orgId, "owner");
    for (const t of ["", "x", "' or '1'='1", "%00"])
      expect(await codeOf(acceptInvitation(h.deps, as, { token: t }))).to.be.oneOf([
        "INVITATION_INVALID",
        "RATE_LIMITED",
      ]);
    expect(await codeOf(acceptInvitation(h.deps, as, { token: "anything" }))).to.equal("RATE_LIMITED");
  });

  it("an invitation expires after INVITATION_TTL_S", async () => {
    // Only Date is faked: PGlite's own timers run as they are.
    const start = Date.now();
    const clock = sinon.useFakeTimers({ now: start, toFake: ["Date"] });
    try {
      const owner = await ownerOf();
      const { token, invitation } = await createInvitation(h.deps, owner.as, {
        email: "ola@example.org",
        role: "viewer",
      });
      expect(new Date(invitation.expiresAt).getTime()).to.equal(start + 3600_000);
      const ola = await member(h, "ola@example.org");
      clock.tick(3600_000 + 1);
      expect(await codeOf(acceptInvitation(h.deps, userCaller(ola.user.id, ola.orgId, "owner"), { token }))).to.equal(
        "INVITATION_INVALID",
      );
    } finally {
      clock.restore();
    }
  });

  it("nobody invites above their own role; a disabled inviter's invitations are void; revoking is scoped to the org", async () => {
    const owner = await ownerOf();
    const analyst = await member(h, "ana@example.org");
    expect(
      await codeOf(
        createInvitation(h.deps, userCaller(analyst.user.id, owner.orgId, "admin"), {
          email: "p@example.org",
          role: "owner",
        }),
      ),
    ).to.equal("FORBIDDEN");
    const { token, invitation } = await createInvitation(h.deps, owner.as, { email: "pia@example.org", role: "admin" });
    await setDisabled(h.deps.db, owner.user.id, true);
    const pia = await member(h, "pia@example.org");
    expect(await codeOf(acceptInvitation(h.deps, userCaller(pia.user.id, pia.orgId, "owner"), { token }))).to.equal(
      "INVITATION_INVALID",
    );
    // Another org's owner cannot revoke it: not found, and it stays.
    const other = await member(h, "quinn@example.org");
    expect(
      await codeOf(revokeInvitation(h.deps, userCaller(other.user.id, other.orgId, "owner"), { id: invitation.id })),
    ).to.equal("NOT_FOUND");
    expect((await listInvitations(h.deps, owner.as)).items.map((i) => i.id)).to.deep.equal([invitation.id]);
    expect(await revokeInvitation(h.deps, owner.as, { id: invitation.id })).to.deep.equal({ ok: true });
    expect((await listInvitations(h.deps, owner.as)).items).to.deep.equal([]);
  });
});
