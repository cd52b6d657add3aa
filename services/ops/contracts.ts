import { z } from "zod";
import { contract } from "../../core/define-action.ts";

/**
 * The operator's actions on every node, declared once. Internal (`public` visibility): reachable
 * from the REPL and the operator CLI through the broker, never over HTTP. Handlers are in
 * ops.service.ts, the logic in cluster-status.ts, channel-backlog.ts, drain.ts and database-gauge.ts.
 */

const none = z.object({}).strict();
const internal = { visibility: "public" } as const;

/** This node's readiness (database, transporter, cacher): the gateway's /api/ready answer, for any node shape. */
export const ready = contract({ ...internal, params: none });

/** The nodes of the cluster, their services and state. */
export const clusterStatus = contract({ ...internal, params: none });

/**
 * What waits in the durable channels: in a cluster, JetStream's streams and consumers of this
 * namespace; and, where this node can reach the shared database (embedded, or DATABASE_URL
 * set), the chunks per dataset still without a vector, which the queue is rebuilt from.
 */
export const channelBacklog = contract({ ...internal, timeout: 15_000, params: none });

/** Stops this node taking new work, then reports it is safe to stop (drain.ts). No timeout: in-flight jobs finish first. */
export const drain = contract({ ...internal, timeout: 0, params: none });
