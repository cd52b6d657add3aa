import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { expect } from "chai";
import { runNodeProcess, startNodeProcess } from "../../helpers/processes.ts";

const ENTRY = "bin/chatlens.ts";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe("start-up of the chatlens process", function () {
  this.timeout(900_000);
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), "chatlens-start-"));

  it("stops with a message naming the variable when a value is bad", async () => {
    const { code, output } = await runNodeProcess(ENTRY, { PORT: "not-a-port", DATA_DIR: dataDir() });
    expect(code).to.equal(2);
    expect(output).to.match(/PORT:/);
  });

  it("refuses production without secrets", async () => {
    const { code, output } = await runNodeProcess(ENTRY, {
      NODE_ENV: "production",
      DATA_DIR: dataDir(),
      JWT_SECRET: "",
    });
    expect(code).to.equal(2);
    expect(output).to.match(/JWT_SECRET: required when NODE_ENV=production/);
  });

  it("starts the embedded platform, migrates PGlite under DATA_DIR, serves HTTP and stops cleanly", async () => {
    const dir = dataDir();
    const port = await freePort();
    const node = await startNodeProcess(
      ENTRY,
      { PORT: String(port), DATA_DIR: dir, METRICS_ENABLED: "false" },
      /listening on/,
    );
    try {
      expect(existsSync(path.join(dir, "db", "PG_VERSION"))).to.equal(true);
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(res.status).to.equal(200);
    } finally {
      await node.stop();
    }
    expect(node.child.exitCode).to.equal(0);
  });

  it("logs JSON in production, each line of a request carrying its request id", async () => {
    const port = await freePort();
    const secret = "x".repeat(40);
    const node = await startNodeProcess(
      ENTRY,
      {
        NODE_ENV: "production",
        PORT: String(port),
        DATA_DIR: dataDir(),
        METRICS_ENABLED: "false",
        JWT_SECRET: secret,
        MFA_ENCRYPTION_KEY: secret,
        OAUTH_SESSION_SECRET: secret,
        LOG_LEVEL: "info",
      },
      /listening on/,
    );
    try {
      await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { "x-request-id": "corr-777" } });
      // Wait for the request's line itself rather than a fixed pause a busy machine could outlast.
      while (!node.output().includes('"requestId":"corr-777"')) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await node.stop();
    }
    const lines = node
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(lines.length).to.be.greaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).to.not.throw();
    const tagged = lines.map((l) => JSON.parse(l)).filter((l) => l.requestId === "corr-777");
    expect(tagged.length, "log lines of the request carry its id").to.be.greaterThan(0);
  });
});
