import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { refreshTokens, sessions } from "../../models/schema.ts";
import { randomToken, sha256 } from "./crypto.ts";
import { isAlive, type SessionRow } from "./sessions.ts";

/**
 * Refresh tokens are opaque random strings stored as sha256 digests. A session is one
 * token family: each use rotates the token, and presenting a used token again means it was
 * stolen, so the whole session ends.
 *
 * Grace window: two tabs refreshing at once both present the same token. Within
 * `graceS` seconds of its rotation, the previous token (and only while its successor is
 * still unused) answers with a fresh access token for the same session and
 * `refreshToken: null`: the caller keeps the refresh token the winning request received.
 */
export type RotateResult =
  | { kind: "rotated"; session: SessionRow; refreshToken: string }
  | { kind: "grace"; session: SessionRow }
  | { kind: "reused"; session: SessionRow }
  | { kind: "invalid" }
  | { kind: "expired" }
  | { kind: "sessionEnded"; session: SessionRow };

export interface RefreshSettings {
  ttlS: number;
  graceS: number;
}

export async function issueRefreshToken(
  db: Db,
  session: Pick<SessionRow, "id" | "expiresAt">,
  ttlS: number,
  now = new Date(),
) {
  const token = randomToken(32);
  // Never outlives the session's absolute lifetime.
  const expiresAt = new Date(Math.min(now.getTime() + ttlS * 1000, session.expiresAt.getTime()));
  const [row] = await db
    .insert(refreshTokens)
    .values({ sessionId: session.id, tokenHash: sha256(token), expiresAt, createdAt: now })
    .returning({ id: refreshTokens.id });
  return { token, id: row!.id };
}

export async function rotateRefreshToken(
  db: Db,
  token: string,
  s: RefreshSettings,
  now = new Date(),
): Promise<RotateResult> {
  const [found] = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, sha256(token)))
    .limit(1);
  if (!found) return { kind: "invalid" };
  const { token: row, session } = found;
  if (!isAlive(session, now)) return { kind: "sessionEnded", session };
  if (row.expiresAt.getTime() <= now.getTime()) return { kind: "expired" };

  if (!row.usedAt) {
    const next = await issueRefreshToken(db, session, s.ttlS, now);
    // Only one of several concurrent requests marks the token used; the others go the grace path.
    const claimed = await db
      .update(refreshTokens)
      .set({ usedAt: now, replacedBy: next.id })
      .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id });
    if (claimed.length) return { kind: "rotated", session, refreshToken: next.token };
    await db.delete(refreshTokens).where(eq(refreshTokens.id, next.id));
    return rotateRefreshToken(db, token, s, now);
  }

  const withinGrace = now.getTime() - row.usedAt.getTime() <= s.graceS * 1000;
  if (withinGrace && row.replacedBy) {
    const [successor] = await db.select().from(refreshTokens).where(eq(refreshTokens.id, row.replacedBy)).limit(1);
    if (successor && !successor.usedAt) return { kind: "grace", session };
  }
  return { kind: "reused", session };
}
