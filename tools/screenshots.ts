/**
 * `npm run screenshots`: pictures of the app for the README.
 *
 * 1. Build the app when the build is missing or older than the sources.
 * 2. Serve it on 127.0.0.1 and open the kiosk page in headless Chromium on the WASM provider.
 * 3. Replay a short product workload and submit one request from the request view.
 * 4. Write PNGs of the whole page and of each view to docs/screenshots/, at desktop (1440×900),
 *    tablet (768×1024 portrait) and landscape kiosk (1280×800) sizes.
 *
 * Options: `--build` builds even when the build looks current; `--requests N` sizes the workload
 * (default 3000); `--port N` is the first port tried for the preview server (default 4182).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from '@playwright/test';

import type { Manifest } from '../src/core/manifest.js';
import { root, run } from './ensure.mjs';
import { launchChromium, servePreview } from './headless.mjs';

const SIZES = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'landscape', width: 1280, height: 800 },
] as const;
const OUTPUT_DIR = join(root, 'docs', 'screenshots');
/** Maximum wait for the runtime to start or the workload to finish. */
const TIMEOUT_MS = 5 * 60 * 1000;
/** Product requests of the workload: 8 to 25 s on WASM on a busy two-core machine. */
const DEFAULT_REQUESTS = 3000;

const HELP = `Usage: npm run screenshots -- [--build] [--requests N] [--port N]
  --build        build the app even when dist/ looks newer than the sources
  --requests N   product requests in the replayed workload (default 3000)
  --port N       first port tried for the preview server on 127.0.0.1 (default 4182)`;

/** Returns the newest modification time (ms) of the files under `path`. */
function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), 0);
}

/** Returns whether dist/ is missing a page or is older than a source it is built from. */
function buildIsStale(): boolean {
  const pages = ['index.html', 'replay.html'].map((page) => join(root, 'dist', page));
  if (pages.some((page) => !existsSync(page))) return true;
  const built = Math.min(...pages.map((page) => statSync(page).mtimeMs));
  const sources = ['src', 'index.html', 'replay.html', 'vite.config.ts', 'models/manifest.json'].map((path) => join(root, path));
  return sources.some((source) => existsSync(source) && newestChange(source) > built);
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} ${text} is not a positive whole number; for example --${name} ${fallback}.`);
  return value;
}

/**
 * Returns a memory budget with room for the largest and the smallest product variant but not for
 * all of them, so the workload's change of load shows swaps and evictions.
 */
async function swapBudget(page: Page, manifestUrl: string): Promise<number> {
  const manifest = (await page.evaluate(async (url) => (await fetch(url)).json(), manifestUrl)) as Manifest;
  const product = manifest.applications.find((application) => application.id === 'product');
  if (product === undefined) throw new Error(`The manifest at ${manifestUrl} has no "product" application; retrain with npm run train.`);
  const footprints = product.variants.map((variant) => variant.footprint.bytes);
  return Math.max(...footprints) + Math.min(...footprints);
}

/** Reads the schedule view's render counter. */
function scheduleRenderTimes(page: Page): Promise<{ renders: number; totalMs: number; maxMs: number }> {
  return page.locator('sneakpeek-schedule-view').evaluate((view) => ({ ...(view as HTMLElement & { renderTimes: { renders: number; totalMs: number; maxMs: number } }).renderTimes }));
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { build: { type: 'boolean' }, requests: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const requests = positiveInteger('requests', values.requests, DEFAULT_REQUESTS);
  const port = positiveInteger('port', values.port, 4182);

  if (values.build || buildIsStale()) {
    console.log('Building the app (npx vite build)...');
    run('npx', ['vite', 'build', '--logLevel', 'warn']);
  }
  mkdirSync(OUTPUT_DIR, { recursive: true });

  const server = await servePreview(port);
  const browser = await launchChromium();
  const ortVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`Machine: ${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; Chromium ${browser.version()} headless; onnxruntime-web ${ortVersion} on WASM.`);
  try {
    const page = await browser.newPage({ viewport: SIZES[0] });
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    await page.goto(server.url);
    const budget = await swapBudget(page, new URL('models/manifest.json', server.url).href);
    await page.goto(`${server.url}?provider=wasm&budget=${budget}`);

    // Start-up progress, caught while the runtime profiles its variants.
    await page.locator('sneakpeek-runtime .bar', { hasText: 'Profiling' }).waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: join(OUTPUT_DIR, 'desktop-startup.png') });
    await page.waitForFunction(() => window.sneakpeekKiosk?.state !== 'starting', undefined, { timeout: TIMEOUT_MS, polling: 500 });
    const state = await page.evaluate(() => window.sneakpeekKiosk?.state);
    if (state !== 'ready') throw new Error(`The app did not start: ${await page.evaluate(() => window.sneakpeekKiosk?.error)}`);

    console.log(`Replaying ${requests} product requests on WASM with a ${(budget / 2 ** 20).toFixed(1)} MiB memory budget...`);
    const requestsField = page.getByRole('spinbutton', { name: 'Requests', exact: true });
    await requestsField.fill(String(requests));
    await requestsField.dispatchEvent('change');
    const renderTimesBefore = await scheduleRenderTimes(page);
    await page.getByRole('button', { name: 'Run sample load' }).click();
    await page.waitForFunction(() => window.sneakpeekKiosk?.load?.state === 'done', undefined, { timeout: TIMEOUT_MS, polling: 500 });
    const renderTimes = await scheduleRenderTimes(page);
    // The shortest window that shows the whole workload: its length depends on the measured speed.
    const durationMs = (await page.evaluate(() => window.sneakpeekKiosk?.load?.report?.durationMs)) ?? 0;
    const windowSeconds = [10, 15, 30, 60].find((seconds) => seconds * 1000 >= durationMs + 3000) ?? 60;
    await page.locator('sneakpeek-schedule-view').getByLabel('Show the last').selectOption(String(windowSeconds));
    console.log(`The workload took ${(durationMs / 1000).toFixed(1)} s; the timeline shows the last ${windowSeconds} s.`);
    const renders = renderTimes.renders - renderTimesBefore.renders;
    console.log(
      `Schedule view during the workload (${(requests / (durationMs / 1000)).toFixed(0)} outcomes/s): ${renders} renders, ` +
        `mean ${((renderTimes.totalMs - renderTimesBefore.totalMs) / Math.max(1, renders)).toFixed(1)} ms, longest ${renderTimes.maxMs.toFixed(1)} ms since start.`,
    );

    // One request of the request view, a test image, so the result panel shows real figures.
    const requestView = page.locator('sneakpeek-request-view');
    await requestView.getByLabel(/Sample number/).fill('42');
    await requestView.getByLabel(/Sample number/).dispatchEvent('change');
    await requestView.getByRole('button', { name: 'Classify' }).click();
    await requestView.locator('.result').waitFor({ timeout: TIMEOUT_MS });

    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.evaluate(() => window.scrollTo(0, 0));
      // Two frames: one for the resize observer, and one for the render it requests.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await page.screenshot({ path: join(OUTPUT_DIR, `${size.name}-app.png`) });
      await page.locator('sneakpeek-request-view').screenshot({ path: join(OUTPUT_DIR, `${size.name}-request.png`) });
      await page.locator('sneakpeek-schedule-view').screenshot({ path: join(OUTPUT_DIR, `${size.name}-schedule.png`) });
      console.log(`Wrote ${size.name} screenshots (${size.width}×${size.height}) to docs/screenshots/`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
