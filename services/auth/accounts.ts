import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { memberships, orgs, users } from "../../models/schema.ts";

export type UserRow = typeof users.$inferSelect;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${normaliseEmail(email)}`)
    .limit(1);
  return row;
}

export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export interface NewUser {
  email: string;
  passwordHash: string | null;
  displayName?: string;
  emailVerified?: boolean;
}

/** Whether a Postgres error is a unique-constraint violation (e.g. an e-mail taken by a concurrent sign-up). */
export const isUniqueViolation = (err: unknown) =>
  (err as { code?: string })?.code === "23505" || (err as { cause?: { code?: string } })?.cause?.code === "23505";

/**
 * A new account and its personal organisation, with the user as owner, in one transaction.
 * Returns undefined when the e-mail address is taken.
 */
export async function createUserWithOrg(db: Db, u: NewUser): Promise<{ user: UserRow; orgId: string } | undefined> {
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          email: normaliseEmail(u.email),
          passwordHash: u.passwordHash,
          displayName: u.displayName ?? "",
          emailVerified: u.emailVerified ?? false,
        })
        .returning();
      const name = u.displayName?.trim() || normaliseEmail(u.email).split("@")[0]!;
      const [org] = await tx
        .insert(orgs)
        .values({ name: `${name}'s workspace` })
        .returning({ id: orgs.id });
      await tx.insert(memberships).values({ orgId: org!.id, userId: user!.id, role: "owner" });
      return { user: user!, orgId: org!.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
}

export interface ProfilePatch {
  displayName?: string;
  avatarUrl?: string | null;
  locale?: string;
  timeZone?: string;
}

export async function updateProfile(db: Db, userId: string, patch: ProfilePatch): Promise<UserRow> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return row!;
}

export async function setPasswordHash(db: Db, userId: string, hash: string): Promise<void> {
  await db.update(users).set({ passwordHash: hash, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** Marks the address verified, only while it is still the one the link was sent to. */
export async function markEmailVerified(db: Db, userId: string, email: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ emailVerified: true, updatedAt: new Date() })
    .where(and(eq(users.id, userId), sql`lower(${users.email}) = ${normaliseEmail(email)}`))
    .returning({ id: users.id });
  return rows.length > 0;
}

/**
 * An unverified account gives up its address to whoever proves they own it (an OAuth sign-in
 * with a provider-verified address, a password-reset link): the account keeps its data under
 * an address nobody can receive mail at, and the prover gets a fresh account. Merging instead
 * would hand the prover's sign-in to whoever created the unverified account (pre-hijacking).
 */
export async function releaseUnverifiedEmail(db: Db, userId: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ email: `unverified+${userId}@invalid`, updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.emailVerified, false)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** A short fingerprint of the password hash: a reset link names it, so the link dies with the password. */
export const passwordFingerprint = (u: Pick<UserRow, "passwordHash">) =>
  createHash("sha256")
    .update(u.passwordHash ?? "none")
    .digest("base64url")
    .slice(0, 16);

export async function setDisabled(db: Db, userId: string, disabled: boolean): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ disabled, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** What a user may see about themselves: never hashes or secrets. */
export const publicUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  emailVerified: u.emailVerified,
  displayName: u.displayName,
  avatarUrl: u.avatarUrl,
  locale: u.locale,
  timeZone: u.timeZone,
  mfaEnabled: u.mfaEnabled,
  hasPassword: !!u.passwordHash,
  createdAt: u.createdAt,
});

/** Valid IANA time zone names, as the runtime knows them. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone.length <= 64;
  } catch {
    return false;
  }
}

/** A well-formed BCP-47 tag, returned in canonical form (e.g. `en-gb` → `en-GB`), or undefined. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && canonical.length <= 35 ? canonical : undefined;
  } catch {
    return undefined;
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "https:" || u.protocol === "http:") && value.length <= 2048;
  } catch {
    return false;
  }
}
