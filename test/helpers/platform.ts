import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import { loadConfig, type Config, type ServiceName } from "../../config/index.ts";
import { createPlatform, type Platform } from "../../services/platform.ts";
import { isolatedDatabase, type DatabaseKind, type IsolatedDatabase } from "./database.ts";

/** Configuration for tests: no .env, no metrics port, a throwaway data directory. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-test-"));
  return loadConfig(
    { NODE_ENV: "test", DATA_DIR: dataDir, PORT: "0", METRICS_ENABLED: "false", LOG_LEVEL: "warn", ...env },
    { dotenv: false },
  );
}

export interface TestPlatform extends Platform {
  config: Config;
  database: IsolatedDatabase;
  /** http://127.0.0.1:PORT of the gateway, when this platform runs the api service. */
  baseUrl: string;
}

export interface TestPlatformOptions {
  services?: ServiceName[];
  env?: Record<string, string>;
  db?: DatabaseKind;
  database?: IsolatedDatabase;
}

/** One in-process node with an isolated database, started; `stop()` removes everything. */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const config = testConfig(options.env);
  const database = options.database ?? (await isolatedDatabase(options.db));
  const platform = await createPlatform(config, { services: options.services ?? config.SERVICES, database });
  await platform.start();
  let baseUrl = "";
  const api = platform.broker.getLocalService("api") as unknown as { server?: Server } | undefined;
  if (api?.server) baseUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return {
    ...platform,
    config,
    database,
    baseUrl,
    async stop() {
      await platform.stop();
      if (!options.database) await database.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
