import { and, eq, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { ActionSchema, Context, ServiceSchema } from "moleculer";
import type { Db } from "../models/db.ts";
import { ClientError } from "../core/errors.ts";
import { orgOf, type AuthInfo, type CallMeta } from "../core/permissions.ts";

/**
 * Tenant scoping for every service that touches organisation data.
 *
 * - `scope(ctx, table, ...more)` is the WHERE clause of any query on a tenant table: the
 *   caller's org AND whatever else. `findOwned(ctx, table, id)` loads one row only when it
 *   belongs to the caller's org, and answers 404 (never 403) for another org's id, so ids of
 *   other tenants cannot even be confirmed to exist.
 * - Cache keys: `tenantCache(...keys)` builds `{ keys: ["#auth.orgId", ...keys] }`; Moleculer
 *   0.14's cacher reads `#`-keys from meta with lodash `get`, so the dot path works. At service
 *   creation the mixin refuses any action that declares `permissions` (tenant data) and caches
 *   without `#auth.orgId` in its keys: a forgotten key would share one org's answer with
 *   another.
 * - Organisations that require MFA: members who have not enrolled get MFA_ENROLMENT_REQUIRED
 *   from every action with `permissions` (tenant data) until they enrol.
 */

type TenantTable = PgTable & { orgId: PgColumn; id: PgColumn };

export const ORG_CACHE_KEY = "#auth.orgId";

export function tenantCache(...keys: string[]): { keys: string[] } {
  return { keys: [ORG_CACHE_KEY, ...keys] };
}

/** Who calls: a Moleculer context, or any caller with its meta (a use case's `caller`). */
type Caller = { meta: CallMeta };

/** The WHERE clause of a tenant query: the caller's org and the given conditions. */
export function scope(ctx: Caller, table: { orgId: PgColumn }, ...more: (SQL | undefined)[]): SQL {
  return and(eq(table.orgId, orgOf(ctx)), ...more)!;
}

/** One row by id within the caller's org; NOT_FOUND for a missing id and for another org's. */
export async function findOwned<T extends TenantTable>(
  db: Db,
  ctx: Caller,
  table: T,
  id: string | number,
  what = "Resource",
): Promise<T["$inferSelect"]> {
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(scope(ctx, table, eq(table.id, id)))
    .limit(1);
  if (!rows.length) throw new ClientError("NOT_FOUND", `${what} not found`);
  return rows[0] as T["$inferSelect"];
}

/** What resolveCredential adds to AuthInfo when the current org requires MFA and the user has none. */
export interface TenantAuthInfo extends AuthInfo {
  mfaEnrolmentRequired?: boolean;
}

function checkCacheKeys(serviceName: string, name: string, action: ActionSchema) {
  if (!action.cache || !action.permissions?.length) return;
  const keys: unknown = typeof action.cache === "object" ? action.cache.keys : undefined;
  if (!Array.isArray(keys) || !keys.includes(ORG_CACHE_KEY))
    throw new Error(
      `${serviceName}.${name} caches tenant data without "${ORG_CACHE_KEY}" in cache.keys: use cache: tenantCache(...keys)`,
    );
}

export function tenantMixin(): Partial<ServiceSchema> {
  return {
    hooks: {
      before: {
        "*"(this: unknown, ctx: Context<unknown, CallMeta>) {
          const action = ctx.action as ActionSchema | undefined;
          if (!action?.permissions?.length || ctx.meta.system) return;
          if ((ctx.meta.auth as TenantAuthInfo | undefined)?.mfaEnrolmentRequired)
            throw new ClientError(
              "MFA_ENROLMENT_REQUIRED",
              "This organisation requires two-factor authentication: enrol first",
            );
        },
      },
    },
    merged(this: unknown, schema: ServiceSchema) {
      for (const [name, action] of Object.entries(schema.actions ?? {}))
        if (action && typeof action === "object") checkCacheKeys(String(schema.name), name, action as ActionSchema);
    },
    methods: {
      orgOf(ctx: Context<unknown, CallMeta>) {
        return orgOf(ctx);
      },
    },
  };
}
