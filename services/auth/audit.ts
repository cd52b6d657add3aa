import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { auditLog } from "../../models/schema.ts";

export interface AuditEntry {
  action: string;
  orgId?: string | null;
  actorId?: string | null;
  target?: string | null;
  outcome?: "success" | "failure";
  data?: Record<string, unknown> | null;
  ip?: string | null;
  requestId?: string | null;
}

/** The audit actions the auth service writes; other services add theirs (e.g. `dataset.deleted`). */
export const AUDIT_ACTIONS = [
  "user.signedUp",
  "user.signupAttempted",
  "user.loggedIn",
  "user.loginFailed",
  "user.passwordChanged",
  "user.disabled",
  "user.enabled",
  "session.ended",
  "token.reused",
  "org.created",
  "org.updated",
  "member.roleChanged",
  "member.removed",
  "member.joined",
  "invitation.created",
  "invitation.revoked",
  "mfa.enabled",
  "mfa.disabled",
  "mfa.recoveryCodeUsed",
  "apiKey.created",
  "apiKey.revoked",
  "oauth.linked",
  "dataset.deleted",
] as const;

export async function writeAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    action: e.action,
    orgId: e.orgId ?? null,
    actorId: e.actorId ?? null,
    target: e.target ?? null,
    outcome: e.outcome ?? "success",
    data: e.data ?? null,
    ip: e.ip ?? null,
    requestId: e.requestId ?? null,
  });
}

export interface AuditQuery {
  orgId: string;
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  /** Keyset pagination: entries with an id below this one. */
  before?: number;
  limit: number;
}

export async function queryAudit(db: Db, q: AuditQuery) {
  const conditions: SQL[] = [eq(auditLog.orgId, q.orgId)];
  if (q.action) conditions.push(eq(auditLog.action, q.action));
  if (q.actorId) conditions.push(eq(auditLog.actorId, q.actorId));
  if (q.from) conditions.push(gte(auditLog.createdAt, q.from));
  if (q.to) conditions.push(lte(auditLog.createdAt, q.to));
  if (q.before) conditions.push(lt(auditLog.id, q.before));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  return { items, nextBefore: more ? items[items.length - 1]!.id : null };
}
