import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "@burrow/local-edge";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's `chromium` package (.ci/run installs it); Playwright drives it, downloading nothing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Chromium's flags for this machine: headless without a GPU or sandbox (CI runs as root), and none
 * of the background connections (QUIC probes, component and sync updates, first-run fetches) that
 * a closed network refuses and that would otherwise stall start-up.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where screenshots go: CI keeps `.ci/artifacts/` (gitignored) as the run's output. */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, ".ci/artifacts/dashboard");

/** A running Chromium with a fresh profile, and what a test records from every page it opens. */
export interface TestBrowser {
  context: BrowserContext;
  /** A new tab; its console lines and request URLs are added to {@link TestBrowser.seen}. */
  newPage(): Promise<Page>;
  /** Every console message and request URL of every tab, to check no token appears in them. */
  seen: string[];
  /** Saves `<name>.png` of the full page under {@link SCREENSHOT_DIR}. */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh `--user-data-dir` (Playwright's persistent context). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), "burrow-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const seen: string[] = [];
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    seen,
    async newPage() {
      const page = await context.newPage();
      page.on("console", (message) => seen.push(`console: ${message.text()}`));
      page.on("pageerror", (error) => seen.push(`pageerror: ${error.message}`));
      page.on("request", (request) => seen.push(`request: ${request.url()}`));
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
