import { and, asc, count, eq } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { memberships, orgs, users, type Role } from "../../models/schema.ts";
import { roleRank } from "../../core/permissions.ts";

export type OrgRow = typeof orgs.$inferSelect;

export async function createOrg(db: Db, name: string, ownerId: string): Promise<OrgRow> {
  return db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ name }).returning();
    await tx.insert(memberships).values({ orgId: org!.id, userId: ownerId, role: "owner" });
    return org!;
  });
}

export async function getOrg(db: Db, id: string): Promise<OrgRow | undefined> {
  const [row] = await db.select().from(orgs).where(eq(orgs.id, id)).limit(1);
  return row;
}

export async function listUserOrgs(db: Db, userId: string) {
  return db
    .select({ id: orgs.id, name: orgs.name, role: memberships.role, requireMfa: orgs.requireMfa })
    .from(memberships)
    .innerJoin(orgs, eq(orgs.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt));
}

export async function getMembership(db: Db, orgId: string, userId: string): Promise<Role | undefined> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  return row?.role;
}

/** The user's role in the org and whether the org requires MFA; undefined when not a member. */
export async function getMembershipPolicy(
  db: Db,
  orgId: string,
  userId: string,
): Promise<{ role: Role; requireMfa: boolean } | undefined> {
  const [row] = await db
    .select({ role: memberships.role, requireMfa: orgs.requireMfa })
    .from(memberships)
    .innerJoin(orgs, eq(orgs.id, memberships.orgId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

export async function listMembers(db: Db, orgId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      displayName: users.displayName,
      avatarUrl: users.avatarUrl,
      role: memberships.role,
      mfaEnabled: users.mfaEnabled,
      disabled: users.disabled,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(memberships.createdAt));
}

export type MembershipChangeError = "NOT_FOUND" | "LAST_OWNER" | "FORBIDDEN";

/**
 * Nobody hands out or takes away more than they hold: an admin cannot touch an owner or
 * make one. An organisation always keeps at least one owner.
 */
function checkChange(actorRole: Role, currentRole: Role, newRole?: Role): MembershipChangeError | undefined {
  if (roleRank(currentRole) > roleRank(actorRole)) return "FORBIDDEN";
  if (newRole && roleRank(newRole) > roleRank(actorRole)) return "FORBIDDEN";
  return undefined;
}

async function ownerCount(db: Db, orgId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")));
  return row?.n ?? 0;
}

export async function changeRole(
  db: Db,
  orgId: string,
  actorRole: Role,
  userId: string,
  role: Role,
): Promise<{ ok: true; from: Role } | { ok: false; error: MembershipChangeError }> {
  return db.transaction(async (tx) => {
    const current = await getMembership(tx, orgId, userId);
    if (!current) return { ok: false, error: "NOT_FOUND" } as const;
    const denied = checkChange(actorRole, current, role);
    if (denied) return { ok: false, error: denied } as const;
    if (current === "owner" && role !== "owner" && (await ownerCount(tx, orgId)) <= 1)
      return { ok: false, error: "LAST_OWNER" } as const;
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    return { ok: true, from: current } as const;
  });
}

export async function removeMember(
  db: Db,
  orgId: string,
  actorRole: Role,
  userId: string,
): Promise<{ ok: true; role: Role } | { ok: false; error: MembershipChangeError }> {
  return db.transaction(async (tx) => {
    const current = await getMembership(tx, orgId, userId);
    if (!current) return { ok: false, error: "NOT_FOUND" } as const;
    const denied = checkChange(actorRole, current);
    if (denied) return { ok: false, error: denied } as const;
    if (current === "owner" && (await ownerCount(tx, orgId)) <= 1) return { ok: false, error: "LAST_OWNER" } as const;
    await tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    return { ok: true, role: current } as const;
  });
}

/** Adds or (for operators) overwrites a membership. */
export async function grantRole(db: Db, orgId: string, userId: string, role: Role): Promise<void> {
  await db
    .insert(memberships)
    .values({ orgId, userId, role })
    .onConflictDoUpdate({ target: [memberships.orgId, memberships.userId], set: { role } });
}

export async function updateOrg(
  db: Db,
  orgId: string,
  patch: { name?: string; requireMfa?: boolean },
): Promise<OrgRow | undefined> {
  if (patch.name === undefined && patch.requireMfa === undefined) return getOrg(db, orgId);
  const [row] = await db.update(orgs).set(patch).where(eq(orgs.id, orgId)).returning();
  return row;
}
