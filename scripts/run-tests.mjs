// `npm test`: the UI component tests (vitest), then every mocha suite (unit, integration, e2e),
// whatever the first run's outcome, closing with one "N passed, N failed" line that counts both.
// The vitest reporter (ui/tests/reporter.ts) writes its counts to a file; the mocha reporter
// (test/helpers/summary-reporter.cjs) adds them to its closing line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-tests-"));
const env = { ...process.env, CHATLENS_UI_TEST_COUNTS: path.join(dir, "ui-counts.json") };
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
try {
  const ui = spawnSync(npm, ["run", "test:ui"], { stdio: "inherit", env });
  const mocha = spawnSync(
    process.execPath,
    ["node_modules/mocha/bin/mocha.js", "test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
    { stdio: "inherit", env },
  );
  process.exitCode = ui.status === 0 && mocha.status === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
