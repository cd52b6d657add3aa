import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints each component test and a summary worded so it cannot be mistaken for the
 * "N passed, N failed" line of the mocha run that CI reads. Under `npm test`
 * (scripts/run-tests.mjs) the counts also go to CHATLENS_UI_TEST_COUNTS, and the runner's
 * closing line includes them.
 */
export default class ComponentTestReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ message?: string }>) {
    let ok = 0;
    let bad = 0;
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const r = test.result();
        if (r.state === "passed") {
          ok++;
          console.log(`  ✓ ${test.fullName}`);
        } else if (r.state === "failed") {
          bad++;
          console.log(`  ✗ ${test.fullName}`);
          for (const e of r.errors ?? [])
            console.log(`      ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}`);
        }
      }
      for (const e of mod.errors()) {
        bad++;
        console.log(`  ✗ ${mod.moduleId}: ${e.message}`);
      }
    }
    for (const e of unhandled) {
      bad++;
      console.log(`  ✗ unhandled: ${e.message}`);
    }
    console.log(`UI component tests: ${ok} ok / ${bad} not ok`);
    const countsFile = process.env.CHATLENS_UI_TEST_COUNTS;
    if (countsFile) writeFileSync(countsFile, JSON.stringify({ passed: ok, failed: bad }));
  }
}
