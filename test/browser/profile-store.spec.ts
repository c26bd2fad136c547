/**
 * Profiles measured at start are stored in IndexedDB: a later start on the same device, browser
 * and onnxruntime-web version reads them instead of measuring, a changed key measures again, and
 * online refinements are written back.
 */
import { expect, test, type Page } from '@playwright/test';
import type { RuntimeOptions } from '../../src/client/options.js';
import type { StoredProfile } from '../../src/core/stored-profile.js';
import type { MeasuredProfile, SneakPeekProfile } from '../../src/protocol/messages.js';
import { freshStoreName, openApp } from './helpers.js';

interface StartSummary {
  provider: string;
  profiles: MeasuredProfile[];
  sneakpeekProfiles: SneakPeekProfile[];
  /** Progress messages of stage 'profile' that announced a measurement. */
  measuringMessages: string[];
}

/** Starts a runtime with the options, records its profiles and progress, and disposes it. */
function startOnce(page: Page, options: RuntimeOptions): Promise<StartSummary> {
  return page.evaluate(async (options) => {
    const measuringMessages: string[] = [];
    const runtime = await window.sneakpeek.createRuntime(options, (progress) => {
      if (progress.stage === 'profile' && progress.message.startsWith('measuring')) measuringMessages.push(progress.message);
    });
    const { provider, profiles, sneakpeekProfiles } = runtime.ready;
    await runtime.dispose();
    return { provider, profiles, sneakpeekProfiles, measuringMessages };
  }, options);
}

/** Reads every record of the profile database straight from IndexedDB. */
function storedRecords(page: Page, storeName: string): Promise<StoredProfile[]> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      return await new Promise<StoredProfile[]>((resolve, reject) => {
        const request = db.transaction('profiles').objectStore('profiles').getAll();
        request.onsuccess = () => resolve(request.result as StoredProfile[]);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  }, `${storeName}-profiles`);
}

const sources = (profiles: readonly { source: string }[]) => [...new Set(profiles.map((profile) => profile.source))];

test('second start reads every profile instead of measuring', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('profiles-second-start');
  const options: RuntimeOptions = { provider: 'wasm', storeName, profileRuns: 1 };

  const first = await startOnce(page, options);
  const records = await storedRecords(page, storeName);
  await page.reload();
  await page.waitForFunction(() => window.sneakpeek !== undefined);
  const second = await startOnce(page, options);

  expect(first.profiles.length).toBeGreaterThanOrEqual(3);
  expect(sources(first.profiles)).toEqual(['measured']);
  expect(sources(first.sneakpeekProfiles)).toEqual(['measured']);
  expect(first.measuringMessages).toHaveLength(first.profiles.length + first.sneakpeekProfiles.length);
  expect(records).toHaveLength(first.profiles.length + first.sneakpeekProfiles.length);

  expect(sources(second.profiles)).toEqual(['stored']);
  expect(sources(second.sneakpeekProfiles)).toEqual(['stored']);
  expect(second.measuringMessages).toEqual([]);
  for (const profile of second.profiles) {
    const measured = first.profiles.find((candidate) => candidate.variantId === profile.variantId)!;
    expect(profile.latency, profile.variantId).toEqual(measured.latency);
    expect(profile.loadMs, profile.variantId).toBe(measured.loadMs);
    expect(profile.samples, profile.variantId).toEqual(measured.samples);
    expect(profile.measuredAt, profile.variantId).toBe(measured.measuredAt);
  }
});

test('profile "always" and more runs measure again', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('profiles-always');
  const options: RuntimeOptions = { provider: 'wasm', storeName, profileRuns: 1, variants: ['product-mlp', 'product-cnn-small'] };

  const first = await startOnce(page, options);
  const always = await startOnce(page, { ...options, profile: 'always' });
  const moreRuns = await startOnce(page, { ...options, profileRuns: 2 });
  const after = await startOnce(page, options);

  expect(sources(always.profiles)).toEqual(['measured']);
  expect(sources(always.sneakpeekProfiles)).toEqual(['measured']);
  expect(Math.min(...always.profiles.map((profile) => profile.measuredAt))).toBeGreaterThan(Math.max(...first.profiles.map((profile) => profile.measuredAt)));
  expect(sources(moreRuns.profiles)).toEqual(['measured']);
  expect(moreRuns.profiles.map((profile) => profile.runs)).toEqual([2, 2]);
  // The records with two runs cover a request for one.
  expect(sources(after.profiles)).toEqual(['stored']);
  expect(after.profiles.map((profile) => profile.runs)).toEqual([2, 2]);
});

