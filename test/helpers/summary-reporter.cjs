// Mocha's Spec output plus the plain "N passed, N failed" closing line. Under `npm test`
// (scripts/run-tests.mjs) each shard hands its counts to the runner, which adds the UI
// component tests' and prints the closing line CI reads.
"use strict";
const fs = require("node:fs");
const Mocha = require("mocha");
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // Wall time per test file, hooks included, so that the suite's slowest files show in every CI log.
    const fileTimes = new Map();
    const started = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent?.root) started.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      const t0 = started.get(suite);
      if (t0 !== undefined) fileTimes.set(suite.file, (fileTimes.get(suite.file) ?? 0) + Date.now() - t0);
    });
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      // One shard of `npm test` (scripts/run-tests.mjs): its counts and file times go to the runner,
      // which prints the closing lines for all shards.
      const countsFile = process.env.CHATLENS_MOCHA_COUNTS;
      if (countsFile) {
        const times = Object.fromEntries(
          [...fileTimes].map(([file, ms]) => [require("node:path").relative(process.cwd(), file), ms / 1000]),
        );
        fs.writeFileSync(countsFile, JSON.stringify({ passes, failures, pending, fileTimes: times }));
        process.stdout.write(
          `\nshard ${process.env.CHATLENS_MOCHA_SHARD ?? ""}: ${passes} passing, ${failures} failing, ${pending} pending\n`,
        );
        return;
      }
      const slowest = [...fileTimes].sort((a, b) => b[1] - a[1]).slice(0, 20);
      if (slowest.length > 1) {
        process.stdout.write("\nslowest test files (wall time, hooks included):\n");
        for (const [file, ms] of slowest)
          process.stdout.write(
            `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${require("node:path").relative(process.cwd(), file)}\n`,
          );
      }
      const skipped = pending ? `, ${pending} skipped` : "";
      process.stdout.write(`\n${passes} passed, ${failures} failed${skipped}\n`);
    });
  }
}
module.exports = SummaryReporter;
