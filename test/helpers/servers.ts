import net from "node:net";

/** The real servers every machine of ours runs; integration tests use them. */
export const SERVERS = {
  postgres: { host: "127.0.0.1", port: 5432, url: "postgres://postgres@127.0.0.1:5432/postgres" },
  redis: { host: "127.0.0.1", port: 6379, url: "redis://127.0.0.1:6379" },
  nats: { host: "127.0.0.1", port: 4222, url: "nats://127.0.0.1:4222" },
} as const;
export type ServerName = keyof typeof SERVERS;

const reachable = new Map<ServerName, Promise<boolean>>();

export function isReachable(name: ServerName): Promise<boolean> {
  let probe = reachable.get(name);
  if (!probe) {
    const { host, port } = SERVERS[name];
    probe = new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1500, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
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
