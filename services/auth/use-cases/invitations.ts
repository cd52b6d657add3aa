import { ClientError } from "../../../core/errors.ts";
import { orgOf, roleRank } from "../../../core/permissions.ts";
import type { Role } from "../../../models/schema.ts";
import {
  acceptInvitation as accept,
  createInvitation as insertInvitation,
  listInvitations as readInvitations,
  revokeInvitation as deleteInvitation,
} from "../invitations.ts";
import { ipOf, record, signedInUser, userIdOf, type AuthDeps, type Caller } from "./context.ts";

/** Inviting people into the organisation by e-mail, and joining with an invitation. */

export async function listInvitations(deps: AuthDeps, caller: Caller) {
  return { items: await readInvitations(deps.db, orgOf(caller)) };
}

/** The token is answered here once; only its hash is kept. */
export async function createInvitation(deps: AuthDeps, caller: Caller, p: { email: string; role: Role }) {
  const role = caller.meta.auth?.role;
  if (!role || roleRank(p.role) > roleRank(role))
    throw new ClientError("FORBIDDEN", "You cannot invite with a role above your own");
  const { token, invitation } = await insertInvitation(deps.db, {
    orgId: orgOf(caller),
    email: p.email,
    role: p.role,
    invitedBy: userIdOf(caller),
    ttlS: deps.config.INVITATION_TTL_S,
  });
  await record(deps, caller, "invitation.created", {
    target: invitation.id,
    data: { email: invitation.email, role: invitation.role },
  });
  return { invitation, token };
}

export async function revokeInvitation(deps: AuthDeps, caller: Caller, p: { id: string }): Promise<{ ok: true }> {
  if (!(await deleteInvitation(deps.db, orgOf(caller), p.id)))
    throw new ClientError("NOT_FOUND", "Invitation not found");
  await record(deps, caller, "invitation.revoked", { target: p.id });
  return { ok: true };
}

export async function acceptInvitation(deps: AuthDeps, caller: Caller, p: { token: string }) {
  const user = await signedInUser(deps, caller);
  const ip = ipOf(caller);
  if (await deps.credLimiter.blocked("invitation", user.id, ip))
    throw new ClientError("RATE_LIMITED", "Too many invalid invitations; try again later");
  const result = await accept(deps.db, p.token, user);
  if (!result.ok && result.error === "EMAIL_NOT_VERIFIED")
    throw new ClientError("EMAIL_NOT_VERIFIED", "Confirm your e-mail address first: we sent you a link");
  if (!result.ok) {
    await deps.credLimiter.failed("invitation", user.id, ip);
    throw new ClientError("INVITATION_INVALID", "This invitation is invalid, expired, or for another e-mail address");
  }
  await record(deps, caller, "member.joined", { orgId: result.orgId, target: user.id, data: { role: result.role } });
  return { orgId: result.orgId, role: result.role };
}
