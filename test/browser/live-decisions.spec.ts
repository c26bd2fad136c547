/**
 * The live scheduler and the simulator call the same policy. A short live workload runs with
 * decision recording on. In Node, every recorded state then goes through `decide()` and through
 * the simulator's "sneakpeek" policy adapter, and both must return the recorded decision.
 *
 * With UPDATE_DECISION_FIXTURE=1 the record is also written to
 * test/core/fixtures/live-decisions.json, which a Vitest test replays without a browser.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import type { DecisionRecord } from '../../src/core/decision-record.js';
import type { Manifest } from '../../src/core/manifest.js';
import { replayDecisions, replaySwapCredit, simulatorPolicyOptions } from '../core/decision-replay.js';
import { fetchModelsJson, freshStoreName, openApp } from './helpers.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../core/fixtures/live-decisions.json');

/**
 * Variants served: every product variant and one weather variant, so each state stays small. The
 * budget of 13,400,000 bytes fits the large product CNN (12,876,080 bytes, estimated) beside the
 * weather MLP, but not the product MLP as well, so the start-up preload leaves the product MLP out
 * and a switch to a cheaper product variant needs a load.
 */
const VARIANTS = ['product-mlp', 'product-cnn-small', 'product-cnn-large', 'weather-1d-mlp16'];
const MEMORY_BUDGET_BYTES = 13_400_000;

/**
 * The workload, in order. A wave submits its product requests, then its weather requests, `gapMs`
 * apart (0: in one task), and waits for all of their outcomes before the next wave starts.
 */
const WAVES = [
  { description: '16 product requests at once, 2000 ms deadlines', product: 16, weather: 0, gapMs: 0, deadlineMs: 2000 },
  { description: '24 product requests at once, 45 ms deadlines', product: 24, weather: 0, gapMs: 0, deadlineMs: 45 },
  { description: '24 product requests 3 ms apart, 120 ms deadlines', product: 24, weather: 0, gapMs: 3, deadlineMs: 120 },
  { description: '8 product and 8 weather requests at once, 300 ms deadlines', product: 8, weather: 8, gapMs: 0, deadlineMs: 300 },
  ...Array.from({ length: 4 }, () => ({ description: 'one product request, 500 ms deadline', product: 1, weather: 0, gapMs: 0, deadlineMs: 500 })),
];
const RECORD_LIMIT = 200;

