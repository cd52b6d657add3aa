import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { startAuthPlatform } from "./fixtures.ts";

describe("auth: configured sign-in providers", function () {
  // A hang guard: two platforms start here, slowly on a loaded machine.
  this.timeout(300_000);
  let plain: TestPlatform;
  let withGithub: TestPlatform;
  before(async () => {
    plain = await startAuthPlatform();
    withGithub = await startAuthPlatform({ GITHUB_CLIENT_ID: "gh-client", GITHUB_CLIENT_SECRET: "gh-secret" });
  });
  after(async () => {
    await plain?.stop();
    await withGithub?.stop();
  });

  it("lists no provider when none has credentials", async () => {
    const res = await http(plain.baseUrl, "GET", "/api/auth/providers");
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ providers: [] });
  });

  it("lists a provider with credentials, anonymously, without exposing its secret", async () => {
    const res = await http(withGithub.baseUrl, "GET", "/api/auth/providers");
    expect(res.body.providers).to.deep.equal([{ id: "github", name: "GitHub", startUrl: "/api/auth/oauth/github" }]);
    expect(JSON.stringify(res.body)).to.not.contain("gh-secret");
  });
});
