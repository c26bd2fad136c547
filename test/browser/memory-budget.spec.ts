/**
 * The memory budget on WebGPU (the SwiftShader fallback adapter here): with room for one variant
 * at a time, requests alternating between two applications force a swap per phase. Each swap
 * evicts the only WebGPU session of the inference worker before loading the next, so the device
 * must outlive its last session. The resident set stays within the budget at every stats read.
 */
import { expect, test } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';
import { expectExactlyOneOutcome, installLedger, tally } from './ledger.js';

const PHASES = 6;
const PER_PHASE = 8;

test('budget for one variant swaps on WebGPU', async ({ page }) => {
  await openApp(page);
  await installLedger(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const footprint = (id: string) =>
    manifest.applications.flatMap((application) => application.variants).find((variant) => variant.id === id)!.footprint.bytes;
  const product = footprint('product-cnn-small');
  const weather = footprint('weather-1d-mlp16');
  // Either variant fits alone; both together do not.
  const budget = Math.max(product, weather) + Math.floor(Math.min(product, weather) / 2);

  const result = await page.evaluate(
    async ({ storeName, budget, phases, perPhase }) => {
      const images = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const readings = new Float32Array(await (await fetch(new URL('models/weather/test-inputs.f32', document.baseURI))).arrayBuffer());
      const runtime = await window.sneakpeek.createRuntime({
        provider: 'webgpu',
        storeName,
        variants: ['product-cnn-small', 'weather-1d-mlp16'],
        memoryBudgetBytes: budget,
        profileRuns: 1,
      });
      const ledger = window.createLedger!(runtime);
      const afterStart = await runtime.stats();

      const servedBy: string[][] = [];
      for (let phase = 0; phase < phases; phase++) {
        const application = phase % 2 === 0 ? 'weather' : 'product';
        const outcomes = await Promise.all(
          Array.from({ length: perPhase }, (_, index) => {
            const record = phase * perPhase + index;
            const input = application === 'product' ? images.subarray(record * 784, (record + 1) * 784) : readings.subarray(record * 28, (record + 1) * 28);
            return ledger.submit({ application, input, deadlineMs: 600_000 });
          }),
        );
        servedBy.push(outcomes.map((outcome) => {
          const known = outcome as { status: string; variantId?: string; provider?: string; reason?: string };
          return known.status === 'completed' ? `${known.variantId} on ${known.provider}` : String(known.reason);
        }));
      }
      const report = await ledger.settle();
      await runtime.dispose();
      return { report, servedBy, afterStart };
    },
    { storeName: freshStoreName('budget'), budget, phases: PHASES, perPhase: PER_PHASE },
  );
  const { report, servedBy, afterStart } = result;

  expectExactlyOneOutcome(report);
  expect(afterStart.provider).toBe('webgpu');
  expect(afterStart.resident, 'variants preloaded within the budget').toHaveLength(1);
  servedBy.forEach((phase, index) => {
    const expected = index % 2 === 0 ? 'weather-1d-mlp16 on webgpu' : 'product-cnn-small on webgpu';
    expect(phase, `phase ${index}`).toEqual(Array(PER_PHASE).fill(expected));
  });
  expect(tally(report.results)).toEqual({ 'completed on webgpu': PHASES * PER_PHASE });

  // Every phase but the one served by the preloaded variant needed a swap.
  expect(report.final.swaps).toBeGreaterThanOrEqual(PHASES - 1);
  expect(report.final.evictions).toBe(report.final.swaps);
  expect(report.final.resident).toHaveLength(1);
  expect(report.final.memoryBudgetBytes).toBe(budget);
  expect(report.final.peakResidentBytes).toBeLessThanOrEqual(budget);
  expect(report.maxResidentBytes).toBeLessThanOrEqual(budget);
  expect(report.reads).toBeGreaterThan(PHASES);
  expect(report.final.faults).toEqual([]);
});
