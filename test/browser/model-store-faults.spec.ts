/**
 * The model store under storage faults, provoked for real: a storage quota too small for the
 * models (set through the DevTools protocol), bytes corrupted inside IndexedDB, and a manifest that
 * changes a model's hash. The runtime still serves every accepted request, and reports what happened.
 */
import { expect, test, type Page } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';
import { expectExactlyOneOutcome, installLedger, tally, type LedgerReport } from './ledger.js';

interface StoredEntry {
  sha256: string;
  modelId: string;
}

/** Starts a runtime serving `variantId`, serves 16 requests through a ledger, and disposes it. */
async function serve(page: Page, storeName: string, variantId: string, manifest?: Manifest): Promise<LedgerReport> {
  await installLedger(page);
  return page.evaluate(
    async ({ storeName, variantId, manifest }) => {
      const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const runtime = await window.sneakpeek.createRuntime({
        provider: 'wasm',
        storeName,
        variants: [variantId],
        profileRuns: 1,
        ...(manifest === undefined ? {} : { manifest }),
      });
      const ledger = window.createLedger!(runtime);
      for (let index = 0; index < 16; index++) {
        ledger.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 });
      }
      const report = await ledger.settle();
      await runtime.dispose();
      return report;
    },
    { storeName, variantId, manifest },
  );
}

/** Returns the model store's entries, read from the page. */
async function storedEntries(page: Page, storeName: string): Promise<StoredEntry[]> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const entries = await new Promise<{ sha256: string; modelId: string }[]>((resolve, reject) => {
      const request = db.transaction('models').objectStore('models').getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return entries.map((entry) => ({ sha256: entry.sha256, modelId: entry.modelId }));
  }, storeName);
}

test('storage quota too small still serves', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('quota');
  const cdp = await page.context().newCDPSession(page);
  // Room for the database itself and the 2.8 kB SneakPeek model, not for the 54 kB variant.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 20_000 });

  const report = await serve(page, storeName, 'product-mlp');
  const entries = await storedEntries(page, storeName);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });

  expectExactlyOneOutcome(report);
  expect(tally(report.results)).toEqual({ 'completed on wasm': 16 });
  const loads = Object.fromEntries(report.final.modelLoads.map((load) => [load.modelId, load.source]));
  expect(loads['product-mlp']).toBe('network');
  const warning = report.final.warnings.find((candidate) => candidate.modelId === 'product-mlp');
  expect(warning?.code).toBe('model-store-write-failed');
  expect(warning?.message).toContain('QuotaExceededError');
  expect(warning?.message).toContain('storage quota');
  expect(warning?.message).toContain('using the downloaded bytes');
  expect(entries.map((entry) => entry.modelId)).not.toContain('product-mlp');
});

