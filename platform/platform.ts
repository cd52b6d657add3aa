import { ServiceBroker } from "moleculer";
import type { Config, ServiceName } from "../config/index.ts";
import { createBrokerOptions } from "../moleculer.config.ts";
import { PermissionsMiddleware } from "../middlewares/permissions.ts";
import { registerChatlensMetrics } from "../core/metrics.ts";
import { RuntimeMetricsMiddleware } from "../middlewares/runtime-metrics.ts";
import { createAppContext, type AppContext } from "../core/app-context.ts";
import { loadServiceSchemas } from "./catalog.ts";
import { embedderNodeMetadata } from "../services/embedder/node-routing.ts";
import type { Database } from "../models/db.ts";
import type { ChatlensMiddleware } from "../types/middleware.ts";

export interface Platform {
  broker: ServiceBroker;
  app: AppContext;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Defaults to config.SERVICES. */
  services?: readonly ServiceName[];
  /** An already open database (tests hand in an isolated one). */
  database?: Database;
  middlewares?: ChatlensMiddleware[];
  metadata?: Record<string, unknown>;
  /** Overrides config.TRANSPORTER (tests join several in-process nodes with "Fake"). */
  transporter?: string;
}

/** One node: a broker with the services this node runs, sharing one app context. */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const app = createAppContext(config, options.database);
  const services = options.services ?? config.SERVICES;
  const runsEmbedder = services.includes("embedder");
  const brokerOptions = createBrokerOptions(config, {
    middlewares: [
      PermissionsMiddleware,
      RuntimeMetricsMiddleware({ indexDir: config.indexDir }),
      ...(options.middlewares ?? []),
    ],
    // Embedder nodes say whether they have a GPU: the embedBatch strategy prefers those.
    metadata: { services, ...(runsEmbedder ? embedderNodeMetadata(config) : {}), ...options.metadata },
    // Only the embedder uses durable channels so far; other nodes open no JetStream connection.
    channels: runsEmbedder,
  });
  if (options.transporter) brokerOptions.transporter = options.transporter;
  const broker = new ServiceBroker(brokerOptions);
  registerChatlensMetrics(broker);
  for (const schema of await loadServiceSchemas(services, app)) broker.createService(schema);
  // Every node, whatever its shape, answers operator status and drain requests.
  broker.createService((await import("../services/ops/ops.service.ts")).default(app));
  return {
    broker,
    app,
    async start() {
      // Migrations run before any service starts, so no action ever sees an old schema.
      if (services.length) await app.database();
      await broker.start();
    },
    async stop() {
      await broker.stop();
      await app.close();
    },
  };
}
