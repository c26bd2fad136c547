/**
 * The live runtime runs the baselines and ablations by name. A fixed-variant baseline serves
 * every request with its variant and plans with profiled accuracy, while the default policy
 * plans with per-request SneakPeek estimates.
 */
import { expect, test } from '@playwright/test';
import type { PolicyName } from '../../src/core/baselines/catalog.js';
import type { Outcome } from '../../src/index.js';
import { freshStoreName, openApp } from './helpers.js';

const REQUESTS = 12;

async function serve(page: import('@playwright/test').Page, policy: PolicyName | undefined): Promise<{ policy: string; outcomes: Outcome[]; profiled: Record<string, number> }> {
  return page.evaluate(
    async ({ storeName, policy, requests }) => {
      const images = new Uint8Array(await (await fetch(new URL('models/product/test-images.u8', document.baseURI))).arrayBuffer());
      const runtime = await window.sneakpeek.createRuntime({
        provider: 'wasm',
        storeName,
        variants: ['product-mlp', 'product-cnn-small'],
        profileRuns: 1,
        ...(policy === undefined ? {} : { policy }),
      });
      const outcomes = await Promise.all(
        Array.from({ length: requests }, (_, index) => runtime.submit({ application: 'product', input: images.subarray(index * 784, (index + 1) * 784), deadlineMs: 600_000 })),
      );
      const profiled = Object.fromEntries(runtime.ready.profiles.map((profile) => [profile.variantId, profile.profiledAccuracy]));
      const result = { policy: runtime.ready.policy, outcomes, profiled };
      await runtime.dispose();
      return result;
    },
    { storeName: freshStoreName(`policy-${policy ?? 'default'}`), policy, requests: REQUESTS },
  );
}

test('fixed-variant baseline runs live', async ({ page }) => {
  await openApp(page);
  const { policy, outcomes, profiled } = await serve(page, 'edf-accurate');
  expect(policy).toBe('edf-accurate');
  expect(outcomes.map((outcome) => (outcome.status === 'completed' ? outcome.variantId : outcome.reason))).toEqual(Array(REQUESTS).fill('product-cnn-small'));
  for (const outcome of outcomes) {
    if (outcome.status !== 'completed') continue;
    expect(outcome.estimates).toEqual(profiled);
    expect(outcome.posterior).toHaveLength(10);
  }
});

test('default policy plans per request', async ({ page }) => {
  await openApp(page);
  const { policy, outcomes, profiled } = await serve(page, undefined);
  expect(policy).toBe('sneakpeek');
  const estimates = outcomes.flatMap((outcome) => (outcome.status === 'completed' ? [outcome.estimates['product-mlp']] : []));
  expect(estimates).toHaveLength(REQUESTS);
  // SneakPeek estimates differ between inputs; profiled accuracy would give one value for all.
  expect(new Set(estimates).size).toBeGreaterThan(1);
  expect(estimates).not.toContain(profiled['product-mlp']);
});

test('simulator-only policy is refused', async ({ page }) => {
  await openApp(page);
  const message = await page.evaluate(async () => {
    try {
      await window.sneakpeek.createRuntime({ provider: 'wasm', policy: 'oracle' as never });
      return 'created';
    } catch (error) {
      return (error as Error).message;
    }
  });
  expect(message).toContain('Option policy is "oracle". It needs what only the simulator has');
});
