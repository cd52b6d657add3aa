/**
 * The action keys chatlens adds to Moleculer's ActionSchema, typed (Moleculer 0.14 lets any key
 * through as `any`): read by the permissions middleware (core/permissions.ts,
 * middlewares/permissions.ts), the tenant mixin and the OpenAPI builder (services/api/openapi.ts).
 */
import type { ActionParams } from "moleculer";
import type { ActionOpenApi } from "../core/define-action.ts";
import type { Permission } from "../core/permissions.ts";

declare module "moleculer" {
  interface ActionSchema {
    /** `"public"`: anyone, even anonymous; `"user"`: any signed-in user, no organisation needed. */
    auth?: "public" | "user";
    /** Permissions in the caller's current organisation that the action needs (tenant data). */
    permissions?: Permission[];
    /** Documentation of the action in the OpenAPI document. */
    openapi?: ActionOpenApi;
    /** The route and query parameters of an action whose params are a body stream (see defineStreamAction). */
    queryParams?: ActionParams;
  }

  /** Registry calls Moleculer 0.14 has but its typings omit (used by core/registry.ts). */
  interface ServiceRegistry {
    /** Rebuilds this node's info (its metadata included); `incSeq` makes the others take it as new. */
    regenerateLocalRawInfo(incSeq?: boolean): void;
    discoverer: { sendLocalNodeInfo(nodeID?: string): Promise<void> };
  }
}
