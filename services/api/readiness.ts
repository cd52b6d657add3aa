import type { ServiceBroker } from "moleculer";
import type { AppContext } from "../app-context.ts";

export interface CheckResult {
  status: "ok" | "down" | "disabled";
  detail?: string;
  latencyMs?: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);

async function timed(check: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  try {
    await withTimeout(check(), timeoutMs);
    return { status: "ok", latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { status: "down", detail: (err as Error).message };
  }
}

/** The dependencies a node needs to serve requests: its database, transporter and cacher. */
export async function checkReadiness(broker: ServiceBroker, app: AppContext, timeoutMs = 2000) {
  const transit = (broker as unknown as { transit?: { connected: boolean } }).transit;
  const cacher = broker.cacher as unknown as { client?: { ping(): Promise<string>; status?: string } } | undefined;
  const [database, transporter, cache] = await Promise.all([
    timed(async () => (await app.database()).ping(), timeoutMs),
    transit
      ? Promise.resolve<CheckResult>(transit.connected ? { status: "ok" } : { status: "down", detail: "not connected" })
      : Promise.resolve<CheckResult>({ status: "disabled" }),
    cacher?.client?.ping
      ? timed(async () => void (await cacher.client!.ping()), timeoutMs)
      : Promise.resolve<CheckResult>(broker.cacher ? { status: "ok", detail: "memory" } : { status: "disabled" }),
  ]);
  const checks = { database, transporter, cacher: cache };
  const ready = Object.values(checks).every((c) => c.status !== "down");
  return { ready, checks };
}
