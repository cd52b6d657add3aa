import { sveltekit } from "@sveltejs/kit/vite";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

/** Component tests: jsdom, the SvelteKit plugin for $lib/$app, browser builds of svelte. */
export default defineConfig({
  plugins: [sveltekit(), svelteTesting()],
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
    // Our own summary line: the mocha run that follows prints the one CI reads.
    reporters: ["./tests/reporter.ts"],
  },
});
