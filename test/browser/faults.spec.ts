/**
 * Faults provoked for real in a running runtime: a destroyed WebGPU device, an inference worker
 * terminated mid-batch or crashing with an uncaught error. Each test checks what the runtime did
 * (fallback, restart, requeue, drop), the counts in its stats, and that every accepted request got
 * exactly one outcome while the stats invariant held at every read.
 */
import { expect, test } from '@playwright/test';
import type { FaultReport } from '../../src/index.js';
import { freshStoreName, openApp } from './helpers.js';
import { expectExactlyOneOutcome, installLedger, tally, type LedgerReport } from './ledger.js';

const VARIANTS = ['product-mlp', 'product-cnn-small'];

interface FaultRun {
  ledger: LedgerReport;
  faults: FaultReport[];
  /** Result of each request submitted before the fault was injected. */
  before: string[];
  /** Uncaught errors the page and its workers reported. */
  pageErrors: string[];
}

/** Page-side steps shared by the tests: start a runtime, serve a first round, inject, serve a second. */
interface Scenario {
  storeName: string;
  provider: 'webgpu' | 'wasm';
  fault: 'destroy-device' | 'terminate-worker' | 'throw-in-worker';
  batches: number;
  requestsAfter: number;
  deadlineMs: number;
  inferenceTimeoutMs: number;
  /** Fault events to wait for before the final read: recovery may end after the last outcome. */
  expectedFaults: number;
}

async function runScenario(page: import('@playwright/test').Page, scenario: Scenario): Promise<FaultRun> {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await openApp(page);
  await installLedger(page);
  const run = await page.evaluate(
    async ({ scenario, variants }) => {
      const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const record = (index: number) => inputs.subarray(index * 784, (index + 1) * 784);
      const runtime = await window.sneakpeek.createRuntime({
        provider: scenario.provider,
        variants,
        storeName: scenario.storeName,
        profileRuns: 1,
        inferenceTimeoutMs: scenario.inferenceTimeoutMs,
      });
      const faults: FaultReport[] = [];
      runtime.addEventListener('fault', (event) => faults.push(event.report));
      const ledger = window.createLedger!(runtime);

      const first = await Promise.all(
        Array.from({ length: 8 }, (_, index) => ledger.submit({ application: 'product', input: record(index), deadlineMs: 600_000 })),
      );
      await runtime.injectFault({ fault: scenario.fault, batches: scenario.batches });
      for (let index = 0; index < scenario.requestsAfter; index++) {
        ledger.submit({ application: 'product', input: record(100 + index), deadlineMs: scenario.deadlineMs });
      }
      // Bounded, so a missing fault report fails the assertions instead of the test's time limit.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 90_000);
        const check = () => {
          if (faults.length < scenario.expectedFaults) return;
          clearTimeout(timer);
          resolve();
        };
        runtime.addEventListener('fault', check);
        check();
      });
      const report = await ledger.settle();
      await runtime.dispose();
      const before = first.map((outcome) => {
        const known = outcome as { status: string; provider?: string; reason?: string };
        return known.status === 'completed' ? `completed on ${known.provider}` : String(known.reason);
      });
      return { ledger: report, faults, before };
    },
    { scenario, variants: VARIANTS },
  );
  return { ...run, pageErrors };
}

test('lost WebGPU device mid-batch falls back to WASM', async ({ page }) => {
  const run = await runScenario(page, {
    storeName: freshStoreName('device-lost'),
    provider: 'webgpu',
    fault: 'destroy-device',
    batches: 1,
    requestsAfter: 32,
    deadlineMs: 600_000,
    inferenceTimeoutMs: 10_000,
    expectedFaults: 1,
  });
  const { ledger, faults } = run;

  expectExactlyOneOutcome(ledger);
  expect(run.before).toEqual(Array(8).fill('completed on webgpu'));
  expect(faults).toHaveLength(1);
  const fault = faults[0]!;
  expect(fault.kind).toBe('device-lost');
  expect(fault.detail).toContain('The WebGPU device was lost (destroyed');
  expect(fault.providerBefore).toBe('webgpu');
  expect(fault.providerAfter).toBe('wasm');
  expect(fault.recovered).toBe(true);
  expect(fault.requeued + fault.dropped, 'members of the lost batch').toBeGreaterThan(0);
  expect(fault.dropped, 'lost members dropped with generous deadlines').toBe(0);
  expect(fault.reloaded.length, 'variants made resident on WASM').toBeGreaterThan(0);

  expect(tally(ledger.results)).toEqual({ 'completed on webgpu': 8, 'completed on wasm': 32 });
  expect(ledger.final.provider).toBe('wasm');
  expect(ledger.final.providerNote).toContain('after the WebGPU device was lost');
  expect(ledger.final.requeued).toBe(fault.requeued);
  expect(ledger.final.workerRestarts).toBe(1);
  expect(ledger.final.faults).toEqual(faults);
  expect(ledger.final.resident.sort()).toEqual([...fault.reloaded].sort());
  // The abandoned run's failed read-back is expected once the loss is reported, so it is not logged.
  expect(run.pageErrors).toEqual([]);
});

