import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import * as OTPAuth from "otpauth";
import type { Page } from "playwright-core";
import { outboxDirOf, signUpAndLogIn } from "../helpers/accounts.ts";
import { http } from "../helpers/http.ts";
import { FIXTURES_DIR } from "../helpers/paths.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { lastMailTo } from "../integration/auth/fixtures.ts";
import {
  CHROMIUM,
  ensureUiBuild,
  launchBrowser,
  screenshot,
  UI_BUILD,
  watchErrors,
  writeTopicExport,
  type Browser,
  type InPage,
  type InPageCanvas,
} from "./helpers.ts";

const FIXTURE = path.join(FIXTURES_DIR, "whatsapp/pustur__samples_short-chat.txt");
const PASSWORD = "correct horse battery staple";

describe("web app in a browser", function () {
  this.timeout(900_000);
  let platform: TestPlatform;
  let browser: Browser;
  let tmp: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
      this.skip();
    }
    ensureUiBuild();
    tmp = mkdtempSync(path.join(os.tmpdir(), "chatlens-e2e-"));
    // A short access-token life makes the long flow below go through transparent refreshes.
    platform = await startTestPlatform({
      env: {
        UI_DIR: UI_BUILD,
        ACCESS_TOKEN_TTL_S: "8",
        PASSWORD_HASH_MEMORY_KIB: "1024",
        PASSWORD_HASH_TIME_COST: "1",
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    return { page, errors: watchErrors(page) };
  }

  async function logIn(page: Page, email: string) {
    await page.goto(`${platform.baseUrl}/login`);
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
  }

  async function logOut(page: Page) {
    await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login\?loggedOut=1/);
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem("chatlens.refreshToken")),
    ).to.equal(null);
  }

  async function search(page: Page, mode: "Semantic" | "Keyword" | "Hybrid", query: string) {
    await page.getByLabel("Search messages").fill(query);
    await page.getByRole("radio", { name: mode }).check();
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByTestId("search-summary").filter({ hasText: mode.toLowerCase() }).waitFor();
  }

  it("signs up, logs in, imports an export, searches in every mode, shows topics and dashboards, logs out", async () => {
    const { page, errors } = await newPage();
    const email = `owner-${Date.now()}@example.com`;
    const refreshes: number[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/api/auth/refresh")) refreshes.push(r.status());
    });

    // Protected routes send a visitor to the log-in page.
    await page.goto(`${platform.baseUrl}/datasets`);
    await page.waitForURL(/\/login\?next=%2Fdatasets/);
    await screenshot(page, "01-login");

    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Your name").fill("Olivia Owner");
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await screenshot(page, "02-signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("signup-sent").filter({ hasText: email }).waitFor();
    await screenshot(page, "02b-signup-check-mail");
    // A new account cannot log in before its address is confirmed (the answer is a wrong password's).
    await logIn(page, email);
    await page.getByText(/confirmation mail/).waitFor();
    // The link from the mail (the local mail sink) and the password confirm the address and log in.
    const { url } = lastMailTo(platform, email, /confirm/i);
    await page.goto(`${platform.baseUrl}${url.pathname}${url.search}`);
    await page.getByLabel("Password").fill(PASSWORD);
    await screenshot(page, "02c-confirm");
    await page.getByRole("button", { name: "Confirm and log in" }).click();
    await page.waitForURL(/\/datasets\?welcome=1/);
    await page.getByRole("heading", { name: "No datasets yet" }).waitFor();
    await screenshot(page, "03-datasets-empty");
    await logOut(page);

    await logIn(page, email);
    await page.waitForURL(/\/datasets/);

    await page.getByRole("button", { name: "New dataset" }).click();
    await page.getByLabel("Name").fill("Team chats");
    await page.getByRole("button", { name: "Create dataset" }).click();
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    const datasetId = page.url().split("/").pop()!;

    for (const file of [FIXTURE, writeTopicExport(tmp)]) {
      await page.locator("input#upload-file").setInputFiles(file);
      await page.getByRole("button", { name: "Upload and import" }).click();
      await page
        .locator(`.import[data-status=completed]`, { hasText: path.basename(file) })
        .waitFor({ timeout: 180_000 });
    }
    await page.getByText("5 messages added").waitFor();
    await page.getByText("24 messages added").waitFor();
    await page.getByTestId("dataset-messages").filter({ hasText: "29" }).waitFor();
    // Embedding: the progress reaches "ready" once every chunk has its vector.
    await page.locator("[data-testid=embedding-progress][data-pending='0']").waitFor({ timeout: 360_000 });
    await page.getByText(/All \d+ chunks are embedded/).waitFor();
    await screenshot(page, "04-dataset");

    // Search: the fixture's message is found by meaning, by its words, and by both.
    await page.getByRole("link", { name: "Search", exact: true }).first().click();
    await page.waitForURL(/\/search/);
    for (const [mode, query, expected] of [
      ["Keyword", "test too", "Hey I'm a test too!"],
      ["Semantic", "this is a test message", "This is a test message"],
      ["Hybrid", "is everything alright", "How are you?"],
    ] as const) {
      await search(page, mode, query);
      const hit = page.locator("article.hit", { hasText: expected });
      expect(await hit.count(), `${mode} search for “${query}”`).to.be.greaterThan(0);
      if (mode !== "Semantic")
        expect(await hit.first().locator("mark").count(), `${mode} highlights`).to.be.greaterThan(0);
    }
    await search(page, "Semantic", "the striker scored a goal");
    expect(await page.locator("article.hit").first().textContent()).to.match(
      /goal|penalty|match|league|referee|football|stadium|corner|coach|pitch/i,
    );
    await screenshot(page, "05-search");

    // Topics: a run with three topics, its list and its map on a canvas with dots drawn.
    await page.goto(`${platform.baseUrl}/topics?dataset=${datasetId}`);
    await page.getByLabel(/Number of topics/).fill("3");
    await page.getByRole("button", { name: "Find topics" }).click();
    await page.getByTestId("topic-map").waitFor({ timeout: 360_000 });
    expect(await page.locator("ol.topics > li").count()).to.equal(3);
    const painted = await page.locator("[data-testid=topic-map] canvas").evaluate((c: InPageCanvas) => {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(painted, "pixels drawn on the topic map").to.be.greaterThan(100);
    await page.getByRole("application", { name: /Topic map/ }).press("n");
    await page.getByRole("tooltip").waitFor();
    await page.getByRole("heading", { name: "Topics over time" }).waitFor();
    await screenshot(page, "06-topics");

    // A second run, with four topics, compared with the first: what appeared, went, grew or shrank.
    await page.getByLabel(/Number of topics/).fill("4");
    await page.getByRole("button", { name: "Find topics" }).click();
    await page.getByRole("heading", { name: "4 topics" }).waitFor({ timeout: 360_000 });
    const compareWith = page.getByLabel("Compare this run with");
    expect(await compareWith.locator("option").count(), "earlier runs to compare with").to.equal(1);
    await page.getByRole("button", { name: "Compare", exact: true }).click();
    const changes = page.getByTestId("run-comparison");
    await changes.waitFor();
    expect(await changes.getByRole("status").textContent()).to.match(
      /\(3 → 4 topics\): \d+ new topics?, \d+ gone, \d+ grew, \d+ shrank,\s+\d+ about the same/,
    );
    // A full-page capture from the top: scrolled, the sticky header would be drawn mid-page.
    await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
    await screenshot(page, "06b-topics-compare");

    // Dashboards: activity charts and the search analytics of the searches above.
    await page.goto(`${platform.baseUrl}/dashboards?dataset=${datasetId}`);
    await page.locator("[data-testid=chart-messages-over-time] canvas").waitFor();
    await page.locator(".tile", { hasText: "Messages" }).getByText("29", { exact: true }).waitFor();
    await screenshot(page, "07-dashboard-activity");
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as InPage).document.documentElement.scrollWidth -
          (globalThis as unknown as InPage).innerWidth,
      ),
      "dashboard overflows horizontally",
    ).to.be.at.most(0);
    await page.getByRole("tab", { name: "Search analytics" }).click();
    await page.locator("[data-testid=chart-search-volume] canvas").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).first().click(),
    ]);
    expect(download.suggestedFilename()).to.equal("search-volume.csv");
    await screenshot(page, "08-dashboard-search");

    // Administration pages an owner sees.
    await page.goto(`${platform.baseUrl}/admin/api-keys`);
    await page.getByLabel("Name").fill("CI export");
    await page.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByTestId("new-api-key").textContent()).to.match(/^cl_/);
    await screenshot(page, "09-api-keys");
    await page.goto(`${platform.baseUrl}/admin/audit`);
    await page.locator("td code", { hasText: "apiKey.created" }).waitFor();
    await screenshot(page, "10-audit");
    await page.goto(`${platform.baseUrl}/admin/models`);
    await page.locator("[data-model]").first().waitFor();
    await screenshot(page, "11-models");
    await page.goto(`${platform.baseUrl}/settings/sessions`);
    await page.getByText("this device").waitFor();
    await screenshot(page, "12-sessions");

    // Deleting asks first, then the dataset is gone.
    await page.goto(`${platform.baseUrl}/datasets`);
    await page.getByRole("button", { name: "New dataset" }).click();
    await page.getByLabel("Name").fill("Scratch");
    await page.getByRole("button", { name: "Create dataset" }).click();
    await page.getByRole("heading", { name: "Scratch" }).waitFor();

    // Renaming: an empty name is refused next to its field; a valid one is saved and kept.
    await page.getByRole("button", { name: "Edit details" }).click();
    await page.getByLabel("Name", { exact: true }).fill(" ");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Give the dataset a name.").waitFor();
    await screenshot(page, "12a-dataset-rename");
    await page.getByLabel("Name", { exact: true }).fill("Scratch notes");
    await page.getByLabel(/Description/).fill("Trying things out");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Scratch notes" }).waitFor();
    await page.getByText("Trying things out").waitFor();

    await page.getByRole("button", { name: "Delete dataset" }).click();
    await page.getByRole("dialog", { name: /Delete “Scratch notes”/ }).waitFor();
    await screenshot(page, "12b-delete-confirm");
    await page.getByRole("button", { name: "Delete for good" }).click();
    await page.waitForURL(/\/datasets$/);
    await page.getByRole("link", { name: "Team chats" }).waitFor();
    expect(await page.getByRole("link", { name: "Scratch" }).count()).to.equal(0);

    // The 8-second access tokens expired during the flow and were refreshed without a log-in.
    // (Before signing up, the signed-out visitor's start-up probes answer 422: no refresh cookie yet.)
    const signedIn = refreshes.slice(Math.max(0, refreshes.indexOf(200)));
    expect(
      refreshes.slice(0, refreshes.indexOf(200)).every((s) => s === 422),
      `refresh statuses ${refreshes}`,
    ).to.equal(true);
    expect(signedIn.length, "token refreshes").to.be.greaterThan(0);
    expect(
      signedIn.every((s) => s === 200),
      `refresh statuses ${refreshes}`,
    ).to.equal(true);
    await logOut(page);
    await page.goto(`${platform.baseUrl}/dashboards`);
    await page.waitForURL(/\/login/);
    expect(errors, "errors in the page").to.deep.equal([]);
    await page.context().close();
  });

  it("enrols two-factor authentication with a QR code and logs in with a TOTP code", async () => {
    const email = `mfa-${Date.now()}@example.com`;
    await signUpAndLogIn(platform.baseUrl, { email, password: PASSWORD }, outboxDirOf(platform.config));
    const { page, errors } = await newPage();
    await logIn(page, email);
    await page.waitForURL(/\/datasets/);
    await page.goto(`${platform.baseUrl}/settings/security`);
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const qr = page.getByRole("img", { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).to.match(/^data:image\/png;base64,/);
    await page.getByText("Can't scan it?").click();
    const secret = (await page.getByTestId("mfa-secret").textContent())!.trim();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    await screenshot(page, "13-mfa-enrol");
    await page.getByLabel(/Authentication code/).fill(totp.generate());
    await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    expect(await page.getByTestId("recovery-codes").locator("li").count()).to.be.greaterThan(5);
    await screenshot(page, "14-mfa-recovery-codes");
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await page.getByText("Logging in asks for a code").waitFor();
    await logOut(page);

    await logIn(page, email);
    await page.getByRole("heading", { name: "Two-factor authentication" }).waitFor();
    await screenshot(page, "15-mfa-challenge");
    await page.getByLabel(/Authentication code/).fill("000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("alert").waitFor();
    // Codes are single-use per time step: the enrolment used this step's code, so wait for the next.
    const step = () => Math.floor(Date.now() / 30_000);
    const used = step();
    while (step() === used) await new Promise((r) => setTimeout(r, 500));
    await page.getByLabel(/Authentication code/).fill(totp.generate());
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/datasets/);
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it("does not offer a viewer the administration pages", async () => {
    const stamp = Date.now();
    const admin = (
      await signUpAndLogIn(
        platform.baseUrl,
        { email: `admin-${stamp}@example.com`, password: PASSWORD },
        outboxDirOf(platform.config),
      )
    ).account!;
    const viewerEmail = `viewer-${stamp}@example.com`;
    const viewer = (
      await signUpAndLogIn(platform.baseUrl, { email: viewerEmail, password: PASSWORD }, outboxDirOf(platform.config))
    ).account!;
    const invite = await http(platform.baseUrl, "POST", "/api/auth/invitations", {
      token: admin.accessToken,
      body: { email: viewerEmail, role: "viewer" },
    });
    expect(invite.status).to.equal(201);
    const accepted = await http(platform.baseUrl, "POST", "/api/auth/invitations/accept", {
      token: viewer.accessToken,
      body: { token: invite.body.token },
    });
    expect(accepted.status).to.equal(200);

    const { page, errors } = await newPage();
    await logIn(page, viewerEmail);
    await page.waitForURL(/\/datasets/);
    // Their own organisation (owner) first: administration is offered there.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).waitFor();
    await page.getByLabel("Organisation").selectOption(accepted.body.orgId);
    await page.locator(".top .badge", { hasText: "viewer" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Audit log", "API keys", "Users & roles", "Models", "Sign-in providers"])
      expect(await nav.getByRole("link", { name }).count(), name).to.equal(0);
    expect(await page.getByRole("button", { name: "New dataset" }).count()).to.equal(0);
    await page.getByRole("heading", { name: "No datasets yet" }).waitFor();
    await screenshot(page, "16-viewer-datasets");
    for (const p of ["/admin/audit", "/admin/api-keys", "/admin/users"]) {
      await page.goto(`${platform.baseUrl}${p}`);
      await page.getByRole("heading", { name: "Not available with your role" }).waitFor();
    }
    await screenshot(page, "17-viewer-forbidden");
    await page.goto(`${platform.baseUrl}/org`);
    await page.getByRole("heading", { name: "Members" }).waitFor();
    expect(await page.getByRole("button", { name: "Remove" }).count()).to.equal(0);
    expect(await page.getByRole("button", { name: "Send invitation" }).count()).to.equal(0);
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it("fits a phone-sized screen with a collapsible menu", async () => {
    const email = `phone-${Date.now()}@example.com`;
    await signUpAndLogIn(platform.baseUrl, { email, password: PASSWORD }, outboxDirOf(platform.config));
    const { page, errors } = await newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await logIn(page, email);
    await page.waitForURL(/\/datasets/);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).to.equal(false);
    await screenshot(page, "18-phone-datasets");
    await page.getByRole("button", { name: "Open menu" }).click();
    await nav.getByRole("link", { name: "Search" }).waitFor({ state: "visible" });
    // The menu slides in: wait until it is fully on screen.
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.getElementById("app-nav")!.getBoundingClientRect().left >= 0,
    );
    await screenshot(page, "19-phone-menu");
    await nav.getByRole("link", { name: "Search" }).click();
    await page.waitForURL(/\/search/);
    expect(await nav.isVisible()).to.equal(false);
    const overflow = await page.evaluate(
      () =>
        (globalThis as unknown as InPage).document.documentElement.scrollWidth -
        (globalThis as unknown as InPage).innerWidth,
    );
    expect(overflow, "horizontal overflow in px").to.be.at.most(0);
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });
});
