import type { ServiceBroker } from "moleculer";

/** Services a drained node keeps: this one (so the operator can still reach it) and Moleculer's internal ones. */
const keeps = (name: string) => name === "ops" || name.startsWith("$");

/**
 * Stops this node taking new work: its other services are destroyed (they unregister from the
 * cluster, so callers and channels move to other nodes, and each service's `stopped` hook
 * finishes its in-flight jobs), then the node reports it is safe to stop.
 */
export async function drainNode(
  broker: ServiceBroker,
  clock: () => number = Date.now,
): Promise<{ nodeID: string; stopped: string[]; ms: number }> {
  // Announced with the node's next INFO packet (sent when its services change below).
  (broker.metadata as { draining?: boolean }).draining = true;
  const stopping = broker.services.filter((s) => !keeps(s.name));
  const stopped = stopping.map((s) => s.name);
  const started = clock();
  for (const service of stopping) await broker.destroyService(service);
  const ms = clock() - started;
  broker.logger.warn(`Node drained: stopped ${stopped.join(", ") || "no services"} in ${ms} ms`);
  return { nodeID: broker.nodeID, stopped, ms };
}
