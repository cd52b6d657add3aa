import { and, desc, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { invitations, memberships, ROLES, users, type Role } from "../../models/schema.ts";
import { ROLE_PERMISSIONS } from "../../core/permissions.ts";
import { normaliseEmail } from "./accounts.ts";
import { randomToken, sha256 } from "./crypto.ts";

export async function createInvitation(
  db: Db,
  i: { orgId: string; email: string; role: Role; invitedBy: string; ttlS: number },
) {
  const token = randomToken(32);
  const [row] = await db
    .insert(invitations)
    .values({
      orgId: i.orgId,
      email: normaliseEmail(i.email),
      role: i.role,
      tokenHash: sha256(token),
      invitedBy: i.invitedBy,
      expiresAt: new Date(Date.now() + i.ttlS * 1000),
    })
    .returning();
  return { token, invitation: publicInvitation(row!) };
}

export const publicInvitation = (r: typeof invitations.$inferSelect) => ({
  id: r.id,
  orgId: r.orgId,
  email: r.email,
  role: r.role,
  expiresAt: r.expiresAt,
  acceptedAt: r.acceptedAt,
  createdAt: r.createdAt,
});

export async function listInvitations(db: Db, orgId: string) {
  const rows = await db
    .select()
    .from(invitations)
    .where(eq(invitations.orgId, orgId))
    .orderBy(desc(invitations.createdAt));
  return rows.map(publicInvitation);
}

export async function revokeInvitation(db: Db, orgId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(invitations)
    .where(and(eq(invitations.orgId, orgId), eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return rows.length > 0;
}

export type AcceptError = "INVITATION_INVALID" | "EMAIL_MISMATCH" | "EMAIL_NOT_VERIFIED";

/** Whether `role` may still invite with `invited`: members.manage and a rank at least the invited one's. */
export const mayInvite = (role: Role | null | undefined, invited: Role) =>
  !!role && ROLE_PERMISSIONS[role].has("members.manage") && ROLES.indexOf(invited) <= ROLES.indexOf(role);

/**
 * Pending invitations of `inviterId` in the org that their current role (null: no longer a
 * member) no longer allows (L4). Returns the ids removed.
 */
export async function revokeInvitationsBeyond(
  db: Db,
  orgId: string,
  inviterId: string,
  role: Role | null,
): Promise<string[]> {
  const pending = await db
    .select({ id: invitations.id, role: invitations.role })
    .from(invitations)
    .where(and(eq(invitations.orgId, orgId), eq(invitations.invitedBy, inviterId), isNull(invitations.acceptedAt)));
  const doomed = pending.filter((i) => !mayInvite(role, i.role)).map((i) => i.id);
  if (doomed.length) await db.delete(invitations).where(inArray(invitations.id, doomed));
  return doomed;
}

/**
 * Accepting needs the signed-in user's e-mail to match the invited one and to be verified, so a
 * leaked link is useless to anyone who cannot read the invited mailbox (M5). The inviter must
 * still be an enabled member allowed to invite with that role, else the invitation is void (L4).
 * A user who is already a member keeps their role: an invitation never changes an existing
 * membership (role changes go through the members actions, audited).
 */
export async function acceptInvitation(
  db: Db,
  token: string,
  user: { id: string; email: string; emailVerified: boolean },
): Promise<{ ok: true; orgId: string; role: Role } | { ok: false; error: AcceptError }> {
  return db.transaction(async (tx) => {
    const [inv] = await tx
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tokenHash, sha256(token)),
          isNull(invitations.acceptedAt),
          gt(invitations.expiresAt, new Date()),
        ),
      )
      .limit(1);
    if (!inv) return { ok: false, error: "INVITATION_INVALID" } as const;
    if (normaliseEmail(inv.email) !== normaliseEmail(user.email))
      return { ok: false, error: "EMAIL_MISMATCH" } as const;
    if (!user.emailVerified) return { ok: false, error: "EMAIL_NOT_VERIFIED" } as const;
    const [inviter] = inv.invitedBy
      ? await tx
          .select({ role: memberships.role, disabled: users.disabled })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, inv.orgId), eq(memberships.userId, inv.invitedBy)))
          .limit(1)
      : [];
    if (!inviter || inviter.disabled || !mayInvite(inviter.role, inv.role))
      return { ok: false, error: "INVITATION_INVALID" } as const;
    await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, inv.id));
    await tx.insert(memberships).values({ orgId: inv.orgId, userId: user.id, role: inv.role }).onConflictDoNothing();
    return { ok: true, orgId: inv.orgId, role: inv.role } as const;
  });
}
