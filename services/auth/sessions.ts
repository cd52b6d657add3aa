import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { authCodes, invitations, refreshTokens, sessions, users } from "../../models/schema.ts";
import { randomToken, sha256 } from "./crypto.ts";

export type SessionRow = typeof sessions.$inferSelect;

export interface NewSession {
  userId: string;
  orgId: string | null;
  device: string;
  ip: string;
  mfa: boolean;
  absoluteTtlS: number;
}

export async function createSession(db: Db, s: NewSession, now = new Date()): Promise<SessionRow> {
  const [row] = await db
    .insert(sessions)
    .values({
      userId: s.userId,
      orgId: s.orgId,
      device: s.device.slice(0, 300),
      ip: s.ip.slice(0, 64),
      mfa: s.mfa,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + s.absoluteTtlS * 1000),
    })
    .returning();
  return row!;
}

export const isAlive = (s: Pick<SessionRow, "revokedAt" | "expiresAt">, now = new Date()) =>
  !s.revokedAt && s.expiresAt.getTime() > now.getTime();

export async function getSession(db: Db, id: string): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
  return row;
}

export async function listActiveSessions(db: Db, userId: string, now = new Date()): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt));
}

/** Ends one session; returns whether it was alive (and, scoped by userId, whether it was theirs). */
export async function revokeSession(db: Db, id: string, reason: string, userId?: string): Promise<boolean> {
  const where = userId
    ? and(eq(sessions.id, id), eq(sessions.userId, userId), isNull(sessions.revokedAt))
    : and(eq(sessions.id, id), isNull(sessions.revokedAt));
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokeReason: reason })
    .where(where)
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Password change, account disabling: every session of the user ends (optionally but one). */
export async function revokeUserSessions(db: Db, userId: string, reason: string, exceptId?: string): Promise<string[]> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokeReason: reason })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        exceptId ? sql`${sessions.id} <> ${exceptId}` : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/** The session with its user's account state, when the session belongs to that user. */
export async function getSessionOfUser(db: Db, sessionId: string, userId: string) {
  const [row] = await db
    .select({ session: sessions, disabled: users.disabled, mfaEnabled: users.mfaEnabled })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .limit(1);
  return row;
}

export async function touchSession(db: Db, id: string, ip: string, now = new Date()): Promise<void> {
  await db
    .update(sessions)
    .set({ lastSeenAt: now, ip: ip.slice(0, 64) })
    .where(eq(sessions.id, id));
}

export async function setSessionOrg(db: Db, id: string, orgId: string | null): Promise<void> {
  await db.update(sessions).set({ orgId }).where(eq(sessions.id, id));
}

export async function markSessionMfa(db: Db, id: string): Promise<void> {
  await db.update(sessions).set({ mfa: true }).where(eq(sessions.id, id));
}

export interface PurgeResult {
  sessions: number;
  refreshTokens: number;
  authCodes: number;
  invitations: number;
}

/**
 * The periodic clean-up: expired refresh tokens (a used one is kept until it expires, so a
 * replay is still recognised), sessions past their absolute lifetime or revoked more than a
 * day ago, stale OAuth codes and invitations.
 */
export async function purgeExpired(db: Db, now = new Date()): Promise<PurgeResult> {
  const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000);
  const rt = await db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, now)).returning({ id: refreshTokens.id });
  const ss = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.revokedAt, dayAgo)))
    .returning({ id: sessions.id });
  const ac = await db.delete(authCodes).where(lt(authCodes.expiresAt, now)).returning({ h: authCodes.codeHash });
  const inv = await db
    .delete(invitations)
    .where(and(lt(invitations.expiresAt, now), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return { sessions: ss.length, refreshTokens: rt.length, authCodes: ac.length, invitations: inv.length };
}

// ── one-time OAuth codes ────────────────────────────────────────────────────
export async function createAuthCode(
  db: Db,
  c: { userId: string; provider: string; device: string; ip: string; ttlS: number },
): Promise<string> {
  const code = randomToken(32);
  await db.insert(authCodes).values({
    codeHash: sha256(code),
    userId: c.userId,
    provider: c.provider,
    device: c.device.slice(0, 300),
    ip: c.ip.slice(0, 64),
    expiresAt: new Date(Date.now() + c.ttlS * 1000),
  });
  return code;
}

/** Marks the code used in the same statement that reads it: a second exchange finds nothing. */
export async function consumeAuthCode(db: Db, code: string) {
  const [row] = await db
    .update(authCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(authCodes.codeHash, sha256(code)), isNull(authCodes.usedAt), gt(authCodes.expiresAt, new Date())))
    .returning();
  return row;
}
