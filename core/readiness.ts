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

/** The dependencies a node needs to serve requests (database, transporter) and its cacher, reported but not required. */
export async function checkReadiness(broker: ServiceBroker, app: AppContext, timeoutMs = 2000) {
  const transit = (
    broker as unknown as { transit?: { connected: boolean; tx?: { client?: { rtt?(): Promise<number> } } } }
  ).transit;
  // Moleculer's NATS (v2 client) transporter keeps `connected` true while the client reconnects;
  // a round trip to the server is what tells a live connection from one being re-established.
  const nats = transit?.tx?.client;
  const cacher = broker.cacher as unknown as { client?: { ping(): Promise<string>; status?: string } } | undefined;
  const [database, transporter, cache] = await Promise.all([
    timed(async () => (await app.database()).ping(), timeoutMs),
    !transit
      ? Promise.resolve<CheckResult>({ status: "disabled" })
      : !transit.connected
        ? Promise.resolve<CheckResult>({ status: "down", detail: "not connected" })
        : nats?.rtt
          ? timed(async () => void (await nats.rtt!()), timeoutMs)
          : Promise.resolve<CheckResult>({ status: "ok" }),
    cacher?.client?.ping
      ? timed(async () => void (await cacher.client!.ping()), timeoutMs)
      : Promise.resolve<CheckResult>(broker.cacher ? { status: "ok", detail: "memory" } : { status: "disabled" }),
  ]);
  const checks = { database, transporter, cacher: cache };
  // The cache only saves work: without Redis every call goes to its service (slower, still
  // correct), so a cacher that is down is reported but keeps the node ready. Failing readiness
  // there would take every gateway out of the load balancer over a cache outage.
  const ready = database.status !== "down" && transporter.status !== "down";
  return { ready, checks };
}
