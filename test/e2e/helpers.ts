import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser as PwBrowser, type Page } from "playwright-core";
import { REPO_ROOT } from "../helpers/paths.ts";

export const UI_DIR = path.join(REPO_ROOT, "ui");
export const UI_BUILD = path.join(UI_DIR, "build");
export const SCREENSHOTS = path.join(REPO_ROOT, "test-results", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the web app when ui/build is missing or older than its sources. */
export function ensureUiBuild(): void {
  const index = path.join(UI_BUILD, "index.html");
  const sources = Math.max(
    newest(path.join(UI_DIR, "src")),
    newest(path.join(UI_DIR, "static")),
    statSync(path.join(UI_DIR, "svelte.config.js")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const build = () =>
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"],
      { cwd: UI_DIR, stdio: "pipe" },
    );
  try {
    build();
  } catch {
    // Another build (npm start's first-start build, svelte-kit sync) may have shared .svelte-kit: once more, alone.
    try {
      build();
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`the web app did not build:\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
    }
  }
}

/**
 * The browser globals that code passed to page.evaluate uses, typed here because the Node
 * project compiles without the DOM library. Cast `globalThis` to it inside the callback.
 */
export interface InPage {
  localStorage: { getItem(key: string): string | null };
  innerWidth: number;
  scrollTo(x: number, y: number): void;
  document: {
    documentElement: { scrollWidth: number };
    getElementById(id: string): { getBoundingClientRect(): { left: number } } | null;
  };
}

/** A canvas as page.evaluate sees it. */
export interface InPageCanvas {
  width: number;
  height: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

export interface Browser {
  /** A page in a fresh context: its own storage, so each test starts signed out. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Debian's Chromium through playwright-core (playwright gives it a fresh temporary profile; no downloads, no sync). */
export async function launchBrowser(): Promise<Browser> {
  const browser: PwBrowser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    async newPage(viewport = { width: 1280, height: 860 }) {
      const context = await browser.newContext({ viewport, acceptDownloads: true });
      return context.newPage();
    },
    async close() {
      await browser.close();
    },
  };
}

/** Fails the test on errors thrown in the page (a broken page must not pass by accident). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * A WhatsApp export with three clear subjects (food, football, a failing deploy), a message
 * every few hours so each stands in its own chunk: enough chunks for topics and dashboards.
 */
export function writeTopicExport(dir: string): string {
  const topics = [
    [
      "Ana",
      [
        "pizza with mozzarella and basil tonight?",
        "the pasta carbonara recipe needs more parmesan cheese",
        "lasagna in the oven, garlic bread ready",
        "sushi restaurant booking for dinner at eight",
        "homemade ramen noodles with miso broth",
        "tomato sauce with fresh basil and olive oil",
        "chocolate cake and tiramisu for dessert",
        "grilled salmon with lemon and rice",
      ],
    ],
    [
      "Ben",
      [
        "the football match: our striker scored two goals",
        "the goalkeeper saved a penalty in extra time",
        "league table: we are third after the derby win",
        "the referee gave a red card to their defender",
        "training on the pitch tomorrow, bring your boots",
        "the coach changed the formation at half time",
        "season tickets for the stadium are on sale",
        "a corner kick header into the top corner",
      ],
    ],
    [
      "Cleo",
      [
        "the deploy failed: kubernetes pod crashloop",
        "the build pipeline is red, unit tests time out",
        "rollback the release, the database migration broke",
        "docker image push to the registry was denied",
        "the server returns 502 after the nginx config change",
        "ci runner out of disk space again",
        "hotfix merged, redeploying the api service",
        "monitoring alert: cpu at 100 percent on the worker node",
      ],
    ],
  ] as const;
  const lines: string[] = [];
  const start = Date.UTC(2024, 0, 1, 8, 0);
  let i = 0;
  for (let round = 0; round < 8; round++)
    for (const [author, texts] of topics) {
      const d = new Date(start + i++ * 5 * 3600_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      lines.push(
        `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${author}: ${texts[round]}`,
      );
    }
  const file = path.join(dir, "WhatsApp Chat with Team.txt");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
