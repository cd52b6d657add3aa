import type { Context } from "moleculer";
import type { Logger } from "./logger.ts";
import type { CallMeta } from "./permissions.ts";

/**
 * Writing to the audit log from any service: `await recordAudit(ctx, logger, "dataset.deleted",
 * { target: id, data: { name } })`. Actor, organisation, client address and request id come
 * from the calling context; the entry is written by the auth service (`auth.audit`).
 * An audit failure is logged, never turned into a failed user request.
 */
export interface AuditOptions {
  target?: string;
  outcome?: "success" | "failure";
  data?: Record<string, unknown>;
  /** Overrides the org taken from the caller (e.g. a failed log-in has none). */
  orgId?: string | null;
  actorId?: string | null;
}

/** `ctx`: a Moleculer context, or any caller with its meta and request id. */
export function auditParams(ctx: { meta: CallMeta; requestID?: string | null }, action: string, o: AuditOptions = {}) {
  const auth = ctx.meta.auth;
  return {
    action,
    orgId: o.orgId !== undefined ? o.orgId : (auth?.orgId ?? null),
    actorId: o.actorId !== undefined ? o.actorId : (auth?.userId ?? null),
    target: o.target ?? null,
    outcome: o.outcome ?? "success",
    data: { ...(o.data ?? {}), ...(auth?.apiKeyId ? { apiKeyId: auth.apiKeyId } : {}) },
    ip: ctx.meta.ip ?? null,
    requestId: ctx.requestID ?? null,
  };
}

export async function recordAudit(
  ctx: Context<unknown, CallMeta>,
  logger: Logger,
  action: string,
  options?: AuditOptions,
): Promise<void> {
  try {
    await ctx.call("auth.audit", auditParams(ctx, action, options));
  } catch (err) {
    logger.error(`Audit entry ${action} could not be written`, err);
  }
}
