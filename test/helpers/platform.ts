import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import type { ServiceBroker } from "moleculer";
import { loadConfig, type Config, type ServiceName } from "../../config/index.ts";
import { createPlatform, type Platform } from "../../platform/platform.ts";
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
  transporter?: string;
  nodeID?: string;
}

/** One in-process node with an isolated database, started; `stop()` removes everything. */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const config = testConfig({ ...(options.nodeID ? { NODE_ID: options.nodeID } : {}), ...options.env });
  const database = options.database ?? (await isolatedDatabase(options.db));
  const platform = await createPlatform(config, {
    services: options.services ?? config.SERVICES,
    database,
    transporter: options.transporter,
  });
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

/** Ids of the nodes a broker currently sees as available. */
export function nodeIds(broker: ServiceBroker): string[] {
  return (broker.registry.nodes.list({ onlyAvailable: true, withServices: false }) as { id: string }[]).map(
    (n) => n.id,
  );
}

/**
 * Several in-process nodes joined by Moleculer's Fake transporter, sharing one database,
 * each running the services it is given: the cluster's shapes without any server.
 */
export async function startFakeCluster(
  shapes: { nodeID: string; services: ServiceName[] }[],
  options: { env?: Record<string, string>; db?: DatabaseKind } = {},
) {
  const database = await isolatedDatabase(options.db);
  const namespace = `fake-${process.pid}-${Date.now()}`;
  const nodes: TestPlatform[] = [];
  for (const shape of shapes)
    nodes.push(
      await startTestPlatform({
        ...shape,
        database,
        transporter: "Fake",
        env: { NAMESPACE: namespace, ...options.env },
      }),
    );
  // Discovery is asynchronous: wait until every node sees every other one.
  const deadline = Date.now() + 30_000;
  const ids = shapes.map((s) => s.nodeID);
  while (
    !nodes.every((n) => {
      const seen = nodeIds(n.broker);
      return ids.every((id) => seen.includes(id));
    })
  ) {
    if (Date.now() > deadline) throw new Error("fake cluster nodes did not discover each other");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    nodes,
    database,
    node: (id: string) => nodes.find((n) => n.broker.nodeID === id)!,
    async stop() {
      for (const n of nodes.reverse()) await n.stop();
      await database.close();
    },
  };
}
