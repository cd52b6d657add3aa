// Mocha's Spec output plus the plain "N passed, N failed" closing line that CI reads.
"use strict";
const fs = require("node:fs");
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending ? `, ${pending} skipped` : "";
      const ui = uiCounts();
      if (ui) process.stdout.write(`\nmocha: ${passes} passed, ${failures} failed; UI components: ${ui.passed} passed, ${ui.failed} failed`);
      process.stdout.write(`\n${passes + (ui?.passed ?? 0)} passed, ${failures + (ui?.failed ?? 0)} failed${skipped}\n`);
    });
  }
}
/**
 * The UI component run's counts under `npm test` (scripts/run-tests.mjs names the file). A file
 * that is named but missing means the component run never got to report: one failure.
 */
function uiCounts() {
  const file = process.env.CHATLENS_UI_TEST_COUNTS;
  if (!file) return undefined;
  try {
    const { passed, failed } = JSON.parse(fs.readFileSync(file, "utf8"));
    return { passed: Number(passed) || 0, failed: Number(failed) || 0 };
  } catch {
    return { passed: 0, failed: 1 };
  }
}
module.exports = SummaryReporter;
