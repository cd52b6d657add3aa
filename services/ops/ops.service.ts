import type { Service, ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { checkReadiness } from "../../core/readiness.ts";
import { databaseBacklog, jetStreamBacklog } from "./channel-backlog.ts";
import { summariseNodes } from "./cluster-status.ts";

/**
 * Runs on every node, whatever its shape, so an operator can ask any node about itself and
 * drain it. Not published: reachable from the REPL and the operator CLI only.
 */
/** 1 while this node reaches its database, 0 when not: what a worker's readiness probe reads (it has no HTTP port). */
export const DATABASE_UP_METRIC = "chatlens_database_up";
const DATABASE_CHECK_MS = 5000;

export default function createOpsService(app: AppContext): ServiceSchema {
  const { config } = app;
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "ops",

    async started(this: Service) {
      // A node whose services use the database (every shape but a bare REPL) is ready only while
      // it reaches it: the gateway's /api/ready checks it per request, other nodes through this gauge.
      const services = (this.broker.metadata as { services?: string[] }).services ?? [];
      const metrics = this.broker.metrics;
      if (!services.length || !metrics?.isEnabled()) return;
      if (!metrics.hasMetric(DATABASE_UP_METRIC))
        metrics.register({
          name: DATABASE_UP_METRIC,
          type: "gauge",
          description: "1 while this node's database answers a ping, 0 when it does not",
        });
      const check = async () => {
        const { checks } = await checkReadiness(this.broker, app);
        metrics.set(DATABASE_UP_METRIC, checks.database.status === "down" ? 0 : 1);
      };
      await check();
      timer = setInterval(() => void check().catch(() => metrics.set(DATABASE_UP_METRIC, 0)), DATABASE_CHECK_MS);
      timer.unref();
    },

    stopped() {
      clearInterval(timer);
    },

    actions: {
      /** This node's readiness (database, transporter, cacher), the same answer as the gateway's /api/ready, for any node shape. */
      ready: {
        visibility: "public",
        params: {},
        async handler(this: Service) {
          return { nodeID: this.broker.nodeID, ...(await checkReadiness(this.broker, app)) };
        },
      },

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
          broker.logger.warn(
            `Node drained: stopped ${names.join(", ") || "no services"} in ${Date.now() - started} ms`,
          );
          return { nodeID: broker.nodeID, stopped: names, ms: Date.now() - started };
        },
      },
    },
  };
}
