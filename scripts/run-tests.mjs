// `npm test`: the UI component tests (vitest), then every mocha suite (unit, use-cases, integration, e2e),
// whatever the first run's outcome, closing with one "N passed, N failed" line that counts both.
//
// The mocha files run in CHATLENS_TEST_SHARDS processes at once (default 3), split by their
// recorded wall times (test/helpers/file-times.json) so the shards end together. Most of the
// suite's time is spent waiting (on restarts, sweeps, child processes, a browser), not computing,
// so three shards finish far sooner than one, on a 2-core machine too. Every test already has to
// pass while another process keeps both cores busy, and each starts its own namespace, database
// and data directory, so the shards do not see each other. Each shard's output is printed whole
// when it ends (interleaved spec output is unreadable); the closing lines merge their counts.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-tests-"));
const env = { ...process.env, CHATLENS_UI_TEST_COUNTS: path.join(dir, "ui-counts.json") };
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const shards = Math.max(1, Number(process.env.CHATLENS_TEST_SHARDS ?? 3) || 1);

/** Test files under the mocha roots, in a stable order. */
function testFiles() {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".test.ts")) found.push(p.split(path.sep).join("/"));
    }
  };
  for (const root of ["test/unit", "test/use-cases", "test/integration", "test/e2e"]) walk(root);
  return found.sort();
}

/** Seconds a file is expected to take: recorded, or a guess by its kind. */
function weights() {
  const recorded = JSON.parse(readFileSync("test/helpers/file-times.json", "utf8"));
  const guess = (file) =>
    file.startsWith("test/unit/") ? 2 : file.startsWith("test/use-cases/") ? 3 : file.startsWith("test/e2e/") ? 20 : 8;
  return (file) => recorded[file] ?? guess(file);
}

/** Longest first, each to the shard with the least time so far. */
function split(files, n) {
  const weight = weights();
  const out = Array.from({ length: n }, () => ({ files: [], seconds: 0 }));
  for (const file of [...files].sort((a, b) => weight(b) - weight(a))) {
    const shard = out.reduce((min, s) => (s.seconds < min.seconds ? s : min));
    shard.files.push(file);
    shard.seconds += weight(file);
  }
  return out.filter((s) => s.files.length > 0);
}

function runShard(index, files) {
  const counts = path.join(dir, `mocha-${index}.json`);
  const log = path.join(dir, `mocha-${index}.log`);
  const out = createWriteStream(log);
  const child = spawn(process.execPath, ["node_modules/mocha/bin/mocha.js", ...files], {
    env: { ...env, CHATLENS_MOCHA_COUNTS: counts, CHATLENS_MOCHA_SHARD: String(index + 1) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      out.end(() => {
        process.stdout.write(`\n===== mocha shard ${index + 1} of ${shards} (${files.length} files) =====\n`);
        process.stdout.write(readFileSync(log));
        let result = { passes: 0, failures: 1, pending: 0, fileTimes: {} };
        try {
          result = JSON.parse(readFileSync(counts, "utf8"));
        } catch {
          process.stdout.write(
            `\nmocha shard ${index + 1} ended (${signal ?? `exit ${code}`}) without reporting: counted as one failure\n`,
          );
        }
        resolve({ ...result, ok: code === 0 });
      });
    });
  });
}

/** The component run's counts; a file the run never wrote means it never got to report: one failure. */
function uiCounts() {
  try {
    const { passed, failed } = JSON.parse(readFileSync(env.CHATLENS_UI_TEST_COUNTS, "utf8"));
    return { passed: Number(passed) || 0, failed: Number(failed) || 0 };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

try {
  const ui = spawnSync(npm, ["run", "test:ui"], { stdio: "inherit", env });
  const files = testFiles();
  // Browser tests build the web app when it is missing or older than its sources (a fresh clone):
  // browser files in several shards would build it at once, into the same folders, and fail.
  // Built once here instead; a build that fails here fails again, visibly, in those tests.
  if (files.some((f) => f.startsWith("test/e2e/")))
    spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", 'await (await import("./test/e2e/helpers.ts")).ensureUiBuild()'],
      { stdio: "inherit", env },
    );
  const results = await Promise.all(split(files, shards).map((s, i) => runShard(i, s.files)));
  const total = results.reduce(
    (t, r) => ({ passes: t.passes + r.passes, failures: t.failures + r.failures, pending: t.pending + r.pending }),
    { passes: 0, failures: 0, pending: 0 },
  );
  const times = Object.assign({}, ...results.map((r) => r.fileTimes));
  const slowest = Object.entries(times).sort((a, b) => b[1] - a[1]);
  process.stdout.write("\nslowest test files (wall time, hooks included, all shards):\n");
  for (const [file, seconds] of slowest.slice(0, 20))
    process.stdout.write(`  ${seconds.toFixed(1).padStart(7)} s  ${file}\n`);
  // Every file's time, to refresh test/helpers/file-times.json from a run on a quiet machine.
  mkdirSync("test-results", { recursive: true });
  writeFileSync(
    "test-results/file-times.json",
    JSON.stringify(Object.fromEntries(slowest.map(([f, s]) => [f, Math.round(s)])), null, 2) + "\n",
  );
  const uiResult = uiCounts();
  const skipped = total.pending ? `, ${total.pending} skipped` : "";
  process.stdout.write(
    `\nmocha: ${total.passes} passed, ${total.failures} failed; UI components: ${uiResult.passed} passed, ${uiResult.failed} failed`,
  );
  process.stdout.write(
    `\n${total.passes + uiResult.passed} passed, ${total.failures + uiResult.failed} failed${skipped}\n`,
  );
  process.exitCode = ui.status === 0 && results.every((r) => r.ok) ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
