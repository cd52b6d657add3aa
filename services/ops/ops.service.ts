import type { Service, ServiceSchema } from "moleculer";
import type { AppContext } from "../app-context.ts";
import { databaseBacklog, jetStreamBacklog } from "./channel-backlog.ts";
import { summariseNodes } from "./cluster-status.ts";

/**
 * Runs on every node, whatever its shape, so an operator can ask any node about itself and
 * drain it. Not published: reachable from the REPL and the operator CLI only.
 */
export default function createOpsService(app: AppContext): ServiceSchema {
  const { config } = app;
  return {
    name: "ops",

    actions: {
      clusterStatus: {
        visibility: "public",
        params: {},
        handler(this: Service) {
          return summariseNodes(this.broker.registry.nodes.list({ onlyAvailable: false, withServices: true }) as never);
        },
      },

      /**
       * What waits in the durable channels: in a cluster, JetStream's streams and consumers of this
       * namespace; and, where this node can reach the shared database (embedded, or DATABASE_URL
       * set), the chunks per dataset still without a vector, which the queue is rebuilt from.
       */
      channelBacklog: {
        visibility: "public",
        params: {},
        timeout: 15_000,
        async handler() {
          const cluster = config.TRANSPORTER !== "none";
          return {
            channels: cluster ? await jetStreamBacklog(config.TRANSPORTER, config.NAMESPACE) : null,
            datasets: !cluster || config.DATABASE_URL ? await databaseBacklog((await app.database()).db) : null,
          };
        },
      },

      /**
       * Stops this node taking new work: its other services are destroyed (they unregister from
       * the cluster, so callers and channels move to other nodes, and each service's `stopped`
       * hook finishes its in-flight jobs), then the node reports it is safe to stop.
       */
      drain: {
        visibility: "public",
        params: {},
        timeout: 0,
        async handler(this: Service) {
          const broker = this.broker;
          // Announced with the node's next INFO packet (sent when its services change below).
          (broker.metadata as { draining?: boolean }).draining = true;
          const keep = (name: string) => name === "ops" || name.startsWith("$");
          const names = broker.services.map((s) => s.name).filter((n) => !keep(n));
          const started = Date.now();
          for (const service of [...broker.services]) if (!keep(service.name)) await broker.destroyService(service);
          broker.logger.warn(`Node drained: stopped ${names.join(", ") || "no services"} in ${Date.now() - started} ms`);
          return { nodeID: broker.nodeID, stopped: names, ms: Date.now() - started };
        },
      },
    },
  };
}
