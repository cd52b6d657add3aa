import net from "node:net";

function server(envName: string, fallback: string) {
  const url = process.env[envName] || fallback;
  const { hostname, port } = new URL(url);
  return { url, host: hostname, port: Number(port) };
}

/**
 * The real servers every machine of ours runs (PostgreSQL, Redis, NATS on 127.0.0.1);
 * TEST_POSTGRES_URL, TEST_REDIS_URL and TEST_NATS_URL point elsewhere (e.g. CI service containers).
 */
export const SERVERS = {
  postgres: server("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
  redis: server("TEST_REDIS_URL", "redis://127.0.0.1:6379"),
  nats: server("TEST_NATS_URL", "nats://127.0.0.1:4222"),
};
export type ServerName = keyof typeof SERVERS;

const reachable = new Map<ServerName, Promise<boolean>>();

/** Whether host:port accepts a TCP connection within timeoutMs, asked now (isReachable caches its answer for a whole run). */
export function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export function isReachable(name: ServerName): Promise<boolean> {
  let probe = reachable.get(name);
  if (!probe) {
    const { host, port } = SERVERS[name];
    probe = acceptsConnections(host, port, 1500);
    reachable.set(name, probe);
  }
  return probe;
}

/**
 * Use in a `before` hook: skips the suite with a visible reason when a server is down,
 * but fails it under CI=true, where every server must be there.
 */
export async function requireServers(ctx: Mocha.Context, ...names: ServerName[]): Promise<void> {
  const missing: ServerName[] = [];
  for (const name of names) if (!(await isReachable(name))) missing.push(name);
  if (!missing.length) return;
  const reason = `needs ${missing.map((n) => `${n} at ${SERVERS[n].host}:${SERVERS[n].port}`).join(", ")}, unreachable`;
  if (process.env.CI === "true") throw new Error(`CI=true and this test ${reason}`);
  console.log(`      [skipped: ${reason}]`);
  ctx.skip();
}

/** A TCP port free on 127.0.0.1 right now, for a server a test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once("error", reject);
  });
}
