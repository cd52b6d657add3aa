import { ClientError } from "../../../core/errors.ts";
import { findUserByEmail } from "../accounts.ts";
import { listActiveSessions, revokeSession, type SessionRow } from "../sessions.ts";
import { record, userIdOf, type AuthDeps, type Caller } from "./context.ts";

/** The sessions of an account: the caller's own, or (operators) anyone's by address. */

const sessionView = (s: SessionRow) => ({
  id: s.id,
  device: s.device,
  ip: s.ip,
  createdAt: s.createdAt,
  lastSeenAt: s.lastSeenAt,
  expiresAt: s.expiresAt,
});

export async function listSessions(deps: AuthDeps, caller: Caller) {
  const rows = await listActiveSessions(deps.db, userIdOf(caller));
  return { items: rows.map((s) => ({ ...sessionView(s), current: s.id === caller.meta.auth?.sessionId })) };
}

export async function endSession(deps: AuthDeps, caller: Caller, p: { id: string }): Promise<{ ok: true }> {
  if (!(await revokeSession(deps.db, p.id, "ended_by_user", userIdOf(caller))))
    throw new ClientError("NOT_FOUND", "Session not found");
  deps.credentials.sessionsEnded([p.id]);
  await record(deps, caller, "session.ended", { target: p.id, data: { reason: "ended_by_user" } });
  return { ok: true };
}

/** Operators: the active sessions of the account with this address. */
export async function listUserSessions(deps: AuthDeps, p: { email: string }) {
  const user = await findUserByEmail(deps.db, p.email);
  if (!user) throw new ClientError("NOT_FOUND", "User not found");
  return (await listActiveSessions(deps.db, user.id)).map(sessionView);
}
