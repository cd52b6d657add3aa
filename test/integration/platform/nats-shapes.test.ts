import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { http } from "../../helpers/http.ts";
import { startNodeProcess, type NodeProcess } from "../../helpers/processes.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import { hasTmux, TmuxSession } from "../../helpers/tmux.ts";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `SERVICES=api` and `SERVICES=auth` as two real processes joined by NATS, sharing PostgreSQL. */
describe("node shapes as separate processes over NATS (SERVICES=…)", function () {
  this.timeout(360_000);
  const nodes: NodeProcess[] = [];
  let database: IsolatedDatabase;
  let baseUrl = "";
  let shared: Record<string, string> = {};
  let repl: TmuxSession | undefined;

  before(async function () {
    await requireServers(this, "nats", "postgres", "redis");
    database = await isolatedDatabase("postgres");
    const port = await freePort();
    shared = {
      TRANSPORTER: SERVERS.nats.url,
      CACHER: SERVERS.redis.url,
      DATABASE_URL: database.url!,
      NAMESPACE: `shapes-${randomBytes(4).toString("hex")}`,
      METRICS_ENABLED: "false",
      LOG_LEVEL: "warn",
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "chatlens-shapes-")),
      CHATLENS_SKIP_UI_BUILD: "1",
    };
    // The auth node starts first: its log line tells us it is up (it has no HTTP port).
    nodes.push(
      await startNodeProcess(
        "bin/chatlens.ts",
        { ...shared, SERVICES: "auth", NODE_ID: "auth-node", LOG_LEVEL: "info" },
        /ServiceBroker with \d+ service\(s\) started/,
      ),
    );
    nodes.push(
      await startNodeProcess(
        "bin/chatlens.ts",
        { ...shared, SERVICES: "api", NODE_ID: "gateway-node", PORT: String(port), LOG_LEVEL: "info" },
        /listening on/,
      ),
    );
    baseUrl = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    repl?.kill();
    await Promise.all(nodes.map((n) => n.stop()));
    await database?.close();
  });

  it("serves sign-up through a gateway that does not run the auth service", async () => {
    let res = await http(baseUrl, "POST", "/api/auth/signup", {
      body: {
        email: `shape-${Date.now()}@example.com`,
        password: "correct horse battery staple",
        displayName: "Shape",
      },
    });
    // Discovery can lag a moment after start-up.
    for (let i = 0; i < 20 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 500));
      res = await http(baseUrl, "POST", "/api/auth/signup", {
        body: {
          email: `shape-${Date.now()}-${i}@example.com`,
          password: "correct horse battery staple",
          displayName: "Shape",
        },
      });
    }
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const ready = await http(baseUrl, "GET", "/api/ready");
    expect(ready.body.checks.transporter.status).to.equal("ok");
    expect(ready.body.checks.cacher.status).to.equal("ok");
  });

  it("lets an operator REPL join the running cluster and run commands on remote services", async function () {
    if (!hasTmux()) {
      if (process.env.CI === "true") throw new Error("CI=true and tmux is missing");
      this.skip();
    }
    const env = Object.entries({ ...shared, LOG_LEVEL: "warn" })
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    repl = TmuxSession.start(`chatlens-cluster-repl-${process.pid}`, `env ${env} npm run repl`, REPO_ROOT);
    await repl.waitFor(/mol \$/);
    repl.type("nodes");
    const screen = await repl.waitFor(/gateway-node[\s\S]*auth-node|auth-node[\s\S]*gateway-node/);
    expect(screen).to.contain("auth-node");
    repl.type("user:create remote-op@example.com 'another long password'");
    expect(await repl.waitFor(/"email": "remote-op@example.com"/)).to.contain("remote-op@example.com");
  });
});
