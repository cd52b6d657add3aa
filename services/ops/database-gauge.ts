import type { ServiceBroker } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { checkReadiness } from "../../core/readiness.ts";

/** 1 while this node reaches its database, 0 when not: what a worker's readiness probe reads (it has no HTTP port). */
export const DATABASE_UP_METRIC = "chatlens_database_up";
const DATABASE_CHECK_MS = 5000;

/**
 * A node whose services use the database (every shape but a bare REPL) is ready only while it
 * reaches it: the gateway's /api/ready checks it per request, other nodes through this gauge,
 * set now and every few seconds. Returns the stop of the checks, or nothing where there is no
 * gauge to keep (no services, metrics off).
 */
export async function keepDatabaseGauge(broker: ServiceBroker, app: AppContext): Promise<(() => void) | undefined> {
  const services = (broker.metadata as { services?: string[] }).services ?? [];
  const metrics = broker.metrics;
  if (!services.length || !metrics?.isEnabled()) return undefined;
  if (!metrics.hasMetric(DATABASE_UP_METRIC))
    metrics.register({
      name: DATABASE_UP_METRIC,
      type: "gauge",
      description: "1 while this node's database answers a ping, 0 when it does not",
    });
  const check = async () => {
    const { checks } = await checkReadiness(broker, app);
    metrics.set(DATABASE_UP_METRIC, checks.database.status === "down" ? 0 : 1);
  };
  await check();
  const timer = setInterval(() => void check().catch(() => metrics.set(DATABASE_UP_METRIC, 0)), DATABASE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
