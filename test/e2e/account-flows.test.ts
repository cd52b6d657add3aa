import { existsSync } from "node:fs";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { outboxDirOf, signUpAndLogIn, tokensOf } from "../helpers/accounts.ts";
import { http } from "../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { lastMailTo } from "../integration/auth/fixtures.ts";
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

const PASSWORD = "correct horse battery staple";

/**
 * Issue 17 point 5 account journeys in Chromium, under the production CSP (issue 15 M7): an
 * ended session returns the user to where they were after logging in, forgot-password with the
 * mail sink, and an invitation that survives "Create an account" and the address confirmation.
 * Screenshots at desktop width and at 390 px.
 */
describe("web app: account journeys in a browser", function () {
  this.timeout(600_000);
  let platform: TestPlatform;
  let browser: Browser;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
      this.skip();
    }
    ensureUiBuild();
    platform = await startTestPlatform({
      services: ["api", "auth", "ingest"],
      env: { UI_DIR: UI_BUILD, PASSWORD_HASH_MEMORY_KIB: "1024", PASSWORD_HASH_TIME_COST: "1" },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** A page whose script errors and CSP refusals fail the test. */
  async function newPage(width = 1280): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ width, height: width < 500 ? 844 : 860 });
    const errors = watchErrors(page);
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) errors.push(m.text());
    });
    return { page, errors };
  }

  /** The mail's link, on this test server (mail links use PUBLIC_URL, unset here). */
  const onServer = (url: URL) => `${platform.baseUrl}${url.pathname}${url.search}`;

  async function account(email: string) {
    const { account } = await signUpAndLogIn(
      platform.baseUrl,
      { email, password: PASSWORD },
      outboxDirOf(platform.config),
    );
    expect(account).to.not.equal(undefined);
    return account!;
  }

  async function logIn(page: Page, email: string, password = PASSWORD) {
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
  }

  async function noHorizontalScroll(page: Page) {
    const overflow = await page.evaluate(
      () =>
        (globalThis as unknown as InPage).document.documentElement.scrollWidth -
        (globalThis as unknown as InPage).innerWidth,
    );
    expect(overflow).to.be.at.most(0);
  }

  for (const width of [1280, 390])
    it(`an ended session sends the user to log in and back to where they were (${width} px)`, async () => {
      const email = `expiry-${width}-${Date.now()}@example.com`;
      await account(email);
      const { page, errors } = await newPage(width);
      await page.goto(`${platform.baseUrl}/settings/sessions`);
      await page.waitForURL(/\/login\?next=%2Fsettings%2Fsessions/);
      await logIn(page, email);
      await page.waitForURL(/\/settings\/sessions$/);
      await page.getByText("this device").first().waitFor();
      // The refresh token is only an httpOnly cookie; the page's storage holds nothing.
      expect(
        await page.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem("chatlens.refreshToken")),
      ).to.equal(null);

      // The session is ended from elsewhere (another device's "end session", an administrator).
      const other = await http(platform.baseUrl, "POST", "/api/auth/login", { body: { email, password: PASSWORD } });
      const list = await http(platform.baseUrl, "GET", "/api/auth/sessions", {
        token: tokensOf(other.body).accessToken,
      });
      for (const s of list.body.items as { id: string; current: boolean }[])
        if (!s.current)
          await http(platform.baseUrl, "DELETE", `/api/auth/sessions/${s.id}`, {
            token: tokensOf(other.body).accessToken,
          });

      // The next thing the user does needs the API: they land on the log-in page, told why, and come back.
      if (width < 500) await page.getByRole("button", { name: "Open menu" }).click();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Datasets" }).click();
      await page.waitForURL(/\/login\?next=%2Fdatasets&expired=1/);
      await page.getByText("Your session has ended").waitFor();
      await screenshot(page, `acct-01-session-ended-${width}`);
      await noHorizontalScroll(page);
      await logIn(page, email);
      await page.waitForURL(/\/datasets$/);
      await page.getByRole("heading", { name: "No datasets yet" }).waitFor();
      expect(errors).to.deep.equal([]);
      await page.context().close();
    });

  it("forgot password: a link by mail, a new password, every old session logged out", async () => {
    const email = `forgot-${Date.now()}@example.com`;
    const owner = await account(email);
    for (const width of [1280, 390]) {
      const { page, errors } = await newPage(width);
      await page.goto(`${platform.baseUrl}/login`);
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await page.waitForURL(/\/forgot-password$/);
      await page.getByLabel("E-mail address").fill(email);
      await screenshot(page, `acct-02-forgot-${width}`);
      await page.getByRole("button", { name: "Send me a link" }).click();
      await page.getByText(/a link to reset its password is on its way/).waitFor();
      await screenshot(page, `acct-03-forgot-sent-${width}`);
      await noHorizontalScroll(page);
      const { url } = lastMailTo(platform, email, /reset/i);
      await page.goto(onServer(url));
      const newPassword = `brand new password ${width}`;
      await page.getByLabel(/^New password —/).fill(newPassword);
      await page.getByLabel("New password again").fill(newPassword);
      await screenshot(page, `acct-04-reset-${width}`);
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.waitForURL(/\/login\?reset=1$/);
      await page.getByText("Your password was changed").waitFor();
      await logIn(page, email, newPassword);
      await page.waitForURL(/\/datasets$/);
      expect(errors).to.deep.equal([]);
      await page.context().close();
    }
    // The session from before the reset is over.
    expect((await http(platform.baseUrl, "GET", "/api/auth/me", { token: owner.accessToken })).status).to.equal(401);
  });

  for (const width of [1280, 390])
    it(`an invitee who clicks "Create an account" keeps the invitation through sign-up and confirmation (${width} px)`, async () => {
      const owner = await account(`inviter-${width}-${Date.now()}@example.com`);
      const email = `invitee-${width}-${Date.now()}@example.com`;
      const inv = await http(platform.baseUrl, "POST", "/api/auth/invitations", {
        token: owner.accessToken,
        body: { email, role: "analyst" },
      });
      expect(inv.status).to.equal(201);
      const { page, errors } = await newPage(width);
      const invitation = `/invitations/accept?token=${encodeURIComponent(inv.body.token)}`;
      await page.goto(`${platform.baseUrl}${invitation}`);
      await page.waitForURL(/\/login\?next=/);
      await page.getByRole("link", { name: "Create an account" }).click();
      await page.waitForURL(/\/signup\?next=/);
      await page.getByLabel("E-mail address").fill(email);
      await page.getByLabel(/^Password/).fill(PASSWORD);
      await screenshot(page, `acct-05-invitee-signup-${width}`);
      await page.getByRole("button", { name: "Create account" }).click();
      // The new account waits for its address to be confirmed from the mail.
      await page.getByTestId("signup-sent").filter({ hasText: email }).waitFor();
      await noHorizontalScroll(page);
      // The confirmation mail's link asks for the password, logs in and leads back to the invitation.
      const { url } = lastMailTo(platform, email, /confirm/i);
      expect(url.searchParams.get("next")).to.equal(invitation);
      await page.goto(onServer(url));
      await page.getByLabel("Password").fill(PASSWORD);
      await screenshot(page, `acct-06-invitee-confirm-${width}`);
      await noHorizontalScroll(page);
      await page.getByRole("button", { name: "Confirm and log in" }).click();
      await page.waitForURL(
        (u) => u.pathname === "/invitations/accept" && u.searchParams.get("token") === inv.body.token,
      );
      await page.getByRole("button", { name: "Accept invitation" }).click();
      await page.getByText(/You joined/).waitFor();
      await page.getByText(/as analyst/).waitFor();
      await screenshot(page, `acct-07-invitee-joined-${width}`);
      expect(errors).to.deep.equal([]);
      await page.context().close();
    });
});
