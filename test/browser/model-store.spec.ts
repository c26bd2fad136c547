/** The model store downloads each model once and serves later page loads from IndexedDB. */
import { expect, test } from '@playwright/test';
import { freshStoreName, openApp } from './helpers.js';

test('second page load is served from IndexedDB', async ({ page }) => {
  const storeName = freshStoreName('reload');
  const onnxRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.onnx')) onnxRequests.push(request.url());
  });
  const startRuntime = (name: string) =>
    page.evaluate(async (store) => {
      const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName: store, profileRuns: 1 });
      const stats = await runtime.stats();
      await runtime.dispose();
      return stats.modelLoads;
    }, name);

  await openApp(page);
  const first = await startRuntime(storeName);
  const requestsAfterFirst = onnxRequests.length;
  await page.reload();
  await page.waitForFunction(() => window.sneakpeek !== undefined);
  const second = await startRuntime(storeName);

  expect(first.length).toBeGreaterThanOrEqual(4);
  expect(first.every((load) => load.source === 'network'), JSON.stringify(first)).toBe(true);
  expect(second.map((load) => load.modelId).sort()).toEqual(first.map((load) => load.modelId).sort());
  expect(second.every((load) => load.source === 'indexeddb'), JSON.stringify(second)).toBe(true);
  // Worker requests reach Playwright in Chromium; if none were seen, the stats above still decide.
  expect(onnxRequests.length).toBe(requestsAfterFirst);
});
