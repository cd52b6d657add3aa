import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { runNodeProcess } from "../../helpers/processes.ts";
import { freePort, isReachable, SERVERS } from "../../helpers/servers.ts";
import { INDEX_TEST_ENV } from "../index/helpers.ts";

/**
 * The test's own door to PostgreSQL: closed (connection refused, as a server not up yet), then
 * opened (forwarding to the real server), then closed again with every connection cut (an
 * outage), without touching the server other processes use.
 */
class Door {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly port: number) {}

  open(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(SERVERS.postgres.port, SERVERS.postgres.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

describe("faults: start-up with an unreachable database", function () {
  this.timeout(180_000);
  let database: IsolatedDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];

  before(async function () {
    if (!(await isReachable("postgres"))) {
      if (process.env.CI === "true") throw new Error("CI=true and PostgreSQL is unreachable");
      this.skip();
    }
    database = await isolatedDatabase("postgres");
    dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-startup-"));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill("SIGKILL");
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** DATABASE_URL of the isolated database, reached through 127.0.0.1:port. */
  const urlThrough = (port: number) => {
    const u = new URL(database.url!);
    u.hostname = "127.0.0.1";
    u.port = String(port);
    return u.toString();
  };

  function env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...INDEX_TEST_ENV,
      NODE_ENV: "test",
      TRANSPORTER: "none",
      CACHER: "memory",
      CHATLENS_SKIP_UI_BUILD: "1",
      LOG_LEVEL: "info",
      METRICS_ENABLED: "false",
      ...extra,
    };
  }

  function start(extra: Record<string, string>): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, ["--import", "tsx", "bin/chatlens.ts"], {
      cwd: REPO_ROOT,
      env: env(extra),
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let log = "";
    child.stdout!.on("data", (c: Buffer) => (log += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
    return { child, output: () => log };
  }

  it("gives up after DATABASE_STARTUP_WAIT_S with one structured error naming the host and the variable", async () => {
    const port = await freePort();
    const { code, output } = await runNodeProcess(
      "bin/chatlens.ts",
      env({
        DATABASE_URL: urlThrough(port),
        DATABASE_STARTUP_WAIT_S: "3",
        SERVICES: "ingest",
        DATA_DIR: path.join(dataDir, "gives-up"),
      }) as Record<string, string>,
      90_000,
    );
    expect(code, output).to.equal(3);
    const line = output.split("\n").find((l) => l.startsWith("{") && l.includes("DATABASE_UNREACHABLE"));
    expect(line, output).to.be.a("string");
    const record = JSON.parse(line!);
    expect(record).to.include({
      level: "fatal",
      code: "DATABASE_UNREACHABLE",
      variable: "DATABASE_URL",
      host: "127.0.0.1",
      port,
    });
    expect(record.attempts).to.be.greaterThan(1);
    // Retried with back-off before giving up, each retry logged with the same fields.
    expect(output).to.match(/unreachable, retrying in 500 ms/);
    expect(output).to.match(/unreachable, retrying in 1000 ms/);
  });

  it("a gateway answers health and a 503 readiness while it waits, then serves once the database is up", async () => {
    const dbPort = await freePort();
    const httpPort = await freePort();
    const door = new Door(dbPort);
    const node = start({
      DATABASE_URL: urlThrough(dbPort),
      DATABASE_STARTUP_WAIT_S: "120",
      SERVICES: "api,auth",
      PORT: String(httpPort),
      DATA_DIR: path.join(dataDir, "gateway"),
    });
    const base = `http://127.0.0.1:${httpPort}`;
    try {
      const health = await until("/api/health while the database is down", 60_000, async () => {
        const r = await get(`${base}/api/health`);
        return r.status === 200 ? r : null;
      });
      expect(health.body.status).to.equal("ok");
      const ready = await until("a retry reported by /api/ready", 30_000, async () => {
        const r = await get(`${base}/api/ready`);
        return r.body?.checks?.database?.detail?.includes("attempt") ? r : null;
      });
      expect(ready.status).to.equal(503);
      expect(ready.body.status).to.equal("unavailable");
      expect(ready.body.checks.database.status).to.equal("down");
      expect(ready.body.checks.database.detail).to.include(`127.0.0.1:${dbPort}`).and.include("DATABASE_URL");
      const other = await get(`${base}/api/datasets`);
      expect(other.status).to.equal(503);
      expect(other.body.error.code).to.equal("SERVICE_UNAVAILABLE");
      expect(node.child.exitCode, node.output()).to.equal(null);

      await door.open();
      const up = await until("/api/ready 200 once the database answers", 90_000, async () => {
        const r = await get(`${base}/api/ready`);
        return r.status === 200 ? r : null;
      });
      expect(up.body.checks.database.status).to.equal("ok");
      expect((await get(`${base}/api/health`)).status).to.equal(200);
    } finally {
      node.child.kill("SIGTERM");
      await door.close();
    }
  });

  it("a worker node (no HTTP port) is not ready while its database is unreachable", async () => {
    const dbPort = await freePort();
    const metricsPort = await freePort();
    const door = new Door(dbPort);
    await door.open();
    const node = start({
      DATABASE_URL: urlThrough(dbPort),
      SERVICES: "ingest",
      METRICS_ENABLED: "true",
      METRICS_PORT: String(metricsPort),
      DATA_DIR: path.join(dataDir, "worker"),
    });
    const probe = () =>
      runNodeProcess(
        "deploy/probe/metrics-probe.mjs",
        { METRICS_PORT: String(metricsPort) } as Record<string, string>,
        20_000,
      );
    const probeReady = () =>
      new Promise<number | null>((resolve) => {
        const c = spawn(process.execPath, ["deploy/probe/metrics-probe.mjs", "--ready"], {
          cwd: REPO_ROOT,
          env: { ...process.env, METRICS_PORT: String(metricsPort) },
          stdio: "ignore",
        });
        c.once("exit", (code) => resolve(code));
      });
    try {
      await until("the worker ready", 90_000, async () => (await probeReady()) === 0);
      await door.close();
      await until(
        "the worker's readiness to fail with its database gone",
        60_000,
        async () => (await probeReady()) === 1,
      );
      // Alive all the same: an orchestrator must not restart it for a database outage.
      expect((await probe()).code).to.equal(0);
      await door.open();
      await until("the worker ready again", 60_000, async () => (await probeReady()) === 0);
    } finally {
      node.child.kill("SIGTERM");
      await door.close();
    }
  });
});
