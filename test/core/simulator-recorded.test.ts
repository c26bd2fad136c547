// Runs the simulator on the committed models' recorded outputs and the committed Node WASM device
// profile: every application with a recordedFile, served together on one device.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createSimPolicy } from '../../src/core/baselines/catalog';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker';
import type { Manifest } from '../../src/core/manifest';
import { resolvePolicyOptions } from '../../src/core/policy-options';
import { buildWorkloadTrace, scoreEstimators, type TraceSettings } from '../../src/core/simulator/experiment';
import { summarizeRun } from '../../src/core/simulator/run-metrics';
import { simulate } from '../../src/core/simulator/simulator';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals';
import { loadSimInputs } from '../../tools/sim/inputs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/manifest.json'), 'utf8')) as Manifest;
const recordedApplications = manifest.applications.filter((application) => application.recordedFile !== undefined);

// Loaded on first use: describe bodies run even when the suite is skipped.
let loaded: ReturnType<typeof loadSimInputs> | undefined;
function recordedInputs(): ReturnType<typeof loadSimInputs> {
  loaded ??= loadSimInputs(ROOT, 'models/manifest.json', 'models/profiles/node-wasm.json', undefined);
  return loaded;
}

describe.skipIf(recordedApplications.length === 0)('simulator on recorded outputs', () => {
  it.each(recordedApplications.map((application) => application.id))('matches the manifest accuracies of %s', (id) => {
    const application = recordedInputs().applications.find((candidate) => candidate.id === id);
    const entry = manifest.applications.find((candidate) => candidate.id === id);
    for (const variant of entry?.variants ?? []) {
      const split = application?.recorded.validation;
      const predictions = split?.predictions[variant.id] ?? [];
      const correct = predictions.filter((predicted, record) => predicted === split?.labels[record]).length;
      // Manifest accuracies are rounded to 6 decimals.
      expect(Math.abs(correct / predictions.length - variant.validationAccuracy)).toBeLessThan(1e-6);
    }
  });

  it('ends every request exactly once under a shifting, bursty load', () => {
    const inputs = recordedInputs();
    const settings: TraceSettings = {
      applications: inputs.applications,
      costs: inputs.costs,
      requestsPerApplication: 400,
      deadlineRange: [2, 8],
      bursts: resolveBurstOptions(),
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
    };
    const trace = buildWorkloadTrace(settings, 'mixed', 2, 1);
    const policy = createSimPolicy('sneakpeek', resolvePolicyOptions({ memoryBudgetBytes: 64 * 2 ** 20 }));
    const result = simulate({ applications: inputs.applications, requests: trace, costs: inputs.costs, policy, seed: 1 });
    const summary = summarizeRun(result);

    expect(trace).toHaveLength(400 * inputs.applications.length);
    expect(new Set(result.outcomes.map((outcome) => outcome.requestId)).size).toBe(trace.length);
    expect(summary.onTime + summary.late + summary.dropped).toBe(trace.length);
    expect(summary.completed).toBeGreaterThan(0);

    // Oracle estimates are the realised correctness, so their Brier score is 0. The others must be valid scores.
    const scores = scoreEstimators(trace, inputs.applications);
    for (const score of scores) {
      if (score.estimator === 'oracle') expect(score.brier).toBe(0);
      else expect(score.brier).toBeGreaterThan(0);
      expect(score.brier).toBeLessThan(1);
    }
  });
});