test('device destroyed between batches is found at the next one', async ({ page }) => {
  const run = await runScenario(page, {
    storeName: freshStoreName('device-idle'),
    provider: 'webgpu',
    fault: 'destroy-device',
    batches: 0,
    requestsAfter: 16,
    deadlineMs: 600_000,
    inferenceTimeoutMs: 10_000,
    expectedFaults: 1,
  });

  expectExactlyOneOutcome(run.ledger);
  expect(run.faults.map((fault) => [fault.kind, fault.providerAfter, fault.recovered])).toEqual([['device-lost', 'wasm', true]]);
  expect(run.faults[0]!.detail).toMatch(/lost \(destroyed.*\) in run of a batch/);
  expect(tally(run.ledger.results)).toEqual({ 'completed on webgpu': 8, 'completed on wasm': 16 });
  expect(run.ledger.final.requeued).toBe(run.faults[0]!.requeued);
});

test('worker terminated mid-batch is replaced; a second loss drops', async ({ page }) => {
  const run = await runScenario(page, {
    storeName: freshStoreName('terminate'),
    provider: 'wasm',
    fault: 'terminate-worker',
    batches: 2,
    requestsAfter: 64,
    deadlineMs: 600_000,
    inferenceTimeoutMs: 3_000,
    expectedFaults: 2,
  });
  const { ledger, faults } = run;

  expectExactlyOneOutcome(ledger);
  expect(faults.map((fault) => fault.kind)).toEqual(['worker-lost', 'worker-lost']);
  for (const fault of faults) {
    expect(fault.detail).toMatch(/did not answer run of a batch of \d+ on "product-[a-z-]+" within 3000 ms/);
    expect(fault.providerAfter).toBe('wasm');
    expect(fault.recovered).toBe(true);
  }
  // The first loss queues its batch again; deadline order sends those requests out first, so the
  // second loss finds them on their second dispatch and drops them.
  expect(faults[0]!.requeued).toBeGreaterThan(0);
  expect(faults[0]!.dropped).toBe(0);
  expect(faults[1]!.dropped).toBeGreaterThan(0);

  const counts = tally(ledger.results);
  expect(counts['worker-lost']).toBe(faults[1]!.dropped);
  expect(counts['completed on wasm']).toBe(8 + 64 - faults[1]!.dropped);
  expect(ledger.final.dropped['worker-lost']).toBe(faults[1]!.dropped);
  expect(ledger.final.requeued).toBe(faults[0]!.requeued + faults[1]!.requeued);
  expect(ledger.final.workerRestarts).toBe(2);
});

test('hung worker drops requests whose deadlines passed', async ({ page }) => {
  // The watchdog waits 4 s; the deadlines of 2.5 s are feasible on WASM but pass before it fires.
  const run = await runScenario(page, {
    storeName: freshStoreName('hung'),
    provider: 'wasm',
    fault: 'terminate-worker',
    batches: 1,
    requestsAfter: 16,
    deadlineMs: 2_500,
    inferenceTimeoutMs: 4_000,
    expectedFaults: 1,
  });
  const { ledger, faults } = run;

  expectExactlyOneOutcome(ledger);
  expect(faults).toHaveLength(1);
  expect(faults[0]!.requeued).toBe(0);
  expect(faults[0]!.dropped).toBeGreaterThan(0);
  expect(ledger.final.dropped['worker-lost']).toBe(faults[0]!.dropped);
  expect(ledger.final.requeued).toBe(0);
  // Requests outside the lost batch are served by the new worker or dropped as infeasible.
  const counts = tally(ledger.results);
  expect((counts['completed on wasm'] ?? 0) + (counts['deadline-infeasible'] ?? 0) + faults[0]!.dropped).toBe(8 + 16);
});

