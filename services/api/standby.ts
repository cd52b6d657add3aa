import http from "node:http";
import type { RetryInfo } from "../../models/db.ts";

export interface Standby {
  /** The latest failed attempt, shown by /api/ready. */
  update(info: RetryInfo): void;
  close(): Promise<void>;
}

/**
 * What a gateway node answers while it waits for its database at start-up, before the broker
 * (and moleculer-web) can start: `/api/health` 200 (the process is alive: an orchestrator must
 * not kill it for waiting), `/api/ready` 503 with the database check down and why, every other
 * request 503 SERVICE_UNAVAILABLE with Retry-After. Plain node:http on the gateway's own port,
 * closed the moment the database is open so the real gateway can listen there.
 */
export async function startStandby(o: {
  host: string;
  port: number;
  nodeID: string;
  target: string;
}): Promise<Standby> {
  let detail = `connecting to ${o.target}`;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...(status === 503 ? { "retry-after": "5" } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/api/health")
      return send(res, 200, { status: "ok", nodeID: o.nodeID, uptimeS: Math.round(process.uptime()) });
    if (req.method === "GET" && path === "/api/ready")
      return send(res, 503, {
        status: "unavailable",
        checks: {
          database: { status: "down", detail },
          transporter: { status: "down", detail: "node starting" },
          cacher: { status: "down", detail: "node starting" },
        },
      });
    // The body is drained so a client sending an upload sees the answer, not a reset.
    req.resume();
    send(res, 503, { error: { code: "SERVICE_UNAVAILABLE", message: `The service is starting: ${detail}` } });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    update(info) {
      detail = `${info.code}: ${info.host}:${info.port} (${info.variable}) unreachable, attempt ${info.attempt}, retrying in ${info.retryInMs} ms: ${info.error}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