test('a WebGPU start measures what a WASM start stored', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('profiles-provider');
  const options: RuntimeOptions = { storeName, profileRuns: 1, variants: ['product-mlp'] };

  const wasm = await startOnce(page, { ...options, provider: 'wasm' });
  const webgpu = await startOnce(page, { ...options, provider: 'webgpu' });
  const webgpuAgain = await startOnce(page, { ...options, provider: 'webgpu' });
  const records = await storedRecords(page, storeName);

  expect(webgpu.provider).toBe('webgpu');
  expect(sources(wasm.profiles)).toEqual(['measured']);
  expect(sources(webgpu.profiles)).toEqual(['measured']);
  expect(webgpu.profiles[0]!.environment).toMatch(/^webgpu \| .*fallback adapter/);
  expect(wasm.profiles[0]!.environment).toMatch(/^wasm \| CPU with/);
  // SneakPeek models run on WASM in the scheduler worker whatever the variants' provider.
  expect(sources(webgpu.sneakpeekProfiles)).toEqual(['stored']);
  expect(sources(webgpuAgain.profiles)).toEqual(['stored']);
  expect(records.filter((record) => record.role === 'variant').map((record) => record.environment.provider).sort()).toEqual(['wasm', 'webgpu']);
});

test('refined figures are written back at dispose', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('profiles-refined');
  const options: RuntimeOptions = { provider: 'wasm', storeName, profileRuns: 1, variants: ['product-mlp'] };

  const served = await page.evaluate(async (options) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime(options);
    // Bursts of different sizes, so batches of several sizes are observed.
    let next = 0;
    for (const burst of [1, 3, 8, 2, 5]) {
      await Promise.all(
        Array.from({ length: burst }, () => {
          const index = next++;
          return runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 });
        }),
      );
    }
    const stats = await runtime.stats();
    await runtime.dispose();
    return { measured: runtime.ready.profiles[0]!, batches: stats.batches, completed: stats.completed, swaps: stats.swaps };
  }, options);
  const [record] = await storedRecords(page, storeName).then((records) => records.filter((candidate) => candidate.role === 'variant'));
  const next = await startOnce(page, options);

  expect(served.completed).toBe(19);
  expect(served.swaps).toBe(0);
  expect(record!.latency.reduce((sum, point) => sum + point.observations, 0)).toBe(served.batches);
  expect(next.profiles[0]!.source).toBe('stored');
  expect(next.profiles[0]!.refinements).toBe(served.batches);
  expect(next.profiles[0]!.latency).toEqual(record!.latency.map((point) => ({ batchSize: point.batchSize, ms: point.ms })));
  expect(next.profiles[0]!.latency).not.toEqual(served.measured.latency);
  // The measured samples stay as measured; only the planning figures move.
  expect(next.profiles[0]!.samples).toEqual(served.measured.samples);
});

test('reprofile measures again while requests wait', async ({ page }) => {
  await openApp(page);
  const storeName = freshStoreName('profiles-reprofile');
  const options: RuntimeOptions = { provider: 'wasm', storeName, profileRuns: 1, variants: ['product-mlp', 'product-cnn-small'] };

  const result = await page.evaluate(async (options) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime(options);
    const residentBefore = (await runtime.stats()).resident.sort();
    const progress: string[] = [];
    runtime.addEventListener('progress', (event) => progress.push(event.progress.stage));

    const submit = (index: number) =>
      runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 });
    const before = Array.from({ length: 10 }, (_, index) => submit(index));
    const reprofiles = [runtime.reprofile(), runtime.reprofile()];
    const during = Array.from({ length: 10 }, (_, index) => submit(10 + index));
    const [report, shared] = await Promise.all(reprofiles);
    const outcomes = await Promise.all([...before, ...during]);
    const stats = await runtime.stats();
    await runtime.dispose();
    const afterDispose = await runtime.reprofile().then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    return {
      ready: runtime.ready,
      report: report!,
      sameReport: report === shared || JSON.stringify(report) === JSON.stringify(shared),
      statuses: outcomes.map((outcome) => outcome.status),
      stats,
      residentBefore,
      residentAfter: stats.resident.sort(),
      profileEvents: progress.filter((stage) => stage === 'profile').length,
      afterDispose,
    };
  }, options);
  const next = await startOnce(page, options);

  expect(sources(result.report.profiles)).toEqual(['measured']);
  expect(sources(result.report.sneakpeekProfiles)).toEqual(['measured']);
  expect(result.sameReport).toBe(true);
  expect(Math.min(...result.report.profiles.map((profile) => profile.measuredAt))).toBeGreaterThan(
    Math.max(...result.ready.profiles.map((profile) => profile.measuredAt)),
  );
  expect(result.profileEvents).toBeGreaterThan(0);
  expect(result.statuses).toEqual(Array(20).fill('completed'));
  expect(result.stats.accepted).toBe(20);
  expect(result.residentAfter).toEqual(result.residentBefore);
  expect(result.afterDispose).toContain('disposed');
  expect(sources(next.profiles)).toEqual(['stored']);
  expect(next.profiles.map((profile) => profile.measuredAt)).toEqual(result.report.profiles.map((profile) => profile.measuredAt));
});
