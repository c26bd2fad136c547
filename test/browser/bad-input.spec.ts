/**
 * Bad input gets an error that names the value and the fix, and the requests around it are
 * served as if it had never happened.
 */
import { expect, test } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';

test('bad requests are rejected and good ones still complete', async ({ page }) => {
  await openApp(page);
  const result = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const record = (index: number) => inputs.subarray(index * 784, (index + 1) * 784);
    const { createRuntime, runtimeClock } = window.sneakpeek;
    const runtime = await createRuntime({ provider: 'wasm', storeName, profileRuns: 1 });

    const nan = Float32Array.from(record(1), (value) => value / 255);
    nan[3] = Number.NaN;
    const attempts = {
      wrongShape: runtime.submit({ application: 'product', input: new Float32Array(100) }),
      nan: runtime.submit({ application: 'product', input: nan }),
      unknownApplication: runtime.submit({ application: 'traffic', input: record(2) }),
      pastDeadline: runtime.submit({ application: 'product', input: record(3), deadline: runtimeClock() - 10 }),
      zeroDeadline: runtime.submit({ application: 'product', input: record(4), deadlineMs: 0 }),
    };
    const good = Array.from({ length: 8 }, (_, index) => runtime.submit({ application: 'product', input: record(10 + index), deadlineMs: 600_000 }));

    const errors: Record<string, string> = {};
    for (const [name, attempt] of Object.entries(attempts)) {
      errors[name] = await attempt.then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    }
    const outcomes = await Promise.all(good);
    const stats = await runtime.stats();
    await runtime.dispose();
    return { errors, statuses: outcomes.map((outcome) => outcome.status), stats };
  }, freshStoreName('bad-input'));

  expect(result.errors.wrongShape).toContain('RangeError: Input for application "product" has 100 values; expected 784');
  expect(result.errors.nan).toContain('contains NaN at index 3');
  expect(result.errors.unknownApplication).toContain('Unknown application "traffic"; this runtime serves "product"');
  expect(result.errors.pastDeadline).toMatch(/Deadline [\d.]+ is already past .*pass deadlineMs > 0/);
  expect(result.errors.zeroDeadline).toContain('deadlineMs 0 is not positive');
  expect(result.statuses).toEqual(Array(8).fill('completed'));
  expect(result.stats.accepted).toBe(8);
  expect(result.stats.completed).toBe(8);
});

test('a model whose hash does not match is not served', async ({ page }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const application = manifest.applications[0]!;
  const tampered = application.variants[0]!;
  const wrongHash = '0'.repeat(64);
  tampered.sha256 = wrongHash;

  const result = await page.evaluate(
    async ({ manifest, storeName }) => {
      const runtime = await window.sneakpeek.createRuntime({ manifest, provider: 'wasm', storeName, profileRuns: 1 });
      const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const outcome = await runtime.submit({ application: 'product', input: inputs.subarray(0, 784), deadlineMs: 600_000 });
      const stats = await runtime.stats();
      await runtime.dispose();
      return { problems: stats.modelProblems, outcome, served: runtime.ready.applications[0]!.variants };
    },
    { manifest, storeName: freshStoreName('hash') },
  );

  const problem = result.problems.find((candidate) => candidate.modelId === tampered.id);
  expect(problem?.message).toContain(`Model "${tampered.id}"`);
  expect(problem?.message).toContain(`the manifest expects ${wrongHash}`);
  expect(problem?.message).toContain('npm run train');
  expect(result.served).not.toContain(tampered.id);
  expect(result.outcome.status).toBe('completed');
});

test('a model URL returning HTML is reported', async ({ page }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const application = manifest.applications[0]!;
  const moved = application.variants[0]!;
  // Vite's preview server answers unknown paths with index.html, as single-page-app servers do.
  moved.file = 'product/no-such-model.onnx';

  const result = await page.evaluate(
    async ({ manifest, storeName }) => {
      const runtime = await window.sneakpeek.createRuntime({ manifest, provider: 'wasm', storeName, profileRuns: 1 });
      const stats = await runtime.stats();
      await runtime.dispose();
      return stats.modelProblems;
    },
    { manifest, storeName: freshStoreName('html') },
  );

  const problem = result.find((candidate) => candidate.modelId === moved.id);
  expect(problem?.message).toContain('no-such-model.onnx');
  expect(problem?.message).toMatch(/HTML page/);
  expect(problem?.message).toContain('path in the manifest');
});