test('uncaught error in the inference worker restarts it', async ({ page }) => {
  const run = await runScenario(page, {
    storeName: freshStoreName('throw'),
    provider: 'wasm',
    fault: 'throw-in-worker',
    batches: 1,
    requestsAfter: 32,
    deadlineMs: 600_000,
    inferenceTimeoutMs: 60_000,
    expectedFaults: 1,
  });
  const { ledger, faults } = run;

  expectExactlyOneOutcome(ledger);
  expect(faults).toHaveLength(1);
  // Found by the worker's error event, long before the 60 s watchdog.
  expect(faults[0]!.detail).toContain('raised an uncaught error');
  expect(faults[0]!.detail).toContain('Injected fault');
  expect(faults[0]!.recovered).toBe(true);
  expect(tally(ledger.results)).toEqual({ 'completed on wasm': 40 });
  expect(ledger.final.workerRestarts).toBe(1);
  expect(ledger.final.requeued).toBe(faults[0]!.requeued);
});

test('dispose during a hung batch settles it once', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await openApp(page);
  const result = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, variants: ['product-mlp'], profileRuns: 1, inferenceTimeoutMs: 600_000 });
    const faults: FaultReport[] = [];
    runtime.addEventListener('fault', (event) => faults.push(event.report));
    const events: Record<string, number> = {};
    runtime.addEventListener('outcome', (event) => (events[event.outcome.requestId] = (events[event.outcome.requestId] ?? 0) + 1));

    // The worker is terminated under the first batch, and the watchdog would wait 10 minutes.
    await runtime.injectFault({ fault: 'terminate-worker', batches: 1 });
    const submitted = Array.from({ length: 8 }, (_, index) =>
      runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000, id: `hung-${index}` }),
    );
    let stats = await runtime.stats();
    while (stats.inFlight === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stats = await runtime.stats();
    }
    await runtime.dispose();
    const outcomes = await Promise.all(submitted);
    return { inFlight: stats.inFlight, accepted: stats.accepted, faults, events, reasons: outcomes.map((outcome) => (outcome.status === 'dropped' ? outcome.reason : outcome.status)) };
  }, freshStoreName('dispose-hung'));

  expect(result.inFlight).toBeGreaterThan(0);
  expect(result.accepted).toBe(8);
  expect(result.reasons).toEqual(Array(8).fill('runtime-disposed'));
  expect(result.events).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`hung-${index}`, 1])));
  expect(result.faults).toEqual([]);
  expect(pageErrors).toEqual([]);
});

test('worker crashing while idle is replaced at once', async ({ page }) => {
  await openApp(page);
  await installLedger(page);
  const result = await page.evaluate(async (storeName) => {
    const inputs = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
    const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', storeName, variants: ['product-mlp'], profileRuns: 1, inferenceTimeoutMs: 60_000 });
    const faults: FaultReport[] = [];
    const reported = new Promise<void>((resolve) =>
      runtime.addEventListener('fault', (event) => {
        faults.push(event.report);
        resolve();
      }),
    );

    // No batch is running: only the worker's error event can reveal the crash.
    await runtime.injectFault({ fault: 'throw-in-worker' });
    await reported;
    const ledger = window.createLedger!(runtime);
    for (let index = 0; index < 16; index++) ledger.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 });
    const report = await ledger.settle();
    await runtime.dispose();
    return { faults, report };
  }, freshStoreName('idle-crash'));

  expectExactlyOneOutcome(result.report);
  expect(result.faults).toHaveLength(1);
  expect(result.faults[0]).toMatchObject({ kind: 'worker-lost', requeued: 0, dropped: 0, recovered: true, reloaded: ['product-mlp'] });
  expect(result.faults[0]!.detail).toContain('raised an uncaught error');
  expect(tally(result.report.results)).toEqual({ 'completed on wasm': 16 });
  expect(result.report.final.workerRestarts).toBe(1);
  expect(result.report.final.resident).toEqual(['product-mlp']);
});
