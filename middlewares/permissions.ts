import type { ActionHandler, ActionSchema, Context } from "moleculer";
import { checkAccess, type ActionGuard, type CallMeta } from "../core/permissions.ts";
import type { ChatlensMiddleware } from "../types/middleware.ts";

/**
 * Refuses a published action to a caller without its declared `auth` or `permissions`
 * (the table is core/permissions.ts). Runs before the validator and the cacher (moleculer.config.ts).
 */
export const PermissionsMiddleware = {
  name: "Permissions",
  localAction(next: ActionHandler, action: ActionSchema) {
    if (action.visibility !== "published" && action.visibility !== undefined) return next;
    const guard: ActionGuard = { auth: action.auth, permissions: action.permissions };
    return (ctx: Context<unknown, CallMeta>) => {
      try {
        checkAccess(guard, ctx.meta);
      } catch (err) {
        // A rejected promise, never a synchronous throw: callers chain .catch() on calls.
        return Promise.reject(err);
      }
      return next(ctx);
    };
  },
} satisfies ChatlensMiddleware;
