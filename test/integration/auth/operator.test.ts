import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { OPERATOR_COMMANDS, parseCommandLine, replCommands } from "../../../platform/operator-commands.ts";
import { http } from "../../helpers/http.ts";
import { tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { runNodeProcess } from "../../helpers/processes.ts";
import { AUTH_TEST_ENV, logIn, PASSWORD, signUp, startAuthPlatform, uniqueEmail } from "./fixtures.ts";

describe("auth: operator commands (REPL and CLI)", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform();
  });
  after(async () => p?.stop());
  const run = (line: string) => {
    const parsed = parseCommandLine(line.match(/'[^']*'|\S+/g)!.map((s) => s.replace(/^'|'$/g, "")))!;
    return parsed.command.run(p.broker, parsed.args) as Promise<any>;
  };

  it("creates users, grants roles, lists sessions, disables accounts (ending their sessions)", async () => {
    const email = uniqueEmail("op");
    const created = await run(`user:create ${email} '${PASSWORD}' --name Olga`);
    expect(created.user.displayName).to.equal("Olga");
    const login = await logIn(p, email);
    expect(login.status).to.equal(200);
    const other = await signUp(p);
    expect((await run(`user:grant ${email} ${other.orgId} analyst`)).role).to.equal("analyst");
    const orgs = await http(p.baseUrl, "GET", "/api/auth/orgs", { token: tokensOf(login.body).accessToken });
    expect(orgs.body.items.find((o) => o.id === other.orgId)?.role).to.equal("analyst");
    expect(await run(`user:sessions ${email}`)).to.have.length(1);
    expect((await run(`user:disable ${email}`)).sessionsEnded).to.equal(1);
    expect((await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(login.body).accessToken })).status).to.equal(
      401,
    );
    // The right password of a disabled account answers like a wrong one: no password oracle (L5).
    expect((await logIn(p, email)).error.code).to.equal("INVALID_CREDENTIALS");
    await run(`user:enable ${email}`);
    expect((await logIn(p, email)).status).to.equal(200);
    expect(await run("auth:purge")).to.include.keys("sessions", "refreshTokens");
  });

  it("offers every command to the REPL", () => {
    expect(replCommands().map((c) => c.command)).to.deep.equal(OPERATOR_COMMANDS.map((c) => c.command));
  });

  it("bin/operator.ts runs a command against the configured database", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-operator-"));
    try {
      const env = { ...AUTH_TEST_ENV, NODE_ENV: "test", DATA_DIR: dataDir, DATABASE_URL: "" };
      const usage = await runNodeProcess("bin/operator.ts", env, 150_000);
      expect(usage.code).to.equal(2);
      expect(usage.output).to.contain("user:create");
      const out = spawnSync(
        process.execPath,
        ["--import", "tsx", "bin/operator.ts", "user:create", "cli@example.test", PASSWORD],
        {
          env: { ...process.env, ...env },
          encoding: "utf8",
          timeout: 150_000,
        },
      );
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).user.email).to.equal("cli@example.test");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
