import type { ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction } from "../../core/define-action.ts";
import { checkReadiness } from "../../core/readiness.ts";
import { databaseBacklog, jetStreamBacklog } from "./channel-backlog.ts";
import { summariseNodes } from "./cluster-status.ts";
import * as C from "./contracts.ts";
import { keepDatabaseGauge } from "./database-gauge.ts";
import { drainNode } from "./drain.ts";

/**
 * Runs on every node, whatever its shape, so an operator can ask any node about itself and
 * drain it. Not published: reachable from the REPL and the operator CLI only. The wiring:
 * contracts in contracts.ts, the logic in the modules beside it.
 */
export default function createOpsService(app: AppContext): ServiceSchema {
  const { config } = app;
  let stopGauge: (() => void) | undefined;
  return {
    name: "ops",

    async started() {
      stopGauge = await keepDatabaseGauge(this.broker, app);
    },

    stopped() {
      stopGauge?.();
    },

    actions: {
      ready: defineAction(C.ready, async (ctx) => ({
        nodeID: ctx.broker.nodeID,
        ...(await checkReadiness(ctx.broker, app)),
      })),

      clusterStatus: defineAction(C.clusterStatus, (ctx) =>
        summariseNodes(ctx.broker.registry.nodes.list({ onlyAvailable: false, withServices: true })),
      ),

      channelBacklog: defineAction(C.channelBacklog, async () => {
        const cluster = config.TRANSPORTER !== "none";
        return {
          channels: cluster ? await jetStreamBacklog(config.TRANSPORTER, config.NAMESPACE) : null,
          datasets: !cluster || config.DATABASE_URL ? await databaseBacklog((await app.database()).db) : null,
        };
      }),

      drain: defineAction(C.drain, (ctx) => drainNode(ctx.broker)),
    },
  };
}
