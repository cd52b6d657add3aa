import { orgOf } from "../../../core/permissions.ts";
import { queryAudit, writeAudit, type AuditEntry } from "../audit.ts";
import type { AuthDeps, Caller } from "./context.ts";

/** The organisation's audit log: reading it, and entries other services write through auth. */

export async function listAudit(
  deps: AuthDeps,
  caller: Caller,
  p: { action?: string; actorId?: string; from?: Date; to?: Date; before?: number; limit?: number },
) {
  return queryAudit(deps.db, { ...p, orgId: orgOf(caller), limit: p.limit ?? 50 });
}

export async function writeEntry(deps: AuthDeps, entry: AuditEntry): Promise<{ ok: true }> {
  await writeAudit(deps.db, entry);
  return { ok: true };
}
