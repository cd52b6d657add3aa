import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";

/** The UI's typed client is generated from ui/src/lib/api/openapi.json: it must match what is served. */
describe("OpenAPI document used by the web app", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform();
  });
  after(() => p?.stop());

  it("is current (run `npm run openapi` after changing an endpoint)", async () => {
    const served = await p.broker.call("api.openapi", {}, { meta: { system: true } });
    const committed = JSON.parse(readFileSync(path.join(REPO_ROOT, "ui/src/lib/api/openapi.json"), "utf8"));
    expect(JSON.parse(JSON.stringify(served))).to.deep.equal(committed);
  });
});
