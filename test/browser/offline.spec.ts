/**
 * The installed app offline. After one online visit, with every network request blocked, the app
 * starts again and serves requests, and so does the replay page, which the kiosk's service worker
 * precached. The service worker serves every request of the pages and their workers from its
 * precache, and model bytes come from IndexedDB.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { RuntimeStats } from '../../src/protocol/messages.js';

/** Requests served per application in each visit. */
const RECORDS_PER_APPLICATION = 12;

/** Every request of the context, page, workers and service worker alike, with how it ended. */
interface RecordedRequest {
  url: string;
  /** `'service worker'` when the service worker served the response, `'network'` when it came from elsewhere. */
  answeredBy: 'service worker' | 'network' | 'failed' | 'pending';
  /** Set when the service worker itself made the request. */
  madeByServiceWorker: boolean;
  failure?: string;
}

/** Records every request of `context` from now on. */
function recordRequests(context: BrowserContext): RecordedRequest[] {
  const recorded: RecordedRequest[] = [];
  const byRequest = new Map<object, RecordedRequest>();
  context.on('request', (request) => {
    const entry: RecordedRequest = { url: request.url(), answeredBy: 'pending', madeByServiceWorker: request.serviceWorker() !== null };
    byRequest.set(request, entry);
    recorded.push(entry);
  });
  context.on('requestfinished', async (request) => {
    const entry = byRequest.get(request);
    const response = await request.response();
    if (entry !== undefined) entry.answeredBy = response?.fromServiceWorker() === true ? 'service worker' : 'network';
  });
  context.on('requestfailed', (request) => {
    const entry = byRequest.get(request);
    if (entry === undefined) return;
    entry.answeredBy = 'failed';
    entry.failure = request.failure()?.errorText;
  });
  return recorded;
}

/** Opens the kiosk on the WASM provider and waits until its runtime is ready. */
async function openKiosk(page: Page, navigate: () => Promise<unknown>): Promise<void> {
  await navigate();
  await page.waitForFunction(() => ['ready', 'failed'].includes(window.sneakpeekKiosk?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 500,
  });
  const published = await page.evaluate(() => ({ state: window.sneakpeekKiosk?.state, error: window.sneakpeekKiosk?.error }));
  expect(published.error, 'kiosk start-up error').toBeUndefined();
  expect(published.state).toBe('ready');
}

/**
 * Submits the first `count` test records of every application through the kiosk's runtime, with
 * a deadline no batch misses, and returns the outcome counts per application and the stats.
 */
async function serveTestRecords(page: Page, count: number): Promise<{ outcomes: Record<string, Record<string, number>>; stats: RuntimeStats }> {
  return page.evaluate(async (count) => {
    const runtime = window.sneakpeekKiosk!.runtime!;
    const manifestUrl = runtime.ready.manifestUrl;
    const manifest = (await (await fetch(manifestUrl)).json()) as {
      applications: { id: string; testSet?: { inputsFile: string; recordBytes: number; count: number } }[];
    };

    const outcomes: Record<string, Record<string, number>> = {};
    for (const application of runtime.ready.applications) {
      const testSet = manifest.applications.find((candidate) => candidate.id === application.id)?.testSet;
      if (testSet === undefined) throw new Error(`The manifest has no test set for "${application.id}".`);
      const inputs = await (await fetch(new URL(testSet.inputsFile, manifestUrl))).arrayBuffer();
      const elements = application.inputShape.reduce((product, size) => product * size, 1);
      const floats = testSet.recordBytes === 4 * elements;

      const submitted = Array.from({ length: count }, (_, index) => {
        const record = inputs.slice(index * testSet.recordBytes, (index + 1) * testSet.recordBytes);
        return runtime.submit({ application: application.id, input: floats ? new Float32Array(record) : new Uint8Array(record), deadlineMs: 60_000 });
      });
      const counts: Record<string, number> = {};
      for (const outcome of await Promise.all(submitted)) counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
      outcomes[application.id] = counts;
    }
    return { outcomes, stats: await runtime.stats() };
  }, count);
}

test('app starts and serves requests offline', async ({ context, page }) => {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));

  // Online: start the runtime and serve requests, which stores every model in IndexedDB, while
  // the service worker installs, precaches and takes control of the page.
  await openKiosk(page, () => page.goto('./?provider=wasm'));
  const online = await serveTestRecords(page, RECORDS_PER_APPLICATION);
  const applications = Object.keys(online.outcomes);
  expect(applications.sort()).toEqual(['product', 'spam', 'weather']);
  for (const application of applications) {
    expect(online.outcomes[application], `online outcomes of ${application}`).toEqual({ completed: RECORDS_PER_APPLICATION });
  }
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 2 * 60 * 1000, polling: 500 });

  // Offline: the browser has no network, and any request that still reaches it is aborted.
  await context.setOffline(true);
  await context.route('**/*', (route) => route.abort('internetdisconnected'));
  const requests = recordRequests(context);

  await openKiosk(page, () => page.reload());
  const offline = await serveTestRecords(page, RECORDS_PER_APPLICATION);
  for (const application of applications) {
    expect(offline.outcomes[application], `offline outcomes of ${application}`).toEqual({ completed: RECORDS_PER_APPLICATION });
  }

  // Responses from the precache keep the headers that make the page cross-origin isolated.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // The replay page, never visited online, starts from the precache too.
  await page.goto('./replay.html?autorun&workload=light&requests=50&provider=wasm');
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekReplay?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 500,
  });
  const replay = await page.evaluate(() => window.sneakpeekReplay!);
  expect(replay.error, 'offline replay error').toBeUndefined();
  expect(replay.stats?.completed, 'offline replay requests completed').toBe(50);
  expect(replay.stats?.modelLoads.filter((load) => load.source !== 'indexeddb'), 'replay models not loaded from IndexedDB').toEqual([]);

  // Every model came from IndexedDB, and every request from the precache.
  await expect.poll(() => requests.filter((request) => request.answeredBy === 'pending').map((request) => request.url), 'requests still open').toEqual([]);
  expect(offline.stats.modelLoads.length).toBeGreaterThan(0);
  expect(offline.stats.modelLoads.filter((load) => load.source !== 'indexeddb'), 'models not loaded from IndexedDB').toEqual([]);
  const urls = requests.map((request) => new URL(request.url).pathname);
  expect(urls, 'the reload was recorded').toContain('/');
  expect(urls, 'the replay page was recorded').toContain('/replay.html');
  expect(urls.some((url) => url.endsWith('.wasm')), 'an onnxruntime-web .wasm file was recorded').toBe(true);
  expect(requests.filter((request) => request.madeByServiceWorker), 'requests the service worker sent to the network').toEqual([]);
  expect(requests.filter((request) => request.answeredBy !== 'service worker'), 'requests the service worker did not serve').toEqual([]);
});
