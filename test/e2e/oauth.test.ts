import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { OAuth2Server } from "oauth2-mock-server";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import {
  CHROMIUM,
  ensureUiBuild,
  launchBrowser,
  screenshot,
  UI_BUILD,
  watchErrors,
  type Browser,
  type InPage,
} from "./helpers.ts";

/**
 * OAuth log-in in a browser: GitHub (a local OAuth2 stand-in and a fake GitHub API) sends the
 * browser back to the web app's /login/callback with a one-time code, which the app exchanges.
 * The log-in and sign-up pages offer a button for each configured provider (GitHub here, not
 * Google), and the sign-in starts by clicking it.
 */
describe("web app: OAuth log-in in a browser", function () {
  this.timeout(360_000);
  let github: OAuth2Server;
  let githubApi: Server;
  let platform: TestPlatform;
  let browser: Browser;
  let identity = { id: 4242, email: "octo@example.com", verified: true };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    ensureUiBuild();
    github = new OAuth2Server();
    await github.issuer.keys.generate("RS256");
    await github.start(0, "127.0.0.1");
    githubApi = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/user")
        return void res.end(JSON.stringify({ id: identity.id, login: "octo", name: "Octo Cat" }));
      if (req.url === "/user/emails")
        return void res.end(JSON.stringify([{ email: identity.email, primary: true, verified: identity.verified }]));
      res.writeHead(404).end("{}");
    });
    await new Promise<void>((r) => githubApi.listen(0, "127.0.0.1", r));
    platform = await startTestPlatform({
      services: ["api", "auth", "ingest"],
      env: {
        UI_DIR: UI_BUILD,
        GITHUB_CLIENT_ID: "github-client",
        GITHUB_CLIENT_SECRET: "github-secret",
        GITHUB_AUTH_URL: `${github.issuer.url}/authorize`,
        GITHUB_TOKEN_URL: `${github.issuer.url}/token`,
        GITHUB_API_URL: `http://127.0.0.1:${(githubApi.address() as AddressInfo).port}`,
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
    await github?.stop();
    githubApi?.close();
  });

  it("signs in with GitHub through /login/callback and lands on the datasets", async () => {
    identity = { id: 4242, email: `octo-${Date.now()}@example.com`, verified: true };
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${platform.baseUrl}/login`);
    const button = page.getByRole("link", { name: "Continue with GitHub" });
    await button.waitFor();
    expect(await page.getByRole("link", { name: "Continue with Google" }).count()).to.equal(0);
    await screenshot(page, "20-login-providers");
    await button.click();
    await page.waitForURL(/\/datasets$/);
    await page
      .getByRole("banner")
      .getByText(identity.email)
      .or(page.getByRole("banner").getByText("Octo Cat"))
      .waitFor();
    expect(page.url()).to.not.match(/code=/);
    // The refresh token is an httpOnly cookie for the refresh path only; nothing is in page storage.
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem("chatlens.refreshToken")),
    ).to.equal(null);
    const cookies = await page.context().cookies(`${platform.baseUrl}/api/auth/refresh`);
    const refresh = cookies.find((c) => c.name === "chatlens_refresh");
    expect(refresh?.httpOnly).to.equal(true);
    expect(refresh?.sameSite).to.equal("Strict");
    expect(refresh?.path).to.equal("/api/auth/refresh");

    // The account's own organisation: its owner sees which providers the server has configured.
    await page.goto(`${platform.baseUrl}/admin/providers`);
    const github = page.locator("[data-provider=github]");
    await github.getByText("configured", { exact: true }).waitFor();
    expect(await page.locator("[data-provider=google]").getByText("not configured").count()).to.equal(1);
    expect(await github.locator("code.cb").textContent()).to.equal(
      `${platform.baseUrl}/api/auth/oauth/github/callback`,
    );
    await screenshot(page, "22-admin-providers");
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it("explains a refused sign-in in plain language", async () => {
    identity = { id: 4343, email: `unverified-${Date.now()}@example.com`, verified: false };
    const page = await browser.newPage();
    await page.goto(`${platform.baseUrl}/signup`);
    await page.getByRole("link", { name: "Continue with GitHub" }).click();
    await page.waitForURL(/\/login\/callback\?error=EMAIL_NOT_VERIFIED/);
    expect(await page.getByRole("alert").textContent()).to.match(/did not confirm your e-mail address/);
    await screenshot(page, "21-oauth-refused");
    await page.getByRole("link", { name: "Back to log-in" }).click();
    await page.waitForURL(/\/login$/);
    await page.context().close();
  });
});