test('corrupted stored model is fetched again', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('corrupt');
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const sha256 = manifest.applications[0]!.variants.find((variant) => variant.id === 'product-mlp')!.sha256;

  const first = await serve(page, storeName, 'product-mlp');
  expect(first.final.modelLoads.every((load) => load.source === 'network')).toBe(true);

  // Flip one byte of the stored model, keeping its key, as a disk error would.
  await page.evaluate(
    async ({ name, key }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const store = db.transaction('models', 'readwrite').objectStore('models');
      await new Promise<void>((resolve, reject) => {
        const read = store.get(key);
        read.onsuccess = () => {
          const entry = read.result as { bytes: ArrayBuffer };
          const bytes = new Uint8Array(entry.bytes.slice(0));
          bytes[100] = bytes[100]! ^ 0xff;
          const write = store.put({ ...entry, bytes: bytes.buffer });
          write.onsuccess = () => resolve();
          write.onerror = () => reject(write.error);
        };
        read.onerror = () => reject(read.error);
      });
      db.close();
    },
    { name: storeName, key: sha256 },
  );
  await page.reload();
  await page.waitForFunction(() => window.sneakpeek !== undefined);

  const second = await serve(page, storeName, 'product-mlp');
  const storedHash = await page.evaluate(
    async ({ name, key }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const entry = await new Promise<{ bytes: ArrayBuffer }>((resolve, reject) => {
        const request = db.transaction('models').objectStore('models').get(key);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      db.close();
      const digest = await crypto.subtle.digest('SHA-256', entry.bytes);
      return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    },
    { name: storeName, key: sha256 },
  );

  expectExactlyOneOutcome(second);
  expect(tally(second.results)).toEqual({ 'completed on wasm': 16 });
  const loads = Object.fromEntries(second.final.modelLoads.map((load) => [load.modelId, load.source]));
  expect(loads).toEqual({ 'product-sneakpeek': 'indexeddb', 'product-mlp': 'network' });
  const warning = second.final.warnings.find((candidate) => candidate.code === 'stored-model-corrupt');
  expect(warning?.modelId).toBe('product-mlp');
  expect(warning?.message).toContain(`not ${sha256}`);
  expect(storedHash, 'hash of the bytes stored after the download').toBe(sha256);
});

test('changed manifest replaces the stale entry', async ({ page, context }) => {
  await openApp(page);
  const storeName = freshStoreName('manifest');
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const variants = manifest.applications[0]!.variants;
  const original = variants.find((variant) => variant.id === 'product-mlp')!;
  const replacement = variants.find((variant) => variant.id === 'product-cnn-small')!;

  await serve(page, storeName, 'product-mlp');
  const before = await storedEntries(page, storeName);
  expect(before.filter((entry) => entry.modelId === 'product-mlp').map((entry) => entry.sha256)).toEqual([original.sha256]);

  // A new release of "product-mlp" under a new URL: other bytes, other hash, same id.
  const modelBytes = await page.evaluate(
    async (file) => Array.from(new Uint8Array(await (await fetch(new URL(`models/${file}`, document.baseURI))).arrayBuffer())),
    replacement.file,
  );
  const served: string[] = [];
  await context.route('**/models/product/product-mlp-v2.onnx', async (route) => {
    served.push(route.request().url());
    await route.fulfill({
      status: 200,
      contentType: 'application/octet-stream',
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin' },
      body: Buffer.from(modelBytes),
    });
  });
  const released = structuredClone(manifest);
  const entry = released.applications[0]!.variants.find((variant) => variant.id === 'product-mlp')!;
  Object.assign(entry, { file: 'product/product-mlp-v2.onnx', sha256: replacement.sha256, bytes: replacement.bytes });

  const report = await serve(page, storeName, 'product-mlp', released);
  const after = await storedEntries(page, storeName);

  expectExactlyOneOutcome(report);
  expect(tally(report.results)).toEqual({ 'completed on wasm': 16 });
  expect(served.length, 'requests for the new model file').toBeGreaterThan(0);
  const loads = Object.fromEntries(report.final.modelLoads.map((load) => [load.modelId, load.source]));
  expect(loads).toEqual({ 'product-sneakpeek': 'indexeddb', 'product-mlp': 'network' });
  const mlpEntries = after.filter((candidate) => candidate.modelId === 'product-mlp').map((candidate) => candidate.sha256);
  expect(mlpEntries, 'stored hashes of product-mlp').toEqual([replacement.sha256]);
  expect(after.map((candidate) => candidate.sha256)).not.toContain(original.sha256);
});

test('unopenable model store still serves', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('newer');
  // A database of a newer version under the same name, as a later release could leave: version 1
  // can no longer be opened.
  await page.evaluate(async (name) => {
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 5);
      request.onupgradeneeded = () => request.result.createObjectStore('other');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
  }, storeName);

  const report = await serve(page, storeName, 'product-mlp');

  expectExactlyOneOutcome(report);
  expect(tally(report.results)).toEqual({ 'completed on wasm': 16 });
  expect(report.final.modelLoads.map((load) => load.source)).toEqual(['network', 'network']);
  const warning = report.final.warnings.find((candidate) => candidate.code === 'model-store-unavailable');
  expect(warning?.message).toContain(`could not open the model store "${storeName}"`);
  expect(warning?.message).toContain('VersionError');
});
