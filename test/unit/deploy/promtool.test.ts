import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../helpers/paths.ts";

/**
 * The Prometheus alert rules (deploy/prometheus/rules) are valid PromQL and fire on the series
 * an outage produces, as promtool (Debian's `prometheus` package) evaluates them. Without promtool
 * the test fails under CI=true (.ci/run installs it) and is skipped, with the reason, elsewhere.
 */
const RULES = path.join(REPO_ROOT, "deploy/prometheus/rules");

function promtool(...args: string[]) {
  return spawnSync("promtool", args, { cwd: RULES, encoding: "utf8" });
}

describe("Prometheus alert rules (promtool)", function () {
  this.timeout(120_000);

  before(function () {
    const probe = promtool("--version");
    if (probe.error || probe.status !== 0) {
      if (process.env.CI === "true") throw new Error("promtool is missing: apt-get install prometheus (.ci/run does)");
      console.log("      skipped: promtool not installed (apt-get install prometheus)");
      this.skip();
    }
  });

  it("passes promtool check rules", () => {
    const r = promtool("check", "rules", "chatlens.yml");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/SUCCESS: \d+ rules found/);
  });

  it("passes the rule unit tests (promtool test rules)", () => {
    const r = promtool("test", "rules", "chatlens.test.yml");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain("SUCCESS");
  });

  it("alerts on what issue 19 names: errors, slow routes, embed backlog, dead letters, missing nodes, database, NATS, index disk", () => {
    const r = promtool("check", "rules", "--lint=all", "chatlens.yml");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const names = [
      ...spawnSync("grep", ["-o", "alert: [A-Za-z]*", "chatlens.yml"], {
        cwd: RULES,
        encoding: "utf8",
      }).stdout.matchAll(/alert: (\w+)/g),
    ].map((m) => m[1]);
    expect(names).to.include.members([
      "ChatlensHighErrorRatio",
      "ChatlensSlowRoute",
      "ChatlensEmbedBacklogOld",
      "ChatlensDeadLetters",
      "ChatlensNoEmbedderNode",
      "ChatlensNoIndexNode",
      "ChatlensNodeDown",
      "ChatlensDatabaseDown",
      "ChatlensNatsDown",
      "ChatlensIndexDiskLow",
    ]);
  });
});
