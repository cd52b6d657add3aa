import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { isReachableNow } from "./reach.ts";

const run = promisify(execFile);

/**
 * Stops and starts the machine's own PostgreSQL, Redis and NATS (127.0.0.1 only) the way they
 * run here: PostgreSQL as a Debian cluster (pg_ctlcluster), Redis and NATS as daemons whose
 * settings are read back before stopping them, so the restart uses the same ones. Every stop
 * returns the matching start; tests call it in a `finally`/`after`, so a failing test never
 * leaves a server down.
 */
export interface Outage {
  restore(): Promise<void>;
}

async function waitPort(port: number, up: boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await isReachableNow(port)) !== up) {
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} still ${up ? "down" : "up"} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `fn` once, however many times restore() is called (the test and its `after` hook both may). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

async function postgresCluster(): Promise<{ version: string; name: string }> {
  const { stdout } = await run("pg_lsclusters", ["--no-header"]);
  const line = stdout.split("\n").find((l) => /\s5432\s/.test(l));
  if (!line) throw new Error(`no PostgreSQL cluster on port 5432:\n${stdout}`);
  const [version, name] = line.trim().split(/\s+/);
  return { version: version!, name: name! };
}

export async function stopPostgres(): Promise<Outage> {
  const { version, name } = await postgresCluster();
  await run("pg_ctlcluster", [version, name, "stop", "-m", "fast"]);
  await waitPort(5432, false);
  return {
    restore: once(async () => {
      await run("pg_ctlcluster", [version, name, "start"]);
      await waitPort(5432, true);
    }),
  };
}

export async function stopRedis(): Promise<Outage> {
  const get = async (key: string) => (await run("redis-cli", ["-h", "127.0.0.1", "config", "get", key])).stdout.split("\n")[1] ?? "";
  const settings = { bind: await get("bind"), port: await get("port"), dir: await get("dir"), save: await get("save"), appendonly: await get("appendonly") };
  await run("redis-cli", ["-h", "127.0.0.1", "shutdown", "nosave"]).catch(() => {});
  await waitPort(6379, false);
  return {
    restore: once(async () => {
      await run("redis-server", [
        "--bind", ...settings.bind.split(" "),
        "--port", settings.port,
        "--dir", settings.dir,
        "--save", settings.save,
        "--appendonly", settings.appendonly,
        "--daemonize", "yes",
      ]);
      await waitPort(6379, true);
    }),
  };
}

export async function stopNats(): Promise<Outage> {
  const { stdout } = await run("pgrep", ["-x", "nats-server"]);
  const pid = Number(stdout.trim().split("\n")[0]);
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  process.kill(pid, "SIGTERM");
  await waitPort(4222, false);
  return {
    restore: once(async () => {
      // The same command line, detached from the test process so it outlives it.
      spawn(argv[0]!, argv.slice(1), { detached: true, stdio: "ignore" }).unref();
      await waitPort(4222, true);
    }),
  };
}
