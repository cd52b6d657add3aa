import { ClientError } from "../../../core/errors.ts";
import { orgOf, ROLE_PERMISSIONS, type Permission } from "../../../core/permissions.ts";
import { createApiKey as insertApiKey, listApiKeys as readApiKeys, revokeApiKey as markRevoked } from "../api-keys.ts";
import { invalid, record, type AuthDeps, type Caller } from "./context.ts";

/** The organisation's API keys: never more than their creator's role grants. */

export async function listApiKeys(deps: AuthDeps, caller: Caller) {
  return { items: await readApiKeys(deps.db, orgOf(caller)) };
}

export async function createApiKey(
  deps: AuthDeps,
  caller: Caller,
  p: { name: string; permissions: Permission[]; expiresAt?: Date },
) {
  const auth = caller.meta.auth;
  if (auth?.kind !== "user" || !auth.userId || !auth.role)
    throw new ClientError("FORBIDDEN", "API keys cannot create API keys");
  const granted = ROLE_PERMISSIONS[auth.role];
  const excess = p.permissions.filter((x) => !granted.has(x));
  if (excess.length) throw new ClientError("FORBIDDEN", `Your role does not grant: ${excess.join(", ")}`);
  if (p.expiresAt && p.expiresAt.getTime() <= deps.clock()) throw invalid("expiresAt", "must be in the future");
  const { key, apiKey } = await insertApiKey(deps.db, {
    orgId: orgOf(caller),
    createdBy: auth.userId,
    name: p.name,
    permissions: p.permissions,
    expiresAt: p.expiresAt,
  });
  await record(deps, caller, "apiKey.created", {
    target: apiKey.id,
    data: { name: apiKey.name, permissions: apiKey.permissions },
  });
  return { apiKey, key };
}

export async function revokeApiKey(deps: AuthDeps, caller: Caller, p: { id: string }) {
  const key = await markRevoked(deps.db, orgOf(caller), p.id);
  if (!key) throw new ClientError("NOT_FOUND", "API key not found");
  await record(deps, caller, "apiKey.revoked", { target: key.id, data: { name: key.name } });
  return { apiKey: key };
}
