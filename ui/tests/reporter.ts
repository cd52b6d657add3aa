import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints each component test and a summary worded so it cannot be mistaken for the
 * "N passed, N failed" line of the mocha run that CI reads (npm test runs both).
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
  }
}
