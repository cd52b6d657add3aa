import { existsSync, readFileSync } from "node:fs";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { addChunks, createChatDataset, type ChatFixture } from "../helpers/chat-fixtures.ts";
import { bigChat } from "../helpers/big-chat.ts";
import { outboxDirOf, signUpAndLogIn } from "../helpers/accounts.ts";
import { http, type ApiResponse } from "../helpers/http.ts";
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

const PASSWORD = "correct horse battery staple";

/**
 * The insight journeys on a chat of realistic size: 30,000 generated messages from 40
 * people (test/helpers/big-chat.ts) with a finished topic run. Walks the topics page (labels,
 * search in the map, a dot opened in the conversation viewer, export), the dashboards
 * (filters, new charts, PNG and report downloads) and the viewer (go to a date), then every
 * page at 390 px wide, with screenshots at both sizes (test-results/screenshots/insight-*).
 */
describe("insight pages in a browser on a 30,000-message chat", function () {
  this.timeout(900_000);
  let platform: TestPlatform;
  let browser: Browser;
  let fx: ChatFixture;
  let email: string;
  const errors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
      this.skip();
    }
    ensureUiBuild();
    platform = await startTestPlatform({
      env: { UI_DIR: UI_BUILD, PASSWORD_HASH_MEMORY_KIB: "1024", PASSWORD_HASH_TIME_COST: "1" },
    });
    email = `insight-${Date.now()}@example.com`;
    const signup = (await signUpAndLogIn(platform.baseUrl, { email, password: PASSWORD }, outboxDirOf(platform.config)))
      .account!;
    const chat = bigChat({ messages: 30_000, authors: 40, dim: 32 });
    // WhatsApp keeps a missed call as a notice: as its parser does, store those as calls (the calls chart needs some).
    const messages = chat.messages.map((m) => (m.text === "Missed voice call" ? { ...m, kind: "call" } : m));
    fx = await createChatDataset(platform.database.db, {
      orgId: signup.orgId,
      name: "Family & Friends 2015–17",
      messages,
    });
    await addChunks(platform.database.db, fx, chat.chunks, chat.messages);
    const token = signup.accessToken;
    // Writing 30k rows blocks this process (the platform runs in it) for a minute: the client's kept-alive
    // connection can be reset by the server's idle timeout as it is reused. A reset before an answer is retried.
    let start: ApiResponse<"POST", `/api/datasets/${string}/clusters/runs`> | undefined;
    for (let attempt = 1; !start; attempt++) {
      try {
        start = await http(platform.baseUrl, "POST", `/api/datasets/${fx.datasetId}/clusters/runs`, {
          token,
          body: {},
        });
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    expect(start.status).to.equal(202);
    // Hang guard: wait for the run to end (its time is measured in bench/topics-real.ts).
    for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
      const run = await http(platform.baseUrl, "GET", `/api/datasets/${fx.datasetId}/clusters/runs/${start.body.id}`, {
        token,
      });
      if (run.body.status === "failed") throw new Error(JSON.stringify(run.body.error));
      if (run.body.status === "completed") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  async function loggedIn(viewport?: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage(viewport);
    // Hang guard, not a speed limit: a 30k-message dashboard on a loaded 2-core machine takes its time.
    page.setDefaultTimeout(240_000);
    const pageErrors = watchErrors(page);
    page.on("close", () => errors.push(...pageErrors));
    await page.goto(`${platform.baseUrl}/login`);
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/datasets/);
    return page;
  }

  it("shows labelled topics, searches the map, opens a dot in its conversation and exports", async () => {
    const page = await loggedIn();
    await page.goto(`${platform.baseUrl}/topics?dataset=${fx.datasetId}`);
    const list = page.getByRole("list", { name: "Topics" });
    await list.waitFor();
    const labels = await list.getByRole("button").allTextContents();
    expect(labels.length).to.be.within(6, 12);
    // The planted subjects come back (football's label is made of its most distinctive words, which vary).
    const joined = labels.join(" | ");
    for (const subject of [
      /sourdough|oven|recipe|garlic|chili|curry|lasagna/,
      /database|deploy|server|meeting|report/,
      /dog|cat|puppy|kitten|vet/,
      /hotel|flights|airport|passport|beach|lisbon/,
    ])
      expect(joined).to.match(subject);
    for (const name of ["ana", "ben", "garcía", "müller", "dubois"])
      expect(joined.toLowerCase().split(/[^\p{L}]+/u)).to.not.include(name);
    await page.getByTestId("topic-map").waitFor();
    await screenshot(page, "insight-01-topics-desktop");

    await page.getByRole("searchbox", { name: "Search in the map" }).fill("sourdough");
    const status = page.getByRole("status").filter({ hasText: /dots contain/ });
    await status.waitFor();
    expect(await status.textContent()).to.match(/^[1-9]\d* of \d+ dots contain “sourdough”/);
    await screenshot(page, "insight-02-topics-map-search");

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download CSV" }).first().click();
    const csv = readFileSync(await (await download).path(), "utf8");
    expect(csv.split("\n")[0]).to.match(/^chunk_id,conversation_id,conversation,start,topic,topic_label/);

    await page.getByLabel("Group into").check();
    await page.getByRole("heading", { level: 3 }).first().waitFor();
    await screenshot(page, "insight-03-topics-grouped");

    const map = page.getByRole("application", { name: /Topic map/ });
    await map.focus();
    await map.press("n");
    await map.press("Enter");
    await page.waitForURL(/\/conversations\?dataset=.*&chunk=/);
    const marked = page.locator("article.message.marked");
    await marked.first().waitFor();
    expect(await marked.count()).to.be.greaterThan(0);
    expect(await marked.first().isVisible()).to.equal(true);
    await screenshot(page, "insight-04-viewer-from-map");

    await page.getByLabel("Go to date").fill("2016-03-01");
    await page.getByRole("button", { name: "Go", exact: true }).click();
    await page.waitForURL(/at=2016-03-01/);
    const firstDay = page.locator("h2.day").first();
    await firstDay.waitFor();
    expect(await firstDay.textContent()).to.match(/2016/);
    await page.getByRole("button", { name: "Load earlier messages" }).click();
    await screenshot(page, "insight-05-viewer-date");
    await page.close();
  });

  it("filters the dashboards by person with dates relative to the chat, downloads a PNG and the report", async () => {
    const page = await loggedIn();
    await page.goto(`${platform.baseUrl}/dashboards?dataset=${fx.datasetId}`);
    await page.getByTestId("chart-messages-over-time").waitFor();
    await page.getByTestId("chart-starters").getByRole("table").waitFor();
    await screenshot(page, "insight-06-dashboards");

    // The chat ended in 2017: "last 30 days of data" must still show messages.
    await page.getByRole("button", { name: "Last 30 days of data" }).click();
    await expectNotEmpty(page);
    const from = await page.getByLabel("From").inputValue();
    expect(from.startsWith("2016") || from.startsWith("2017")).to.equal(true);
    await page.getByRole("button", { name: "All time" }).click();

    const person = page.getByLabel("Person", { exact: true });
    const option = (await person.locator("option").nth(2).getAttribute("value"))!;
    await person.selectOption(option);
    await page.getByTestId("chart-messages-over-time").waitFor();
    await expectNotEmpty(page);
    await screenshot(page, "insight-07-dashboards-person");

    const png = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download PNG" }).first().click();
    const pngFile = readFileSync(await (await png).path());
    expect(pngFile.subarray(1, 4).toString()).to.equal("PNG");

    const report = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download report" }).click();
    const html = readFileSync(await (await report).path(), "utf8");
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.not.match(/<script/i);
    // The report opens offline: a page with every request blocked still shows it.
    const offline = await browser.newPage();
    await offline.route("**/*", (route) => route.abort());
    await offline.setContent(html);
    expect(await offline.getByRole("heading", { name: "Topics" }).isVisible()).to.equal(true);
    await screenshot(offline, "insight-08-report");
    await offline.close();
    await page.close();
  });

  it("shows sentiment, languages, calls, mentions and replies, with PNGs of the heatmap and the tables", async () => {
    const page = await loggedIn();
    await page.goto(`${platform.baseUrl}/dashboards?dataset=${fx.datasetId}`);
    for (const chart of ["chart-sentiment", "chart-calls", "chart-mentions", "chart-replies"])
      await page.getByTestId(chart).locator("canvas").waitFor();
    // The generated chat mixes English, Spanish, German, French and Portuguese.
    const languages = page
      .getByTestId("chart-languages")
      .getByRole("cell")
      .filter({ hasText: /English \d+ %/ });
    await languages.waitFor();
    expect(await page.getByTestId("chart-languages").textContent()).to.match(/Spanish \d+ %/);
    expect(await page.getByTestId("chart-sentiment").textContent()).to.match(/English, Spanish, German/);
    expect(await page.getByTestId("chart-calls").textContent()).to.match(/[1-9][\d,]* calls, [1-9][\d,]* missed/);
    await page.getByTestId("chart-sentiment").scrollIntoViewIfNeeded();
    await screenshot(page, "insight-09-sentiment-heatmap");
    await page.getByTestId("chart-mentions").scrollIntoViewIfNeeded();
    await screenshot(page, "insight-10-mentions-replies-calls");

    for (const [card, name] of [
      ["chart-heatmap", "weekday-hours.png"],
      ["chart-languages", "languages.png"],
      ["chart-people", "per-person.png"],
      ["chart-calendar", "calendar.png"],
    ] as const) {
      const download = page.waitForEvent("download");
      await page.getByTestId(card).getByRole("button", { name: "Download PNG" }).click();
      const file = await download;
      expect(file.suggestedFilename()).to.equal(name);
      const png = readFileSync(await file.path());
      expect(png.subarray(1, 4).toString(), name).to.equal("PNG");
      // Width and height from the IHDR chunk: a real picture, not an empty canvas.
      expect(png.readUInt32BE(16), name).to.be.greaterThan(200);
      expect(png.readUInt32BE(20), name).to.be.greaterThan(100);
    }
    await page.close();
  });

  it("opens a search hit at its place in the conversation", async () => {
    const page = await loggedIn();
    await page.goto(`${platform.baseUrl}/search?dataset=${fx.datasetId}`);
    await page.getByLabel("Search messages").fill("sourdough oven");
    await page.getByRole("radio", { name: "Keyword" }).check();
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const hit = page.locator("article.hit").first();
    await hit.waitFor();
    const id = await hit.getAttribute("data-message-id");
    await hit.getByRole("link", { name: "Read in the conversation" }).click();
    await page.waitForURL(new RegExp(`/conversations\\?dataset=${fx.datasetId}&message=${id}$`));
    const marked = page.locator(`#m-${id}.marked`);
    await marked.waitFor();
    expect(await marked.isVisible()).to.equal(true);
    expect(await marked.textContent()).to.match(/sourdough|oven/i);
    await screenshot(page, "insight-11-viewer-from-search");
    await page.close();
  });

  it("fits every page into a 390 px wide phone screen without sideways scrolling", async () => {
    const page = await loggedIn({ width: 390, height: 844 });
    const pages = [
      `/datasets`,
      `/datasets/${fx.datasetId}`,
      `/search?dataset=${fx.datasetId}`,
      `/topics?dataset=${fx.datasetId}`,
      `/dashboards?dataset=${fx.datasetId}`,
      `/dashboards?tab=search`,
      `/conversations?dataset=${fx.datasetId}`,
      `/org`,
      `/admin/users`,
      `/admin/api-keys`,
      `/admin/audit`,
      `/admin/models`,
      `/settings/profile`,
      `/settings/security`,
      `/settings/sessions`,
    ];
    const wide: string[] = [];
    for (const path of pages) {
      await page.goto(`${platform.baseUrl}${path}`);
      await page.waitForLoadState("networkidle");
      if (path.startsWith("/topics")) await page.getByTestId("topic-map").waitFor();
      const overflow = await page.evaluate(
        () =>
          (globalThis as unknown as InPage).document.documentElement.scrollWidth -
          (globalThis as unknown as InPage).innerWidth,
      );
      if (overflow > 0) wide.push(`${path}: ${overflow} px too wide`);
      await screenshot(page, `insight-phone-${path.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "")}`);
    }
    expect(wide, "pages wider than the phone").to.deep.equal([]);
    await page.close();
    expect(errors).to.deep.equal([]);
  });
});

async function expectNotEmpty(page: Page) {
  await page.getByTestId("chart-messages-over-time").waitFor();
  expect(await page.getByText("No messages in this range").count()).to.equal(0);
}
