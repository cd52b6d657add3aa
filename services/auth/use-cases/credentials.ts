import { ClientError } from "../../../core/errors.ts";
import { ROLE_PERMISSIONS, type Permission } from "../../../core/permissions.ts";
import type { TenantAuthInfo } from "../../../mixins/tenant.mixin.ts";
import type { Role } from "../../../models/schema.ts";
import { getUser } from "../accounts.ts";
import { resolveApiKey, touchApiKey } from "../api-keys.ts";
import { getMembership, getMembershipPolicy } from "../orgs.ts";
import { getSessionOfUser, touchSession } from "../sessions.ts";
import { looksLikeApiKey, TokenVerificationError } from "../tokens.ts";
import type { AuthDeps } from "./context.ts";

/** Who a bearer token or API key stands for: the gateway asks on every request. */

export async function resolveCredential(deps: AuthDeps, p: { token: string }, ip: string): Promise<TenantAuthInfo> {
  if (looksLikeApiKey(p.token)) return resolveKey(deps, p.token);
  let claims;
  try {
    claims = deps.accessTokens.verify(p.token);
  } catch (err) {
    const c = err instanceof TokenVerificationError ? err.code : "TOKEN_INVALID";
    throw new ClientError(c, c === "TOKEN_EXPIRED" ? "Access token expired" : "Invalid access token");
  }
  const cached = deps.credentials.get(claims.sessionId, claims.orgId, claims.userId);
  if (cached) return cached;
  const info = await loadSessionAuth(deps, claims.sessionId, claims.userId, claims.orgId, ip);
  deps.credentials.set(claims.sessionId, claims.orgId, info);
  return info;
}

async function loadSessionAuth(
  deps: AuthDeps,
  sessionId: string,
  userId: string,
  orgId: string | null,
  ip: string,
): Promise<TenantAuthInfo> {
  const row = await getSessionOfUser(deps.db, sessionId, userId);
  if (!row || row.session.revokedAt || row.session.expiresAt.getTime() <= deps.clock())
    throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
  if (row.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
  if (deps.lastSeen.due(sessionId))
    touchSession(deps.db, sessionId, ip).catch((err) => deps.logger.warn("Could not update session last-seen", err));
  let role: Role | null = null;
  let requireMfa = false;
  if (orgId) {
    const m = await getMembershipPolicy(deps.db, orgId, userId);
    role = m?.role ?? null;
    requireMfa = m?.requireMfa ?? false;
  }
  const info: TenantAuthInfo = {
    kind: "user",
    userId,
    orgId: role ? orgId : null,
    role,
    permissions: role ? [...ROLE_PERMISSIONS[role]] : [],
    sessionId,
    mfa: row.session.mfa,
  };
  if (role && requireMfa && !row.mfaEnabled) info.mfaEnrolmentRequired = true;
  return info;
}

async function resolveKey(deps: AuthDeps, token: string): Promise<TenantAuthInfo> {
  const key = await resolveApiKey(deps.db, token);
  const creatorRole = key?.createdBy ? await getMembership(deps.db, key.orgId, key.createdBy) : undefined;
  // A key never grants more than its creator's current role: demoting or removing them narrows
  // or kills it, and it dies with its creator's account when that is disabled (M3).
  const creator = key?.createdBy && creatorRole ? await getUser(deps.db, key.createdBy) : undefined;
  if (!key || !creatorRole || !creator || creator.disabled) throw new ClientError("TOKEN_INVALID", "Invalid API key");
  const granted = ROLE_PERMISSIONS[creatorRole];
  await touchApiKey(deps.db, key.id);
  return {
    kind: "apiKey",
    userId: null,
    orgId: key.orgId,
    role: null,
    permissions: (key.permissions as Permission[]).filter((p) => granted.has(p)),
    apiKeyId: key.id,
  };
}
