/**
 * Load beyond what the runtime holds: submissions past `maxQueuedRequests` are rejected with a
 * `QueueFullError` while accepted work completes, and a burst of 500 concurrent submissions
 * reaches onnxruntime-web one run at a time, with no "Session already started" error.
 */
import { expect, test } from '@playwright/test';
import { freshStoreName, openApp } from './helpers.js';
import { expectExactlyOneOutcome, installLedger, tally } from './ledger.js';

test('queue bound rejects only the excess', async ({ page }) => {
  await openApp(page);
  await installLedger(page);
  const result = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const record = (index: number) => inputs.subarray(index * 784, (index + 1) * 784);
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, variants: ['product-mlp'], profileRuns: 1, maxQueuedRequests: 50 });

    // 80 submissions in one task reach the scheduler together, before any outcome frees a place.
    const burst = window.createLedger!(runtime);
    const typed: boolean[] = [];
    for (let index = 0; index < 80; index++) {
      void burst.submit({ application: 'product', input: record(index), deadlineMs: 600_000 }).then((result) => {
        if (result instanceof Error) typed.push(result instanceof window.sneakpeek.QueueFullError);
      });
    }
    const first = await burst.settle();

    // Once those settled, the bound has room again.
    const later = window.createLedger!(runtime);
    for (let index = 0; index < 10; index++) later.submit({ application: 'product', input: record(200 + index), deadlineMs: 600_000 });
    const second = await later.settle();
    await runtime.dispose();
    return { first, second, typed };
  }, freshStoreName('bound'));

  const { first, second } = result;
  expectExactlyOneOutcome(first);
  expect(first.accepted).toHaveLength(50);
  expect(first.rejected).toHaveLength(30);
  expect(first.accepted.map((id) => Number(id.split('-')[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  for (const rejection of first.rejected) {
    expect(rejection.name).toBe('QueueFullError');
    expect(rejection.message).toContain(`Request "${rejection.id}" was not accepted: 50 requests are open, the maxQueuedRequests bound of 50.`);
    expect(rejection.message).toContain('or create the runtime with a larger maxQueuedRequests');
  }
  expect(result.typed).toEqual(Array(30).fill(true));
  expect(tally(first.results)).toEqual({ 'completed on wasm': 50 });
  expect(first.final.rejected.queueFull).toBe(30);
  expect(first.final.maxQueuedRequests).toBe(50);

  expect(second.rejected).toEqual([]);
  expect(tally(second.results)).toEqual({ 'completed on wasm': 10 });
  expect(second.final.accepted).toBe(60);
  expect(second.final.rejected.queueFull).toBe(30);
});

for (const provider of ['webgpu', 'wasm'] as const) {
  test(`burst of 500 runs serialised on ${provider}`, async ({ page }) => {
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
    await openApp(page);
    await installLedger(page);

    const report = await page.evaluate(
      async ({ storeName, provider }) => {
        const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
        const runtime = await window.sneakpeek.createRuntime({ provider, storeName, variants: ['product-mlp', 'product-cnn-small'], profileRuns: 1 });
        const ledger = window.createLedger!(runtime);
        for (let index = 0; index < 500; index++) {
          ledger.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 });
        }
        const settled = await ledger.settle();
        await runtime.dispose();
        return settled;
      },
      { storeName: freshStoreName(`burst-${provider}`), provider },
    );

    expectExactlyOneOutcome(report);
    expect(report.accepted).toHaveLength(500);
    expect(tally(report.results)).toEqual({ [`completed on ${provider}`]: 500 });
    expect(report.final.batches, 'batches for 500 requests of at most 32').toBeGreaterThanOrEqual(16);
    const clashes = messages.filter((message) => /already started|session mismatch/i.test(message));
    expect(clashes).toEqual([]);
    const errors = messages.filter((message) => message.startsWith('error:') || message.startsWith('pageerror:'));
    expect(errors).toEqual([]);
  });
}
