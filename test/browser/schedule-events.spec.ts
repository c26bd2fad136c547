/**
 * The runtime's `schedule` events against its outcomes and counters, on WASM: with room for one
 * variant at a time, phases that alternate between two applications force loads and evictions,
 * and a wave of requests whose deadlines pass in transit forces drops. Every completed outcome
 * must belong to a batch update that arrived before it, every dropped one to a drop update, and
 * the loads and evictions must match `stats()`.
 */
import { expect, test } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import type { Outcome, RuntimeStats, ScheduleUpdate } from '../../src/index.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';

const PHASES = 4;
const PER_PHASE = 12;
const DOOMED = 6;

interface Observed {
  /** Schedule updates and outcomes in the order the page received them. */
  events: ({ type: 'schedule'; update: ScheduleUpdate } | { type: 'outcome'; outcome: Outcome })[];
  startup: ScheduleUpdate[];
  stats: RuntimeStats;
  budget: number;
}

test('schedule updates account for every batch, load, eviction and drop', async ({ page }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const footprint = (id: string) =>
    manifest.applications.flatMap((application) => application.variants).find((variant) => variant.id === id)!.footprint.bytes;
  const product = footprint('product-mlp');
  const weather = footprint('weather-1d-mlp16');
  // Either variant fits alone; both together do not.
  const budget = Math.max(product, weather) + Math.floor(Math.min(product, weather) / 2);

  const observed: Observed = await page.evaluate(
    async ({ storeName, budget, phases, perPhase, doomed }) => {
      const images = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const readings = new Float32Array(await (await fetch(new URL('models/weather/test-inputs.f32', document.baseURI))).arrayBuffer());
      const runtime = await window.sneakpeek.createRuntime({
        provider: 'wasm',
        storeName,
        variants: ['product-mlp', 'weather-1d-mlp16'],
        memoryBudgetBytes: budget,
        profileRuns: 1,
      });
      const events: Observed['events'] = [];
      runtime.addEventListener('schedule', (event) => events.push({ type: 'schedule', update: event.update }));
      runtime.addEventListener('outcome', (event) => events.push({ type: 'outcome', outcome: event.outcome }));

      for (let phase = 0; phase < phases; phase++) {
        const application = phase % 2 === 0 ? 'weather' : 'product';
        await Promise.all(
          Array.from({ length: perPhase }, (_, index) => {
            const record = phase * perPhase + index;
            const input = application === 'product' ? images.subarray(record * 784, (record + 1) * 784) : readings.subarray(record * 28, (record + 1) * 28);
            return runtime.submit({ application, input, deadlineMs: 600_000 });
          }),
        );
      }
      // Deadlines of a hundredth of a millisecond pass before the scheduler sees the requests.
      await Promise.all(
        Array.from({ length: doomed }, (_, index) => runtime.submit({ application: 'product', input: images.subarray(index * 784, (index + 1) * 784), deadlineMs: 0.01 })),
      );
      const stats = await runtime.stats();
      const startup = [...runtime.startupSchedule];
      await runtime.dispose();
      return { events, startup, stats, budget };
    },
    { storeName: freshStoreName('schedule'), budget, phases: PHASES, perPhase: PER_PHASE, doomed: DOOMED },
  );

  const { events, startup, stats } = observed;
  const updates = events.flatMap((event) => (event.type === 'schedule' ? [event.update] : []));
  const outcomes = events.flatMap((event) => (event.type === 'outcome' ? [event.outcome] : []));
  expect(outcomes).toHaveLength(PHASES * PER_PHASE + DOOMED);
  expect(stats.completed + Object.values(stats.dropped).reduce((sum, count) => sum + count, 0)).toBe(outcomes.length);

  // Start-up preloaded one variant within the budget.
  expect(startup.map((update) => [update.kind, update.kind === 'load' ? update.cause : ''])).toEqual([['load', 'preload']]);

  // Batches: every completed outcome belongs to a completed batch update that came before it.
  const batches = new Map(updates.flatMap((update) => (update.kind === 'batch' ? [[update.batchId, update] as const] : [])));
  const completed = outcomes.filter((outcome) => outcome.status === 'completed');
  expect(completed.length).toBe(stats.completed);
  expect(batches.size).toBe(stats.batches);
  for (const outcome of completed) {
    const batch = batches.get(outcome.batchId);
    expect(batch, `batch ${outcome.batchId} of ${outcome.requestId}`).toBeDefined();
    expect(batch!.status).toBe('completed');
    expect(batch!.variantId).toBe(outcome.variantId);
    expect(batch!.size).toBe(outcome.batchSize);
    expect(batch!.requests.find((request) => request.id === outcome.requestId)?.deadline).toBe(outcome.deadline);
    const batchIndex = events.findIndex((event) => event.type === 'schedule' && event.update === batch);
    const outcomeIndex = events.findIndex((event) => event.type === 'outcome' && event.outcome === outcome);
    expect(batchIndex).toBeLessThan(outcomeIndex);
  }
  const batchList = [...batches.values()];
  expect(batchList.reduce((sum, batch) => sum + batch.size, 0)).toBe(stats.completed);
  expect(batchList.reduce((sum, batch) => sum + batch.deadlinesMet, 0)).toBe(stats.deadlineMet);
  for (const batch of batchList) {
    expect(batch.runSize).toBeGreaterThanOrEqual(batch.size);
    expect(batch.finishedAt).toBeGreaterThanOrEqual(batch.startedAt);
    expect(batch.requests).toHaveLength(batch.size);
  }

  // Drops: the doomed requests, each in exactly one drop update with its outcome's reason.
  const dropped = outcomes.filter((outcome) => outcome.status === 'dropped');
  expect(dropped.length).toBeGreaterThan(0);
  const dropReasons = new Map(updates.flatMap((update) => (update.kind === 'drop' ? update.requestIds.map((id) => [id, update.reason] as const) : [])));
  expect(dropReasons.size).toBe(dropped.length);
  for (const outcome of dropped) expect(dropReasons.get(outcome.requestId)).toBe(outcome.reason);

  // Loads and evictions: one swap per phase after the first, each evicting the other variant.
  const swaps = updates.filter((update) => update.kind === 'load' && update.cause === 'swap');
  const evictions = updates.filter((update) => update.kind === 'evict');
  expect(swaps.length).toBe(stats.swaps);
  expect(evictions.length).toBe(stats.evictions);
  expect(stats.swaps).toBeGreaterThanOrEqual(PHASES - 1);
  for (const update of [...startup, ...updates]) {
    expect(update.residentBytes).toBeLessThanOrEqual(update.memoryBudgetBytes);
    expect(update.memoryBudgetBytes).toBe(observed.budget);
    if (update.kind === 'load') expect(update.resident).toContain(update.variantId);
    if (update.kind === 'evict') expect(update.resident).not.toContain(update.variantId);
  }
  expect(updates.at(-1)!.open).toBe(0);
});
