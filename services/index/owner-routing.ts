import type { ServiceBroker } from "moleculer";
import { actionEndpoints } from "../../core/registry.ts";
import type { CallOptions, Caller, IndexNode } from "./deps.ts";

/**
 * Which index node owns a dataset's index. The actions that touch an index are sharded on
 * `datasetId`, and callers route to the owner explicitly (`callOwner`), since the broker's
 * preferLocal would otherwise keep a call on whichever index node happened to receive it.
 */
export class OwnerRouter {
  /** The endpoints each action's Shard ring was last built from (see ownerOf). */
  private readonly shardRing = new Map<string, string>();
  /** Set once the service stops: it owns nothing from then on. */
  private stopping = false;

  constructor(private readonly broker: ServiceBroker) {}

  /** The index node that owns a dataset: the Shard strategy's choice among available endpoints. */
  ownerOf(action: string, datasetId: string): string | undefined {
    const list = actionEndpoints(this.broker, action);
    const available = list?.endpoints.filter((ep) => ep.isAvailable) ?? [];
    if (!list || available.length === 0) return undefined;
    // Moleculer's Shard strategy rebuilds its ring on node events only: after a service
    // stopped on a node that stays connected (node:drain) its ring still named that node (select
    // gave undefined and this threw), or gave owners the other nodes' rings did not. Rebuilt
    // whenever the available endpoints changed, so every node derives the owner from the same set.
    const ids = available
      .map((ep) => ep.id)
      .sort()
      .join(",");
    if (this.shardRing.get(action) !== ids) {
      list.strategy.needRebuild = true;
      this.shardRing.set(action, ids);
    }
    return list.strategy.select(available, { params: { datasetId }, meta: {} })?.id;
  }

  endpointsOf(action: string): string[] {
    const list = actionEndpoints(this.broker, action);
    return (list?.endpoints ?? []).filter((ep) => ep.isAvailable).map((ep) => ep.id);
  }

  /** Whether this node owns the dataset's index now (the Shard strategy's choice). */
  ownsDataset(datasetId: string): boolean {
    return !this.stopping && this.ownerOf("index.vectorSearch", datasetId) === this.broker.nodeID;
  }

  /** The service stops: this node owns no index from now on. */
  stop(): void {
    this.stopping = true;
  }
}

/** Calls `action` on the node owning `params.datasetId`'s index (any node when none is known). */
export function callOwner<T, P extends { datasetId: string } = { datasetId: string }>(
  node: Pick<IndexNode, "ownerOf">,
  caller: Pick<Caller, "call">,
  action: string,
  params: P,
  opts: CallOptions = {},
): Promise<T> {
  const nodeID = node.ownerOf(action, params.datasetId);
  return caller.call<T>(action, params, nodeID ? { ...opts, nodeID } : opts);
}
