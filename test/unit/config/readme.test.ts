import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { envSchema } from "../../../config/schema.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";

describe("README", () => {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

  it("documents every configuration variable", () => {
    const missing = Object.keys(envSchema.shape).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).to.deep.equal([]);
  });

  it("holds the two set-up commands", () => {
    expect(readme).to.contain("npm ci && npm start");
    expect(readme).to.contain("npm ci && npm test");
  });
});
