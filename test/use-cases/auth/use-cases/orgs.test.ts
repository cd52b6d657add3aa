import { expect } from "chai";
import { verifyAccessToken } from "../../../../services/auth/tokens.ts";
import { createInvitation } from "../../../../services/auth/use-cases/invitations.ts";
import {
  changeMemberRole,
  createOrg,
  grantRole,
  listMembers,
  listOrgs,
  removeMember,
  switchOrg,
  updateOrg,
} from "../../../../services/auth/use-cases/orgs.ts";
import { listInvitations } from "../../../../services/auth/use-cases/invitations.ts";
import { createSession } from "../../../../services/auth/sessions.ts";
import { auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: organisations and their members", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(async () => h?.close());

  /** An org owned by `owner`, with an admin and a viewer in it (granted by an operator). */
  async function team() {
    const owner = await member(h, "owner@example.org");
    const admin = await member(h, "admin@example.org");
    const viewer = await member(h, "viewer@example.org");
    const system = { meta: { system: true } };
    await grantRole(h.deps, system, { email: "admin@example.org", orgId: owner.orgId, role: "admin" });
    await grantRole(h.deps, system, { email: "VIEWER@example.org", orgId: owner.orgId, role: "viewer" });
    const orgId = owner.orgId;
    return {
      orgId,
      owner: { id: owner.user.id, as: userCaller(owner.user.id, orgId, "owner") },
      admin: { id: admin.user.id, as: userCaller(admin.user.id, orgId, "admin") },
      viewer: { id: viewer.user.id, as: userCaller(viewer.user.id, orgId, "viewer") },
    };
  }

  it("creating an org makes the caller its owner, beside their personal org", async () => {
    const { user, orgId } = await member(h, "ivy@example.org");
    const caller = userCaller(user.id, orgId, "owner");
    const made = await createOrg(h.deps, caller, { name: "Ivy's <b>Research</b> 🧪" });
    expect(made.org).to.deep.include({ name: "Ivy's <b>Research</b> 🧪", requireMfa: false, role: "owner" });
    const { items } = await listOrgs(h.deps, caller);
    expect(items.map((o) => [o.id, o.role])).to.deep.equal([
      [orgId, "owner"],
      [made.org.id, "owner"],
    ]);
    const created = (await auditTrail(h)).find((e) => e.action === "org.created")!;
    expect(created).to.deep.include({ orgId: made.org.id, actorId: user.id, target: made.org.id });
  });

  it("switching org issues a token for the new org only to a member; another org reads as not found", async () => {
    const { user, orgId } = await member(h, "jo@example.org");
    const stranger = await member(h, "kit@example.org");
    const session = await createSession(h.deps.db, {
      userId: user.id,
      orgId,
      device: "",
      ip: "",
      mfa: false,
      absoluteTtlS: 3600,
    });
    const caller = userCaller(user.id, orgId, "owner", { sessionId: session.id });
    const second = (await createOrg(h.deps, caller, { name: "second" })).org.id;
    const switched = await switchOrg(h.deps, caller, { orgId: second });
    expect(verifyAccessToken(switched.accessToken, h.deps.tokens)).to.deep.equal({
      userId: user.id,
      sessionId: session.id,
      orgId: second,
    });
    expect(switched.refreshToken).to.equal(null);
    expect(await codeOf(switchOrg(h.deps, caller, { orgId: stranger.orgId }))).to.equal("NOT_FOUND");
    expect(await codeOf(switchOrg(h.deps, caller, { orgId: "00000000-0000-4000-8000-00000000dead" }))).to.equal(
      "NOT_FOUND",
    );
  });

  it("an admin cannot touch the owner nor grant above their own role; the owner can", async () => {
    const t = await team();
    expect(await codeOf(changeMemberRole(h.deps, t.admin.as, { userId: t.owner.id, role: "viewer" }))).to.equal(
      "FORBIDDEN",
    );
    expect(await codeOf(changeMemberRole(h.deps, t.admin.as, { userId: t.viewer.id, role: "owner" }))).to.equal(
      "FORBIDDEN",
    );
    expect(await codeOf(removeMember(h.deps, t.admin.as, { userId: t.owner.id }))).to.equal("FORBIDDEN");
    expect(await changeMemberRole(h.deps, t.admin.as, { userId: t.viewer.id, role: "analyst" })).to.deep.equal({
      userId: t.viewer.id,
      role: "analyst",
    });
    expect(await codeOf(changeMemberRole(h.deps, t.owner.as, { userId: t.owner.id, role: "admin" }))).to.equal(
      "LAST_OWNER",
    );
    expect(await codeOf(removeMember(h.deps, t.owner.as, { userId: "00000000-0000-4000-8000-000000000001" }))).to.equal(
      "NOT_FOUND",
    );
    const members = (await listMembers(h.deps, t.owner.as)).items.map((m) => [m.email, m.role]);
    expect(members).to.deep.equal([
      ["owner@example.org", "owner"],
      ["admin@example.org", "admin"],
      ["viewer@example.org", "analyst"],
    ]);
  });

  it("demoting or removing an inviter voids the invitations their new role no longer allows", async () => {
    const t = await team();
    await createInvitation(h.deps, t.admin.as, { email: "a@example.org", role: "admin" });
    await createInvitation(h.deps, t.admin.as, { email: "v@example.org", role: "viewer" });
    const changed = await changeMemberRole(h.deps, t.owner.as, { userId: t.admin.id, role: "analyst" });
    expect(changed.role).to.equal("analyst");
    // An analyst may not invite at all (no members.manage): both go.
    expect((await listInvitations(h.deps, t.owner.as)).items).to.deep.equal([]);
    const roleChanged = (await auditTrail(h)).filter((e) => e.action === "member.roleChanged").at(-1)!;
    expect(roleChanged.data).to.deep.equal({ from: "admin", to: "analyst", invitationsRevoked: 2 });

    await changeMemberRole(h.deps, t.owner.as, { userId: t.admin.id, role: "admin" });
    await createInvitation(h.deps, userCaller(t.admin.id, t.orgId, "admin"), {
      email: "w@example.org",
      role: "viewer",
    });
    expect(await removeMember(h.deps, t.owner.as, { userId: t.admin.id })).to.deep.equal({ ok: true });
    expect((await listInvitations(h.deps, t.owner.as)).items).to.deep.equal([]);
  });

  it("updating an org drops every cached credential; an operator grant needs an existing user and org", async () => {
    const t = await team();
    h.deps.credentials.set("s1", t.orgId, {
      kind: "user",
      userId: t.viewer.id,
      orgId: t.orgId,
      role: "viewer",
      permissions: [],
    });
    const updated = await updateOrg(h.deps, t.owner.as, { requireMfa: true });
    expect(updated.org.requireMfa).to.equal(true);
    expect(h.deps.credentials.get("s1", t.orgId, t.viewer.id)).to.equal(undefined);
    const system = { meta: { system: true } };
    expect(
      await codeOf(grantRole(h.deps, system, { email: "ghost@example.org", orgId: t.orgId, role: "viewer" })),
    ).to.equal("NOT_FOUND");
    expect(
      await codeOf(
        grantRole(h.deps, system, {
          email: "viewer@example.org",
          orgId: "00000000-0000-4000-8000-000000000002",
          role: "viewer",
        }),
      ),
    ).to.equal("NOT_FOUND");
    // Without an org in the call, nothing org-scoped runs.
    expect(await codeOf(listMembers(h.deps, userCaller(t.owner.id, null, null)))).to.equal("FORBIDDEN");
  });
});
