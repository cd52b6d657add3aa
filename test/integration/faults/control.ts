import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { isReachableNow } from "./reach.ts";
import { freePort } from "../../helpers/servers.ts";

const run = promisify(execFile);

/**
 * Private PostgreSQL, Redis and NATS servers for the fault tests: each started by the test on a
 * free port with its own data directory, stopped and started again to make an outage, and
 * removed at the end. The machine's shared servers (which other processes, and other test runs,
 * are using) are never touched.
 */
export interface Outage {
  restore(): Promise<void>;
}

export interface PrivateServer {
  kind: "postgres" | "redis" | "nats";
  port: number;
  url: string;
  /** Stops the server; the Outage's restore() starts it again on the same port and data. */
  outage(): Promise<Outage>;
  /** Stops it for good and removes its data. */
  destroy(): Promise<void>;
}

async function waitPort(port: number, up: boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await isReachableNow(port)) !== up) {
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} still ${up ? "down" : "up"} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `fn` once, however many times it is called (the test and its `after` hook both may). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** PostgreSQL's server binaries (Debian keeps them out of PATH), newest version first. */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(path.join(root, v, "bin", "pg_ctl"))) return path.join(root, v, "bin");
  return undefined;
}

/** Whether this machine can start the three private servers. */
export function canStartPrivateServers(): boolean {
  const onPath = (bin: string) => (process.env.PATH ?? "").split(":").some((dir) => existsSync(path.join(dir, bin)));
  return (
    !!postgresBin() &&
    (onPath("redis-server") || existsSync("/usr/bin/redis-server")) &&
    (onPath("nats-server") || existsSync("/usr/sbin/nats-server"))
  );
}

/** initdb and the server refuse to run as root: as root they run as the postgres user. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

export async function privatePostgres(): Promise<PrivateServer> {
  const bin = postgresBin();
  if (!bin) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql");
  const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-pg-"));
  const data = path.join(dir, "data");
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  await run(
    ...asPostgres(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]),
  );
  const pgCtl = (action: string[]) =>
    run(...asPostgres(path.join(bin, "pg_ctl"), ["-D", data, "-w", "-t", "60", ...action]));
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () => {
    await pgCtl(["-l", path.join(dir, "log"), "-o", options, "start"]);
    await waitPort(port, true);
  };
  const stop = async () => {
    await pgCtl(["-m", "fast", "stop"]).catch(() => {});
    await waitPort(port, false);
  };
  await start();
  return {
    kind: "postgres",
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async outage() {
      await stop();
      return { restore: once(start) };
    },
    destroy: once(async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

/** A server run as a child process of the test (killed with it), restarted on the same port and data. */
async function childServer(
  kind: "redis" | "nats",
  argsFor: (port: number, dir: string) => [string, string[]],
  scheme: string,
): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `chatlens-${kind}-`));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const [cmd, args] = argsFor(port, dir);
    child = spawn(cmd, args, { stdio: "ignore" });
    await waitPort(port, true);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c && c.exitCode === null && !c.signalCode) {
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await exited;
    }
    await waitPort(port, false);
  };
  await start();
  return {
    kind,
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    async outage() {
      await stop();
      return { restore: once(start) };
    },
    destroy: once(async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

export function privateRedis(): Promise<PrivateServer> {
  return childServer(
    "redis",
    (port, dir) => [
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    ],
    "redis",
  );
}

export function privateNats(): Promise<PrivateServer> {
  // JetStream on, its store in the test's folder: the embed channels are durable streams.
  return childServer(
    "nats",
    (port, dir) => ["nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir]],
    "nats",
  );
}
