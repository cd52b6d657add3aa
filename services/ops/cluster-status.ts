/**
 * What an operator wants to see of the cluster: every node, the services (shape) it runs,
 * whether it is a GPU embedder, whether it is draining, and how loaded it is.
 */
export interface NodeSummary {
  nodeID: string;
  available: boolean;
  local: boolean;
  shape: string[];
  gpu: boolean;
  draining: boolean;
  cpu: number | null;
  hostname: string | null;
  lastHeartbeatS: number | null;
}

interface RegistryNode {
  id: string;
  available: boolean;
  local: boolean;
  cpu?: number | null;
  hostname?: string | null;
  lastHeartbeatTime?: number;
  metadata?: { services?: string[]; gpu?: boolean; draining?: boolean };
  services?: { name: string }[];
}

const INTERNAL = new Set(["$node", "ops"]);

export function summariseNodes(nodes: RegistryNode[], now = Date.now()): NodeSummary[] {
  return nodes
    .map((n) => ({
      nodeID: n.id,
      available: n.available,
      local: n.local,
      // The services really registered, not only what the node was configured with.
      shape: (n.services ?? [])
        .map((s) => s.name)
        .filter((name) => !INTERNAL.has(name))
        .sort(),
      gpu: n.metadata?.gpu === true,
      draining: n.metadata?.draining === true,
      cpu: n.cpu ?? null,
      hostname: n.hostname ?? null,
      lastHeartbeatS: n.lastHeartbeatTime ? Math.round((now - n.lastHeartbeatTime) / 1000) : null,
    }))
    .sort((a, b) => a.nodeID.localeCompare(b.nodeID));
}
