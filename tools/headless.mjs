// @ts-check
/**
 * Serves the built app with Vite's preview server on 127.0.0.1 (with the cross-origin isolation
 * headers from vite.config.ts) and drives it in headless Chromium. Imported by start.mjs and the
 * browser tests' helpers once the npm packages are installed.
 */
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { chromiumArgs, chromiumPath, root } from './ensure.mjs';

/**
 * Starts the preview server; resolves with its base URL and a function that stops it.
 * @param {number} [port] first port to try; the next free one is taken if it is in use
 * @param {string} [outDir] folder of the build to serve, relative to the repository; default dist
 */
export async function servePreview(port = 4173, outDir = 'dist') {
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('Vite preview started without a local URL; check that port is free.');
  return { url, close: () => server.close() };
}

/** @param {string[]} [extraArgs] Chromium flags added to `chromiumArgs` */
export async function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumArgs, ...extraArgs] });
}

/**
 * Opens the replay page with the given query, prints progress, and resolves with what the page
 * published on window.sneakpeekReplay when the replay is done or failed.
 * @param {import('@playwright/test').Browser} browser
 * @param {string} url base URL of the app
 * @param {string} query query string without the leading "?"
 * @param {{ timeoutMs?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<import('../src/ui/replay-app.js').PublishedReplay>}
 */
export async function replayInBrowser(browser, url, query, { timeoutMs = 30 * 60 * 1000, log = console.log } = {}) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log(`page ${message.type()}: ${message.text()}`);
  });
  await page.goto(`${url}replay.html?autorun&${query}`);

  const started = Date.now();
  let lastLine = '';
  // A page that publishes nothing within this time failed to start (a script error, a missing file).
  const publishTimeoutMs = 60 * 1000;
  for (;;) {
    const published = await page.evaluate(() => window.sneakpeekReplay);
    const line = published === undefined ? 'loading' : published.state;
    const stats = published?.stats;
    const detail = stats === undefined ? '' : ` (${stats.completed} completed, ${Object.values(stats.dropped).reduce((a, b) => a + b, 0)} dropped)`;
    if (line + detail !== lastLine) {
      log(`replay: ${line}${detail}`);
      lastLine = line + detail;
    }
    if (published?.state === 'done' || published?.state === 'failed') {
      await page.close();
      return published;
    }
    if (published === undefined && Date.now() - started > publishTimeoutMs) {
      await page.close();
      throw new Error(`The page published no state within ${publishTimeoutMs / 1000} s; see the page errors above.`);
    }
    if (Date.now() - started > timeoutMs) {
      await page.close();
      throw new Error(`The replay did not finish within ${timeoutMs / 1000} s; last state "${line}".`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
