import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig, SERVICE_NAMES } from "../../../config/index.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "chatlens-config-"));
const load = (env: Record<string, string>, cwd = tmp()) => loadConfig(env, { dotenv: false, cwd });

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("has working defaults for the embedded platform", () => {
    const c = load({});
    expect(c.PORT).to.equal(3000);
    expect(c.TRANSPORTER).to.equal("none");
    expect(c.CACHER).to.equal("memory");
    expect(c.SERVICES).to.deep.equal([...SERVICE_NAMES]);
    expect(c.dbDir).to.match(/data\/db$/);
    expect(c.METRICS_HOST).to.equal("127.0.0.1");
    expect(c.logFormat).to.equal("pretty");
  });

  it("names the variable of every bad value", () => {
    const problems = problemsOf(() =>
      load({ PORT: "eighty", TRANSPORTER: "amqp://x", CACHER: "disk", SERVICES: "api,mail", UPLOAD_MAX_BYTES: "-1" }),
    );
    const names = problems.map((p) => p.split(":")[0]);
    expect(names).to.include.members(["PORT", "TRANSPORTER", "CACHER", "UPLOAD_MAX_BYTES"]);
    expect(problems.some((p) => p.startsWith("SERVICES"))).to.equal(true);
  });

  it("rejects a DATABASE_URL that is not PostgreSQL", () => {
    expect(problemsOf(() => load({ DATABASE_URL: "mysql://x" }))[0]).to.match(/^DATABASE_URL:/);
  });

  it("refuses to start in production without its secrets", () => {
    const problems = problemsOf(() => load({ NODE_ENV: "production" }));
    expect(problems.map((p) => p.split(":")[0]).sort()).to.deep.equal(
      ["JWT_SECRET", "MFA_ENCRYPTION_KEY", "OAUTH_SESSION_SECRET"].sort(),
    );
  });

  it("accepts production with secrets given and logs JSON there", () => {
    const secret = "s".repeat(40);
    const c = load({
      NODE_ENV: "production",
      JWT_SECRET: secret,
      MFA_ENCRYPTION_KEY: secret,
      OAUTH_SESSION_SECRET: secret,
    });
    expect(c.secrets.JWT_SECRET).to.equal(secret);
    expect(c.logFormat).to.equal("json");
  });

  it("generates development secrets once and keeps them", () => {
    const cwd = tmp();
    const first = load({}, cwd).secrets;
    const second = load({}, cwd).secrets;
    expect(first.JWT_SECRET).to.have.length.greaterThan(30);
    expect(second).to.deep.equal(first);
  });

  it("reads .env below the real environment", () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, ".env"), "PORT=4100\nLOG_LEVEL=debug\n");
    const c = loadConfig({ LOG_LEVEL: "warn" }, { cwd });
    expect(c.PORT).to.equal(4100);
    expect(c.LOG_LEVEL).to.equal("warn");
  });

  it("runs a subset of services with SERVICES", () => {
    expect(load({ SERVICES: "api, auth" }).SERVICES).to.deep.equal(["api", "auth"]);
  });
});
