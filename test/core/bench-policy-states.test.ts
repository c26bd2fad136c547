import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker';
import type { QueuedRequest } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { resolvePolicyOptions } from '../../src/core/policy-options';
import { buildWorkloadTrace } from '../../src/core/simulator/experiment';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals';
import { percentiles } from '../../tools/bench/machine';
import { buildState, QueueSequence, referenceLatency, stateRandom, TIGHT_SHARE, trafficOf, withFourVariants } from '../../tools/bench/policy-states';
import { loadSimInputs } from '../../tools/sim/inputs';
import { SIM_DEFAULTS } from '../../tools/sim/options';

// These tests read the committed manifest, recorded outputs and Node device profile.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('percentiles', () => {
  it('takes nearest-rank order statistics', () => {
    const samples = Array.from({ length: 200 }, (_, index) => 200 - index);
    expect(percentiles(samples)).toEqual({ samples: 200, p50: 100, p99: 198, max: 200, mean: 100.5 });
  });

  it('rejects no samples', () => {
    expect(() => percentiles([])).toThrow('No timing samples');
  });
});

describe('benchmark states', () => {
  const inputs = loadSimInputs(root, SIM_DEFAULTS.manifest, SIM_DEFAULTS.profile, undefined);
  const applications = withFourVariants(inputs.applications);
  const options = resolvePolicyOptions({ memoryBudgetBytes: SIM_DEFAULTS.memoryBudgetMiB * 2 ** 20 });
  const pool = buildWorkloadTrace(
    {
      applications: inputs.applications,
      costs: inputs.costs,
      requestsPerApplication: 200,
      deadlineRange: SIM_DEFAULTS.deadlineRange,
      bursts: resolveBurstOptions(),
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
    },
    'control',
    1,
    1,
  );
  const referenceLatencyMs = referenceLatency(inputs.applications);

  it('gives every application four variants', () => {
    for (const application of applications) expect(application.variants).toHaveLength(4);
  });

  it('scales a copy of the most accurate variant', () => {
    for (const application of applications) {
      for (const [id, scaled] of application.scaled) {
        const copy = application.variants.find((variant) => variant.id === id);
        const source = application.variants.find((variant) => variant.id === scaled.sourceId);
        expect(copy?.loadMs).toBeCloseTo((source?.loadMs ?? 0) * scaled.costFactor, 9);
        expect(copy?.latency[0]?.ms).toBeCloseTo((source?.latency[0]?.ms ?? 0) * scaled.costFactor, 9);
        expect(1 - (copy?.profiledAccuracy ?? 0)).toBeCloseTo((1 - (source?.profiledAccuracy ?? 0)) * scaled.errorShare, 9);
      }
    }
  });

  it('reports traffic for every application', () => {
    const traffic = trafficOf(pool);
    expect([...traffic.keys()].sort()).toEqual(['product', 'spam', 'weather']);
    for (const estimate of traffic.values()) expect(estimate.ratePerMs).toBeGreaterThan(0);
  });

  it('builds queues the policy accepts without drops', () => {
    const state = buildState({ applications, pool, traffic: trafficOf(pool), referenceLatencyMs, options, now: 100_000 }, 300, stateRandom(1, 300));
    expect(state.queue).toHaveLength(300);

    const decision = decide(state, options);
    expect(decision.drops).toEqual([]);
    expect(decision.action.kind).toBe('run');
  });

  it('makes about the tight share of deadlines tight', () => {
    const state = buildState({ applications, pool, traffic: trafficOf(pool), referenceLatencyMs, options, now: 100_000 }, 2000, stateRandom(2, 2000));
    const tight = state.queue.filter((request) => request.deadline - state.now <= 2 * referenceLatencyMs).length / state.queue.length;
    // 2,000 draws of a 20% share: the standard error is about 0.9 points.
    expect(tight).toBeGreaterThan(TIGHT_SHARE - 0.04);
    expect(tight).toBeLessThan(TIGHT_SHARE + 0.04);
  });
});

describe('benchmark queue sequence', () => {
  const inputs = loadSimInputs(root, SIM_DEFAULTS.manifest, SIM_DEFAULTS.profile, undefined);
  const applications = withFourVariants(inputs.applications);
  const options = resolvePolicyOptions({ memoryBudgetBytes: SIM_DEFAULTS.memoryBudgetMiB * 2 ** 20 });
  const pool = buildWorkloadTrace(
    {
      applications: inputs.applications,
      costs: inputs.costs,
      requestsPerApplication: 200,
      deadlineRange: SIM_DEFAULTS.deadlineRange,
      bursts: resolveBurstOptions(),
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
    },
    'control',
    1,
    1,
  );
  const settings = { applications, pool, traffic: trafficOf(pool), referenceLatencyMs: referenceLatency(inputs.applications), options, now: 100_000 };

  it('replaces the served batch with new arrivals', () => {
    const sequence = new QueueSequence(settings, 200, stateRandom(1, 200));
    const before = sequence.state;
    const decision = decide(before, options);
    if (decision.action.kind !== 'run') throw new Error(`expected a run action, got ${decision.action.kind}`);
    sequence.advance(decision);
    const after = sequence.state;

    expect(after.queue).toHaveLength(200);
    expect(after.now).toBe(before.now + decision.action.expectedDurationMs);
    const served = new Set(decision.action.requestIds);
    expect(after.queue.filter((request) => served.has(request.id))).toEqual([]);
    expect(after.queue.slice(0, 200 - served.size)).toEqual(before.queue.filter((request) => !served.has(request.id)));
    expect(after.lastVariant.get(decision.action.application)).toBe(decision.action.variantId);
  });

  it('records the arrivals in its traffic', () => {
    const sequence = new QueueSequence(settings, 200, stateRandom(3, 200));
    const before = sequence.state;
    sequence.advance(decide(before, options));
    const after = sequence.state;

    const newest = after.queue[after.queue.length - 1] as QueuedRequest;
    const window = after.traffic?.get(newest.application)?.relativeDeadlinesMs ?? [];
    expect(window[window.length - 1]).toBe(newest.deadline - newest.arrival);
    for (const estimate of after.traffic?.values() ?? []) expect(estimate.ratePerMs).toBeGreaterThan(0);
  });

  it('keeps ids unique over many decisions', () => {
    const sequence = new QueueSequence(settings, 100, stateRandom(2, 100));
    for (let step = 0; step < 50; step += 1) sequence.advance(decide(sequence.state, options));

    const ids = sequence.state.queue.map((request) => request.id);
    expect(new Set(ids).size).toBe(100);
    for (const request of sequence.state.queue) expect(request.arrival).toBeLessThanOrEqual(sequence.state.now);
  });
});
