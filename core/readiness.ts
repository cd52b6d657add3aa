import type { ServiceBroker } from "moleculer";
import type { AppContext } from "./app-context.ts";

export interface CheckResult {
  status: "ok" | "down" | "disabled";
  detail?: string;
  latencyMs?: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);

async function timed(check: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  try {
    await withTimeout(check(), timeoutMs);
    return { status: "ok", latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { status: "down", detail: (err as Error).message };
  }
}

/**
 * The library connection a transporter or cacher holds once connected (`client`: a NATS
 * connection, an ioredis client); its shape depends on the module, so it is read as unknown.
 */
function clientOf(module: object | undefined): unknown {
  return module && "client" in module ? module.client : undefined;
}

/** Whether `value` has a method `name` (one answering with a promise: `rtt`, `ping`). */
function hasMethod<K extends string>(value: unknown, name: K): value is Record<K, () => Promise<unknown>> {
  return typeof value === "object" && value !== null && name in value && typeof Reflect.get(value, name) === "function";
}

/** The dependencies a node needs to serve requests (database, transporter) and its cacher, reported but not required. */
export async function checkReadiness(broker: ServiceBroker, app: AppContext, timeoutMs = 2000) {
  const transit = broker.transit;
  // Moleculer's NATS (v2 client) transporter keeps `connected` true while the client reconnects;
  // a round trip to the server is what tells a live connection from one being re-established.
  const nats = clientOf(transit?.tx);
  const redis = clientOf(broker.cacher);
  const [database, transporter, cache] = await Promise.all([
    timed(async () => (await app.database()).ping(), timeoutMs),
    !transit
      ? Promise.resolve<CheckResult>({ status: "disabled" })
      : !transit.connected
        ? Promise.resolve<CheckResult>({ status: "down", detail: "not connected" })
        : hasMethod(nats, "rtt")
          ? timed(async () => void (await nats.rtt()), timeoutMs)
          : Promise.resolve<CheckResult>({ status: "ok" }),
    hasMethod(redis, "ping")
      ? timed(async () => void (await redis.ping()), timeoutMs)
      : Promise.resolve<CheckResult>(broker.cacher ? { status: "ok", detail: "memory" } : { status: "disabled" }),
  ]);
  const checks = { database, transporter, cacher: cache };
  // The cache only saves work: without Redis every call goes to its service (slower, still
  // correct), so a cacher that is down is reported but keeps the node ready. Failing readiness
  // there would take every gateway out of the load balancer over a cache outage.
  const ready = database.status !== "down" && transporter.status !== "down";
  return { ready, checks };
}
