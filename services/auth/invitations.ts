import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { invitations, memberships, type Role } from "../../models/schema.ts";
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
  const rows = await db.select().from(invitations).where(eq(invitations.orgId, orgId)).orderBy(desc(invitations.createdAt));
  return rows.map(publicInvitation);
}

export async function revokeInvitation(db: Db, orgId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(invitations)
    .where(and(eq(invitations.orgId, orgId), eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return rows.length > 0;
}

export type AcceptError = "INVITATION_INVALID" | "EMAIL_MISMATCH";

/**
 * Accepting needs the signed-in user's e-mail to match the invited one, so a leaked link is
 * useless to anyone else. A user who is already a member keeps their role: an invitation never
 * changes an existing membership (role changes go through the members actions, audited).
 */
export async function acceptInvitation(
  db: Db,
  token: string,
  user: { id: string; email: string },
): Promise<{ ok: true; orgId: string; role: Role } | { ok: false; error: AcceptError }> {
  return db.transaction(async (tx) => {
    const [inv] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.tokenHash, sha256(token)), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date())))
      .limit(1);
    if (!inv) return { ok: false, error: "INVITATION_INVALID" } as const;
    if (normaliseEmail(inv.email) !== normaliseEmail(user.email)) return { ok: false, error: "EMAIL_MISMATCH" } as const;
    await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, inv.id));
    await tx.insert(memberships).values({ orgId: inv.orgId, userId: user.id, role: inv.role }).onConflictDoNothing();
    return { ok: true, orgId: inv.orgId, role: inv.role } as const;
  });
}
