// The kernel's browser promise, checked in a real browser: a bundled pipeline with a parallel
// block runs in headless Chromium (Debian's `chromium`, which .ci/run installs when missing).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const kernel = fileURLToPath(new URL("../src/index.ts", import.meta.url));

// A page's script: the pipeline as plain functions (their parameter names are the graph), run by the
// dynamic executor with an event-loop executor fanning the block out; the result lands on `window`.
const PAGE_SCRIPT = `
import { Builder, ConcurrentLocalTaskExecutor, collect, parallelizable } from ${JSON.stringify(kernel)};

const pipeline = {
  item: parallelizable(async function* (count) {
    for (let i = 1; i <= count; i++) yield i;
  }),
  squared: async (item) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return item * item;
  },
  total: collect("squared", (squared) => squared.reduce((a, b) => a + b, 0)),
  label: (total, unit = "units") => total + " " + unit,
};

window.runPipeline = async (count) => {
  const dr = await new Builder()
    .withModules(pipeline)
    .enableDynamicExecution({ allowExperimentalMode: true })
    .withRemoteExecutor(new ConcurrentLocalTaskExecutor({ maxTasks: 4 }))
    .build();
  return dr.execute(["total", "label"], { inputs: count === undefined ? {} : { count } });
};
window.runError = async (count) => {
  try {
    await window.runPipeline(count);
    return "no error";
  } catch (error) {
    return String(error && error.message);
  }
};
`;

async function bundle(minify: boolean): Promise<string> {
  const result = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: tmpdir(), sourcefile: "page.js", loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

// Without the background-networking flags Chromium's own connections are refused here, and it stalls.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Issue 11, item 6 (WP-E): the kernel's error for a minified bundle says that parameter names were
// minified. Until the kernel says so (probed here, in Node, on the same minified bundle), the browser
// check of that message is skipped, loudly; once it does, it runs. Remove this gate once that is in main.
async function minifiedMessageInNode(): Promise<string> {
  const g = globalThis as { window?: unknown; runError?: (n: number) => Promise<string> };
  const hadWindow = "window" in g;
  g.window = g;
  try {
    await import(`data:text/javascript;base64,${Buffer.from(await bundle(true)).toString("base64")}`);
    return await g.runError!(20);
  } finally {
    if (!hadWindow) delete g.window;
  }
}
const kernelExplainsMinified = /minif/i.test(await minifiedMessageInNode());

// In CI a missing browser is a failure (.ci/run installs it); on a developer machine without it, a skip.
const available = existsSync(CHROMIUM);
describe.runIf(available || process.env.CI)("the kernel in headless Chromium", () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // a fresh profile (--user-data-dir) every run
    profile = mkdtempSync(join(tmpdir(), "hamilton-ts-chromium-"));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function pageWith(script: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent(`<!doctype html><html><body><script type="module">${script.replace(/<\/script/gi, "<\\/script")}</script></body></html>`);
    await page.waitForFunction(() => typeof (window as unknown as { runPipeline?: unknown }).runPipeline === "function", undefined, { timeout: 10_000 });
    return { page, errors };
  }

  it("runs a pipeline with a parallel block and returns its result", async () => {
    const { page, errors } = await pageWith(await bundle(false));
    const result = await page.evaluate(() => (window as unknown as { runPipeline(n: number): Promise<unknown> }).runPipeline(20));
    expect(result).toEqual({ total: 2870, label: "2870 units" });
    // it ran in a browser: no Node globals there
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe("undefined");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("reports a missing input by name", async () => {
    const { page } = await pageWith(await bundle(false));
    expect(await page.evaluate(() => (window as unknown as { runError(n?: number): Promise<string> }).runError())).toMatch(/"count"/);
    await page.close();
  });

  it("a minified bundle fails, and never with a wrong result", async () => {
    const { page } = await pageWith(await bundle(true));
    expect(await page.evaluate(() => (window as unknown as { runError(n?: number): Promise<string> }).runError(20))).not.toBe("no error");
    await page.close();
  });

  it.runIf(kernelExplainsMinified)("a minified bundle's error says parameter names were minified (skipped until the kernel says so: WP-E)", async () => {
    const { page } = await pageWith(await bundle(true));
    const message = await page.evaluate(() => (window as unknown as { runError(n?: number): Promise<string> }).runError(20));
    expect(message).toMatch(/minif/i);
    await page.close();
  });
});
