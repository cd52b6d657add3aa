import { loadConfig, type Config, type ServiceName } from "../config/index.ts";
import { createPlatform } from "../platform/platform.ts";
import type { ServiceBroker } from "moleculer";

/**
 * Runs one operator task in a short-lived node: starts the services `plan` names for this
 * configuration (and, with `waitFor`, waits until some node of the cluster offers that
 * service), prints the result as JSON, stops, and exits with 0 when the task reports success.
 */
export async function runOnce(
  plan: (config: Config) => { services: ServiceName[]; waitFor?: string },
  task: (broker: ServiceBroker) => Promise<{ result: unknown; ok: boolean }>,
): Promise<never> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", METRICS_ENABLED: "false" });
  const { services, waitFor } = plan(config);
  const platform = await createPlatform(config, { services });
  await platform.start();
  let code = 0;
  try {
    if (waitFor) await platform.broker.waitForServices(waitFor, 15_000);
    const { result, ok } = await task(platform.broker);
    console.log(JSON.stringify(result, null, 2));
    if (!ok) code = 1;
  } catch (err) {
    console.error(`${(err as { type?: string }).type ?? "ERROR"}: ${(err as Error).message}`);
    code = 1;
  } finally {
    await platform.stop();
  }
  process.exit(code);
}
