import { ClientError } from "../../../core/errors.ts";
import { orgOf } from "../../../core/permissions.ts";
import type { Role } from "../../../models/schema.ts";
import { findUserByEmail } from "../accounts.ts";
import { revokeInvitationsBeyond } from "../invitations.ts";
import {
  changeRole,
  createOrg as insertOrg,
  getMembership,
  getOrg,
  grantRole as writeRole,
  listMembers as readMembers,
  listUserOrgs,
  removeMember as deleteMember,
  updateOrg as writeOrg,
  type MembershipChangeError,
} from "../orgs.ts";
import { getSession, setSessionOrg } from "../sessions.ts";
import { record, sessionIdOf, userIdOf, type AuthDeps, type Caller } from "./context.ts";
import { tokenResponse } from "./sign-in.ts";

/** Organisations, switching between them, and their members. */

function membershipError(error: MembershipChangeError) {
  if (error === "NOT_FOUND") return new ClientError("NOT_FOUND", "Member not found");
  if (error === "LAST_OWNER") return new ClientError("LAST_OWNER", "An organisation must keep at least one owner");
  return new ClientError("FORBIDDEN", "You cannot change a member above your own role or grant more than you hold");
}

/** The caller's role in the current org (permission-guarded actions always have one). */
function roleOf(caller: Caller): Role {
  const role = caller.meta.auth?.role;
  if (!role) throw new ClientError("FORBIDDEN", "Choose an organisation first");
  return role;
}

export async function listOrgs(deps: AuthDeps, caller: Caller) {
  return { items: await listUserOrgs(deps.db, userIdOf(caller)) };
}

export async function createOrg(deps: AuthDeps, caller: Caller, p: { name: string }) {
  const org = await insertOrg(deps.db, p.name, userIdOf(caller));
  await record(deps, caller, "org.created", { orgId: org.id, target: org.id, data: { name: org.name } });
  return { org: { id: org.id, name: org.name, requireMfa: org.requireMfa, role: "owner" as const } };
}

export async function switchOrg(deps: AuthDeps, caller: Caller, p: { orgId: string }) {
  const sessionId = sessionIdOf(caller);
  // Not a member and no such org answer alike.
  if (!(await getMembership(deps.db, p.orgId, userIdOf(caller))))
    throw new ClientError("NOT_FOUND", "Organisation not found");
  await setSessionOrg(deps.db, sessionId, p.orgId);
  const session = (await getSession(deps.db, sessionId))!;
  return tokenResponse(deps, session, p.orgId, null);
}

export async function updateOrg(deps: AuthDeps, caller: Caller, p: { name?: string; requireMfa?: boolean }) {
  const orgId = orgOf(caller);
  const org = await writeOrg(deps.db, orgId, p);
  if (!org) throw new ClientError("NOT_FOUND", "Organisation not found");
  deps.credentials.accessChanged();
  await record(deps, caller, "org.updated", { target: orgId, data: { ...p } });
  return { org: { id: org.id, name: org.name, requireMfa: org.requireMfa } };
}

export async function listMembers(deps: AuthDeps, caller: Caller) {
  return { items: await readMembers(deps.db, orgOf(caller)) };
}

export async function changeMemberRole(deps: AuthDeps, caller: Caller, p: { userId: string; role: Role }) {
  const orgId = orgOf(caller);
  const result = await changeRole(deps.db, orgId, roleOf(caller), p.userId, p.role);
  if (!result.ok) throw membershipError(result.error);
  deps.credentials.accessChanged();
  const voided = await revokeInvitationsBeyond(deps.db, orgId, p.userId, p.role);
  await record(deps, caller, "member.roleChanged", {
    target: p.userId,
    data: { from: result.from, to: p.role, invitationsRevoked: voided.length },
  });
  return { userId: p.userId, role: p.role };
}

export async function removeMember(deps: AuthDeps, caller: Caller, p: { userId: string }): Promise<{ ok: true }> {
  const orgId = orgOf(caller);
  const result = await deleteMember(deps.db, orgId, roleOf(caller), p.userId);
  if (!result.ok) throw membershipError(result.error);
  deps.credentials.accessChanged();
  const voided = await revokeInvitationsBeyond(deps.db, orgId, p.userId, null);
  await record(deps, caller, "member.removed", {
    target: p.userId,
    data: { role: result.role, invitationsRevoked: voided.length },
  });
  return { ok: true };
}

/** Operators: give the account with this address a role in an org. */
export async function grantRole(deps: AuthDeps, caller: Caller, p: { email: string; orgId: string; role: Role }) {
  const user = await findUserByEmail(deps.db, p.email);
  if (!user) throw new ClientError("NOT_FOUND", "User not found");
  if (!(await getOrg(deps.db, p.orgId))) throw new ClientError("NOT_FOUND", "Organisation not found");
  await writeRole(deps.db, p.orgId, user.id, p.role);
  deps.credentials.accessChanged();
  await record(deps, caller, "member.roleChanged", {
    orgId: p.orgId,
    actorId: null,
    target: user.id,
    data: { to: p.role, by: "operator" },
  });
  return { userId: user.id, orgId: p.orgId, role: p.role };
}
