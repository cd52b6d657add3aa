/**
 * The action keys chatlens adds to Moleculer's ActionSchema, typed (Moleculer 0.14 lets any key
 * through as `any`): read by the permissions middleware (core/permissions.ts,
 * middlewares/permissions.ts), the tenant mixin and the OpenAPI builder (services/api/openapi.ts).
 *
 * Below them, members Moleculer 0.14 (and @moleculer/channels) have at run time but their typings
 * omit, declared with the shape chatlens reads, so no module reaches them through a cast.
 */
import type { JetStreamManager } from "nats";
import type { ActionParams, GenericObject } from "moleculer";
import type { ActionOpenApi } from "../core/define-action.ts";
import type { Permission } from "../core/permissions.ts";
import type { ActionEndpointList } from "../core/registry.ts";

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
    /** Every endpoint (available or not) of an action across the cluster, with its strategy; undefined for an unknown action. */
    getActionEndpoints(actionName: string): ActionEndpointList | undefined;
  }

  /** An endpoint is available while its node is up and its circuit breaker is not open (a getter over `state`). */
  interface Endpoint {
    readonly isAvailable: boolean;
  }

  /** Strategies are registered by name, like the other pluggable modules (Moleculer 0.14 src/strategies/index.js). */
  namespace Strategies {
    function register(name: string, value: typeof BaseStrategy): void;
  }

  /** The built-in logger classes the typings leave out (they declare only Base). */
  namespace Loggers {
    /** What `logger: "Console"` makes: lines to stdout/stderr through a formatter. */
    class Console extends Base {
      constructor(opts?: GenericObject);
    }
  }

  interface ServiceBroker {
    /**
     * The @moleculer/channels adapter (its `adapterPropertyName`), set by the channels middleware
     * on nodes that run channels: NATS JetStream in a cluster, the in-process Fake adapter embedded.
     */
    channelAdapter?: ChannelAdapter;
  }
}

/** What chatlens reads of a channel adapter. */
interface ChannelAdapter {
  /** A delivered message's headers as a plain object (NATS: first value of each header; Fake: the publisher's `headers`). */
  parseMessageHeaders(raw: unknown): Record<string, unknown> | null | undefined;
  /** JetStream adapter only: its stream and consumer manager, null until connected. */
  manager?: JetStreamManager | null;
}
