import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../../models/db.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { startNodeProcess, type NodeProcess } from "../../helpers/processes.ts";
import { freePort, SERVERS } from "../../helpers/servers.ts";
import { INDEX_TEST_ENV } from "../index/helpers.ts";

/** Fault tests stop and start servers: only ever the machine's own. */
export function serversAreLocal(): boolean {
  return Object.values(SERVERS).every((s) => s.host === "127.0.0.1" || s.host === "localhost");
}

export interface ProcessCluster {
  namespace: string;
  database: IsolatedDatabase;
  nodes: Map<string, NodeProcess>;
  /** http://127.0.0.1:PORT of the node that runs the api service. */
  baseUrl: string;
  /** The mail sink every node writes to (a new account's confirmation link is there). */
  outboxDir: string;
  start(nodeID: string, services: string, env?: Record<string, string>): Promise<NodeProcess>;
  stop(): Promise<void>;
}

/**
 * Nodes as separate processes (`bin/chatlens.ts`, as production runs them) over the real NATS,
 * Redis and an isolated PostgreSQL database, in a namespace of their own. Each node has its own
 * DATA_DIR but all index nodes share one INDEX_DIR, as a shared volume would.
 */
export async function startProcessCluster(
  shapes: { nodeID: string; services: string; env?: Record<string, string> }[],
  env: Record<string, string> = {},
  /** The test's own servers (control.ts) instead of the machine's shared ones. */
  servers?: { postgres: string; redis: string; nats: string },
): Promise<ProcessCluster> {
  const namespace = `flt-${randomBytes(4).toString("hex")}`;
  const database: IsolatedDatabase = servers
    ? Object.assign(await openDatabase({ url: servers.postgres, poolSize: 5 }), { url: servers.postgres })
    : await isolatedDatabase("postgres");
  const root = mkdtempSync(path.join(os.tmpdir(), "chatlens-faults-"));
  const port = await freePort();
  const common: Record<string, string> = {
    ...INDEX_TEST_ENV,
    NODE_ENV: "test",
    TRANSPORTER: servers?.nats ?? SERVERS.nats.url,
    CACHER: servers?.redis ?? SERVERS.redis.url,
    DATABASE_URL: database.url!,
    NAMESPACE: namespace,
    RATE_LIMIT_PREFIX: `${namespace}-rl:`,
    INDEX_DIR: path.join(root, "indexes"),
    MAIL_OUTBOX_DIR: path.join(root, "outbox"),
    METRICS_ENABLED: "false",
    LOG_LEVEL: "info",
    CHATLENS_SKIP_UI_BUILD: "1",
    ...env,
  };
  const nodes = new Map<string, NodeProcess>();
  const cluster: ProcessCluster = {
    namespace,
    database,
    nodes,
    baseUrl: `http://127.0.0.1:${port}`,
    outboxDir: path.join(root, "outbox"),
    async start(nodeID, services, extra = {}) {
      const node = await startNodeProcess(
        "bin/chatlens.ts",
        {
          ...common,
          NODE_ID: nodeID,
          SERVICES: services,
          PORT: String(port),
          DATA_DIR: path.join(root, nodeID),
          ...extra,
        },
        /service\(s\) started successfully/,
        // Generous: a hang guard only (two shared cores under load compile TypeScript slowly).
        180_000,
      );
      nodes.set(nodeID, node);
      return node;
    },
    async stop() {
      await Promise.all([...nodes.values()].map((n) => n.stop()));
      await database.close().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    // One at a time: the first runs the migrations, and two cores compile TypeScript slowly.
    for (const s of shapes) await cluster.start(s.nodeID, s.services, s.env);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
