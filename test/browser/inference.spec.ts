/**
 * Real models, fetched through the model store, run real inference in onnxruntime-web on the
 * WebGPU provider (SwiftShader fallback adapter here) and on WASM, and match the outputs PyTorch
 * recorded at training time.
 */
import { expect, test } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';

/**
 * Largest allowed difference between a logit from onnxruntime-web and PyTorch's. Measured here
 * (onnxruntime-web 1.31.1, Chromium 156): at most 2.2e-5 on WASM and 8.7e-6 on WebGPU with the
 * SwiftShader adapter; a hardware GPU accumulates in another order, so WebGPU gets more room.
 */
const TOLERANCE = { wasm: 1e-4, webgpu: 1e-3 } as const;
const RECORDS = 32;

for (const provider of ['webgpu', 'wasm'] as const) {
  test(`variants match reference outputs on ${provider}`, async ({ page }) => {
    await openApp(page);
    const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
    const application = manifest.applications.find((candidate) => candidate.id === 'product')!;
    const reference = await fetchModelsJson<Record<string, number[][]>>(page, application.testSet!.referenceFile);
    const storeName = freshStoreName(`reference-${provider}`);

    for (const variant of application.variants) {
      const result = await page.evaluate(
        async ({ provider, variantId, storeName, records, inputsFile }) => {
          const inputs = new Uint8Array(await (await fetch(new URL(`models/${inputsFile}`, document.baseURI))).arrayBuffer());
          const runtime = await window.sneakpeek.createRuntime({ provider, variants: [variantId], storeName, memoryBudgetBytes: 1 << 30 });
          const outcomes = await Promise.all(
            Array.from({ length: records }, (_, index) =>
              runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 }),
            ),
          );
          const stats = await runtime.stats();
          await runtime.dispose();
          return { provider: runtime.ready.provider, outcomes, stats };
        },
        { provider, variantId: variant.id, storeName, records: RECORDS, inputsFile: application.testSet!.inputsFile },
      );

      expect(result.provider, `provider serving ${variant.id}`).toBe(provider);
      expect(result.stats.completed).toBe(RECORDS);
      let largest = 0;
      result.outcomes.forEach((outcome, index) => {
        expect(outcome.status, `outcome of record ${index}`).toBe('completed');
        if (outcome.status !== 'completed') return;
        expect(outcome.variantId).toBe(variant.id);
        const expected = reference[variant.id]![index]!;
        outcome.scores.forEach((score, classIndex) => (largest = Math.max(largest, Math.abs(score - expected[classIndex]!))));
      });
      console.log(`${variant.id} on ${provider}: largest logit difference from PyTorch ${largest.toExponential(2)}`);
      expect(largest, `largest logit difference of ${variant.id} on ${provider}`).toBeLessThanOrEqual(TOLERANCE[provider]);
    }
  });
}

test('SneakPeek posterior matches the calibrated reference', async ({ page }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const application = manifest.applications.find((candidate) => candidate.id === 'product')!;
  const reference = await fetchModelsJson<Record<string, number[][]>>(page, application.testSet!.referenceFile);
  const cheapest = [...application.variants].sort((a, b) => a.footprint.bytes - b.footprint.bytes)[0]!;

  const outcomes = await page.evaluate(
    async ({ variantId, storeName, records, inputsFile }) => {
      const inputs = new Uint8Array(await (await fetch(new URL(`models/${inputsFile}`, document.baseURI))).arrayBuffer());
      const runtime = await window.sneakpeek.createRuntime({ provider: 'wasm', variants: [variantId], storeName });
      const results = await Promise.all(
        Array.from({ length: records }, (_, index) =>
          runtime.submit({ application: 'product', input: inputs.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 }),
        ),
      );
      await runtime.dispose();
      return results;
    },
    { variantId: cheapest.id, storeName: freshStoreName('posterior'), records: RECORDS, inputsFile: application.testSet!.inputsFile },
  );

  const temperature = application.sneakpeek.temperature;
  outcomes.forEach((outcome, index) => {
    if (outcome.status !== 'completed') throw new Error(`record ${index} was dropped: ${outcome.reason}`);
    const logits = reference[application.sneakpeek.id]![index]!.map((logit) => logit / temperature);
    const largest = Math.max(...logits);
    const weights = logits.map((logit) => Math.exp(logit - largest));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    weights.forEach((weight, classIndex) => expect(outcome.posterior[classIndex]!).toBeCloseTo(weight / total, 4));
  });
});