test('an invalid manifest is rejected naming the field', async ({ page }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  (manifest.applications[0]!.variants[0] as { maxBatch: unknown }).maxBatch = 0;

  const message = await page.evaluate(
    async ({ manifest, storeName }) =>
      window.sneakpeek.createRuntime({ manifest, provider: 'wasm', storeName }).then(
        () => 'accepted',
        (error: Error) => error.message,
      ),
    { manifest, storeName: freshStoreName('manifest') },
  );
  expect(message).toContain('applications[0].variants[0].maxBatch must be a positive integer, got 0');
});

test('a budget smaller than every variant is rejected', async ({ page }) => {
  await openApp(page);
  const message = await page.evaluate(
    async (storeName) =>
      window.sneakpeek.createRuntime({ provider: 'wasm', storeName, memoryBudgetBytes: 1000 }).then(
        () => 'accepted',
        (error: Error) => error.message,
      ),
    freshStoreName('budget'),
  );
  expect(message).toContain('No application can be served');
  expect(message).toMatch(/variant "product-mlp" needs an estimated \d+ bytes, more than the memory budget of 1000; raise memoryBudgetBytes/);
});

test('dispose settles every caller once', async ({ page }) => {
  await openApp(page);
  const result = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, profileRuns: 1 });
    const queued = Array.from({ length: 20 }, (_, index) =>
      runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 }),
    );
    // Let the scheduler accept them, so dispose() finds them open.
    while ((await runtime.stats()).accepted < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    const first = runtime.dispose();
    const second = runtime.dispose();
    const during = runtime.submit({ application: 'product', input: inputs.subarray(0, 784) }).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    await Promise.all([first, second]);
    const outcomes = await Promise.all(queued);
    const stats = await runtime.stats().then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    return { sameDisposal: first === second, during: await during, statuses: outcomes.map((outcome) => outcome.status), stats };
  }, freshStoreName('dispose'));

  expect(result.sameDisposal).toBe(true);
  expect(result.during).toContain('This runtime is disposed');
  expect(result.statuses).toHaveLength(20);
  expect(result.statuses.every((status) => status === 'completed' || status === 'dropped')).toBe(true);
  expect(result.stats).toContain('read stats() before dispose()');
});

test('generated ids skip ids callers use', async ({ page }) => {
  await openApp(page);
  const statuses = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, profileRuns: 1 });
    const record = (index: number) => inputs.subarray(index * 784, (index + 1) * 784);
    const named = Array.from({ length: 10 }, (_, index) => runtime.submit({ application: 'product', input: record(index), id: `r${index + 1}`, deadlineMs: 600_000 }));
    const unnamed = Array.from({ length: 10 }, (_, index) => runtime.submit({ application: 'product', input: record(index), deadlineMs: 600_000 }));
    const outcomes = await Promise.all([...named, ...unnamed]);
    await runtime.dispose();
    return outcomes.map((outcome) => outcome.status);
  }, freshStoreName('ids'));
  expect(statuses).toEqual(Array(20).fill('completed'));
});

test('mistyped request fields are rejected', async ({ page }) => {
  await openApp(page);
  const errors = await page.evaluate(async (storeName) => {
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, profileRuns: 1 });
    const input = new Float32Array(784);
    const attempt = (init: unknown) =>
      runtime.submit(init as Parameters<typeof runtime.submit>[0]).then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    const result = {
      nullRequest: await attempt(null),
      stringEntry: await attempt({ application: 'product', input: ['0.5', ...Array(783).fill(0)] }),
      stringDeadline: await attempt({ application: 'product', input, deadlineMs: '100' }),
      stringWeight: await attempt({ application: 'product', input, weight: '2' }),
      pageClockDeadline: await attempt({ application: 'product', input, deadline: performance.now() + 1000 }),
    };
    await runtime.dispose();
    return result;
  }, freshStoreName('types'));

  expect(errors.nullRequest).toContain('TypeError: submit() takes a request object');
  expect(errors.stringEntry).toContain('TypeError: Input for application "product" has "0.5" at index 0');
  expect(errors.stringDeadline).toContain('TypeError: deadlineMs "100" is not a number');
  expect(errors.stringWeight).toContain('TypeError: Request weight "2" is not a number');
  expect(errors.pageClockDeadline).toContain('build them from runtimeClock(), not performance.now()');
});