test('live decisions replay identically through the simulator policy', async ({ page, browser }) => {
  await openApp(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const product = manifest.applications.find((application) => application.id === 'product')!;
  const weather = manifest.applications.find((application) => application.id === 'weather')!;

  const live = await page.evaluate(
    async ({ variants, budget, waves, limit, storeName, productFile, weatherFile }) => {
      const load = async (file: string) => (await fetch(new URL(`models/${file}`, document.baseURI))).arrayBuffer();
      const images = new Uint8Array(await load(productFile));
      const readings = new Float32Array(await load(weatherFile));
      const runtime = await window.sneakpeek.createRuntime({
        provider: 'wasm',
        variants,
        memoryBudgetBytes: budget,
        profileRuns: 1,
        recordDecisions: limit,
        storeName,
      });

      let productRecord = 0;
      let weatherRecord = 0;
      const submitOne = (application: 'product' | 'weather', deadlineMs: number) => {
        if (application === 'product') {
          const record = productRecord++;
          return runtime.submit({ application, input: images.subarray(record * 784, (record + 1) * 784), deadlineMs });
        }
        const record = weatherRecord++;
        return runtime.submit({ application, input: readings.subarray(record * 28, (record + 1) * 28), deadlineMs });
      };

      const statuses: string[] = [];
      for (const wave of waves) {
        const applications = [...Array<'product'>(wave.product).fill('product'), ...Array<'weather'>(wave.weather).fill('weather')];
        const submissions = [];
        for (const application of applications) {
          submissions.push(submitOne(application, wave.deadlineMs));
          if (wave.gapMs > 0) await new Promise((resolve) => setTimeout(resolve, wave.gapMs));
        }
        for (const outcome of await Promise.all(submissions)) statuses.push(outcome.status);
      }

      const record = await runtime.decisionRecord();
      const stats = await runtime.stats();
      await runtime.dispose();
      return { record, stats, statuses, userAgent: navigator.userAgent };
    },
    {
      variants: VARIANTS,
      budget: MEMORY_BUDGET_BYTES,
      waves: WAVES,
      limit: RECORD_LIMIT,
      storeName: freshStoreName('decisions'),
      productFile: product.testSet!.inputsFile,
      weatherFile: weather.testSet!.inputsFile,
    },
  );
  const record: DecisionRecord = live.record;
  const submitted = WAVES.reduce((sum, wave) => sum + wave.product + wave.weather, 0);

  // The workload ran to the end and every decision of it is in the record.
  expect(live.statuses).toHaveLength(submitted);
  expect(live.stats.provider).toBe('wasm');
  expect(record.discarded).toBe(0);
  expect(record.decisions.length).toBeGreaterThanOrEqual(WAVES.length);
  const actions = record.decisions.map((entry) => entry.decision.action.kind);
  console.log(
    `${record.decisions.length} decisions recorded: ${actions.filter((kind) => kind === 'run').length} runs, ` +
      `${record.decisions.filter((entry) => entry.decision.action.kind === 'run' && entry.decision.action.load).length} loads, ` +
      `${record.decisions.reduce((sum, entry) => sum + entry.decision.drops.length, 0)} drops; ` +
      `${live.statuses.filter((status) => status === 'completed').length} of ${submitted} requests completed`,
  );

  // The simulator's options equal the runtime's, and each recorded state has the simulator's shape.
  expect(simulatorPolicyOptions(record.options)).toEqual(record.options);
  for (const entry of record.decisions) {
    expect(Object.keys(entry.state).sort()).toEqual(['lastVariant', 'now', 'queue', 'resident', 'swapCredit', 'traffic', 'variants']);
  }

  for (const replayed of replayDecisions(record)) {
    expect(replayed.decide, `decide() on recorded state ${replayed.index}`).toEqual(replayed.recorded);
    expect(replayed.simulator, `simulator policy on recorded state ${replayed.index}`).toEqual(replayed.recorded);
  }
  for (const row of replaySwapCredit(record)) {
    expect(row.recorded, `swap credit of recorded state ${row.index}`).toEqual(row.expected);
  }

  if (process.env.UPDATE_DECISION_FIXTURE === '1') {
    const recordedWith = {
      browser: `Chromium ${browser.version()} headless (${live.userAgent})`,
      machine: `${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      provider: live.stats.provider,
      onnxruntimeWeb: '1.31.1',
      recordedAt: new Date().toISOString(),
      command: 'npm run build && UPDATE_DECISION_FIXTURE=1 npx playwright test test/browser/live-decisions.spec.ts',
    };
    const workload = { variants: VARIANTS, memoryBudgetBytes: MEMORY_BUDGET_BYTES, waves: WAVES.map((wave) => wave.description) };
    writeFileSync(FIXTURE, formatFixture({ recordedWith, workload, record }));
    console.log(`Wrote ${record.decisions.length} decisions to ${FIXTURE}`);
  }
});

/** Formats the fixture as JSON with one recorded decision per line, so diffs stay readable. */
function formatFixture(fixture: { recordedWith: object; workload: object; record: DecisionRecord }): string {
  const { decisions, ...recordRest } = fixture.record;
  const lines = decisions.map((entry) => `      ${JSON.stringify(entry)}`);
  return [
    '{',
    `  "recordedWith": ${JSON.stringify(fixture.recordedWith)},`,
    `  "workload": ${JSON.stringify(fixture.workload)},`,
    '  "record": {',
    ...Object.entries(recordRest).map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)},`),
    '    "decisions": [',
    lines.join(',\n'),
    '    ]',
    '  }',
    '}',
    '',
  ].join('\n');
}
