/**
 * The replay page end to end: real test images through both workers, one outcome per request,
 * and under light load with generous deadlines the most accurate variant serves everything.
 */
import { expect, test } from '@playwright/test';
import type { PublishedReplay } from '../../src/ui/replay-app.js';

async function replay(page: import('@playwright/test').Page, query: string): Promise<PublishedReplay> {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  await page.goto(`./replay.html?autorun&${query}`);
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekReplay?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 1000,
  });
  return (await page.evaluate(() => window.sneakpeekReplay))!;
}

test('light load is served by the most accurate variant', async ({ page }) => {
  const published = await replay(page, 'workload=light&requests=300&provider=wasm');
  expect(published.error).toBeUndefined();
  const report = published.report!;
  const stats = published.stats!;

  expect(report.summary.requests).toBe(300);
  expect(stats.accepted).toBe(300);
  expect(stats.completed).toBe(300);
  expect(report.summary.servedByVariant).toEqual({ [report.bestVariant]: 300 });
  // Same images, same model: the answers may differ from PyTorch's only on near ties.
  expect(Math.abs(report.summary.servedAccuracy - report.recordedBestAccuracy)).toBeLessThanOrEqual(0.005);
  expect(report.summary.deadlineSatisfaction).toBe(1);
});

test('every accepted request ends in exactly one outcome', async ({ page }) => {
  const published = await replay(page, 'workload=default&requests=400&provider=wasm');
  expect(published.error).toBeUndefined();
  const stats = published.stats!;
  const summary = published.report!.summary;
  const dropped = Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);

  expect(stats.accepted).toBe(400);
  expect(stats.completed + dropped).toBe(400);
  expect(published.report!.outcomeEvents).toBe(400);
  expect(summary.completed).toBe(stats.completed);
  expect(summary.dropped).toBe(dropped);
  expect(stats.queued).toBe(0);
  expect(stats.inFlight).toBe(0);
  expect(stats.residentBytes).toBeLessThanOrEqual(stats.memoryBudgetBytes);
});

test('an invalid query parameter is shown, not a blank page', async ({ page }) => {
  await page.goto('./replay.html?autorun&workload=nope');
  await page.waitForFunction(() => window.sneakpeekReplay?.state === 'failed');
  const published = await page.evaluate(() => window.sneakpeekReplay);

  expect(published?.error).toContain('Query parameter workload="nope" is unknown; use "default" or "light".');
  await expect(page.getByRole('alert')).toContainText('workload="nope" is unknown');
  await expect(page.getByRole('button', { name: 'Start replay' })).toBeEnabled();
});
