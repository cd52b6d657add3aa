import { positional, type OperatorCommand } from "../../core/operator.ts";

const system = { meta: { system: true } };

/** Cluster-wide operator commands; `ops` runs on every node. */
export const OPS_COMMANDS: OperatorCommand[] = [
  {
    service: "ops",
    command: "cluster:status",
    description: "Nodes of the cluster: shape (services), GPU, draining, CPU, last heartbeat",
    run: (broker) => broker.call("ops.clusterStatus", {}, system),
  },
  {
    service: "ops",
    command: "node:drain <nodeID>",
    description: "Stop a node taking new work (its services leave the cluster) before shutting it down",
    run: (broker, a) => broker.call("ops.drain", {}, { ...system, nodeID: positional(a, "nodeID") }),
  },
  {
    service: "ops",
    command: "channels:backlog",
    description: "Messages waiting per durable channel (JetStream) and chunks waiting for a vector per dataset",
    // Answered by this node: it reads JetStream and the database itself, whichever node hosts the embedder.
    run: (broker) => broker.call("ops.channelBacklog", {}, { ...system, nodeID: broker.nodeID }),
  },
];
