import type { ServiceBroker } from "moleculer";

/** The parts of a Moleculer action endpoint that chatlens reads. */
export interface ActionEndpoint {
  /** The node's id. */
  id: string;
  local: boolean;
  isAvailable: boolean;
  node: { id: string; metadata?: Record<string, unknown> | null };
}

/** An action's endpoints across the cluster, with the strategy its calls use to pick one. */
export interface ActionEndpointList {
  endpoints: ActionEndpoint[];
  strategy: {
    /** Undefined when the strategy's own state names a node no longer in `list` (Shard's ring). */
    select(list: ActionEndpoint[], ctx: { params: unknown; meta: unknown }): ActionEndpoint | undefined;
    /** Shard: rebuild the ring from the next list it is given. */
    needRebuild?: boolean;
  };
}

/** Every endpoint (available or not) of an action across the cluster (typed in types/moleculer.d.ts). */
export function actionEndpoints(broker: ServiceBroker, action: string): ActionEndpointList | undefined {
  return broker.registry.getActionEndpoints(action);
}

/** Tells the other nodes this node's info again, after its metadata changed (a device found at load time). */
export async function announceLocalNode(broker: ServiceBroker): Promise<void> {
  broker.registry.regenerateLocalRawInfo(true);
  await broker.registry.discoverer.sendLocalNodeInfo();
}
