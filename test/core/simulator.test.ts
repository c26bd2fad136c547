import { describe, expect, it } from 'vitest';

import { POLICY_NAMES, createSimPolicy } from '../../src/core/baselines/catalog';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker';
import { DropReason } from '../../src/core/model';
import { resolvePolicyOptions } from '../../src/core/policy-options';
import { buildWorkloadTrace, deviceReference, runExperiment, type TraceSettings } from '../../src/core/simulator/experiment';
import { summarizeRun } from '../../src/core/simulator/run-metrics';
import { OutcomeKind, type SimPolicy } from '../../src/core/simulator/sim-model';
import { simulate } from '../../src/core/simulator/simulator';
import { buildTrace } from '../../src/core/simulator/trace';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals';
import type { PlannedArrival } from '../../src/core/workloads/workload-plan';
import type { DeviceProfile } from '../../src/core/device-profile';
import type { SchedulerState } from '../../src/core/model';
import { ACCURATE, APP, FAST, constantProfile, noisyProfile, toyApplication } from './sim-fixtures';

const options = resolvePolicyOptions({ memoryBudgetBytes: 10_000 });

function arrival(position: number, time: number, relativeDeadlineMs: number): PlannedArrival {
  return { id: `${APP}-${position}`, application: APP, position, record: position, arrival: time, relativeDeadlineMs, weight: 1, inBurst: false };
}

/** Four requests: one at 0, two at 1, and one at 2 whose 5 ms deadline cannot be met. */
function tinyTrace() {
  return traceOf([arrival(0, 0, 100), arrival(1, 1, 100), arrival(2, 1, 100), arrival(3, 2, 5)]);
}

function traceOf(arrivals: PlannedArrival[], profile: DeviceProfile = constantProfile()) {
  const { application, costs } = toyApplication(profile);
  const trace = buildTrace({
    applications: [application],
    arrivals,
    costs,
    seed: 1,
    jointOptions: resolveJointEstimatorOptions(),
    trackerOptions: resolvePriorTrackerOptions(),
  });
  return { application, costs, trace };
}

function settings(profileSeed = 3): TraceSettings {
  const { application, costs } = toyApplication(noisyProfile(profileSeed));
  return {
    applications: [application],
    costs,
    requestsPerApplication: 300,
    deadlineRange: [2, 8],
    bursts: resolveBurstOptions(),
    jointOptions: resolveJointEstimatorOptions(),
    trackerOptions: resolvePriorTrackerOptions(),
  };
}

describe('simulate on a constant-latency profile', () => {
  // Lane: 0.5 ms per run, so the requests join the queue at 0.5, 1.5, 1.5 and 2.5. Executor: the
  // accurate variant (preloaded) runs toy-0 alone from 0.5 to 10.5. At 10.5 toy-3 (deadline 7) is
  // infeasible and dropped, and toy-1 and toy-2 run together, L(2) = 12 ms, finishing at 22.5.
  it.each(['sneakpeek', 'edf-accurate', 'infaas'] as const)('reproduces the hand-computed schedule with %s', (name) => {
    const { application, costs, trace } = tinyTrace();
    expect(trace.map((request) => request.readyAt)).toEqual([0.5, 1.5, 1.5, 2.5]);

    const result = simulate({ applications: [application], requests: trace, costs, policy: createSimPolicy(name, options), seed: 1 });
    const byId = new Map(result.outcomes.map((outcome) => [outcome.requestId, outcome]));

    expect(byId.get('toy-0')).toMatchObject({ kind: OutcomeKind.OnTime, at: 10.5, variantId: ACCURATE, batchSize: 1, correct: true, utility: 1 });
    expect(byId.get('toy-3')).toMatchObject({ kind: OutcomeKind.Dropped, at: 10.5, reason: DropReason.DeadlineInfeasible, utility: 0 });
    expect(byId.get('toy-1')).toMatchObject({ kind: OutcomeKind.OnTime, at: 22.5, variantId: ACCURATE, batchSize: 2, correct: true });
    expect(byId.get('toy-2')).toMatchObject({ kind: OutcomeKind.OnTime, at: 22.5, variantId: ACCURATE, batchSize: 2, correct: true });
    expect(result.batches.map((batch) => [batch.start, batch.finish, batch.size, batch.runSize])).toEqual([
      [0.5, 10.5, 1, 1],
      [10.5, 22.5, 2, 2],
    ]);
    expect(result.swaps).toBe(0);
  });

  it('waits for a fuller batch up to the maximum queue delay', () => {
    // With a 5 ms delay the policy waits for the oldest request (arrived at 0) until 5. At 5 the
    // three others run together, padded to 4, so they take L(4) = 16 ms. toy-3 (deadline 7) could
    // still finish on the preloaded fast variant, but that variant predicts its class wrongly, so
    // it gains nothing and is dropped when the batch ends.
    const { application, costs, trace } = tinyTrace();
    const waiting = resolvePolicyOptions({ memoryBudgetBytes: 10_000, maxQueueDelayMs: 5 });
    const result = simulate({ applications: [application], requests: trace, costs, policy: createSimPolicy('sneakpeek', waiting), seed: 1 });
    const byId = new Map(result.outcomes.map((outcome) => [outcome.requestId, outcome]));

    expect(byId.get('toy-3')).toMatchObject({ kind: OutcomeKind.Dropped, at: 21 });
    for (const id of ['toy-0', 'toy-1', 'toy-2']) expect(byId.get(id)).toMatchObject({ kind: OutcomeKind.OnTime, at: 21, batchSize: 3 });
    expect(result.batches).toHaveLength(1);
    expect(result.batches[0]?.runSize).toBe(4);
  });

  it('charges request cost before SneakPeek', () => {
    // At 2 ms per request, toy-0 is admitted at 2, toy-1 and toy-2 (both at 1) at 4 and 6, and toy-3
    // at 8. Each then runs its 0.5 ms SneakPeek step alone, so they are ready at 2.5, 4.5, 6.5 and 8.5.
    const { application, costs } = toyApplication(constantProfile());
    const trace = buildTrace({
      applications: [application],
      arrivals: [arrival(0, 0, 100), arrival(1, 1, 100), arrival(2, 1, 100), arrival(3, 2, 5)],
      costs,
      seed: 1,
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
      requestCostMs: 2,
    });
    expect(trace.map((request) => request.readyAt)).toEqual([2.5, 4.5, 6.5, 8.5]);
    // Deadlines still count from the arrival.
    expect(trace.map((request) => request.deadline)).toEqual([100, 101, 101, 7]);
  });

  it('shares admission across applications', () => {
    // 1 ms per request. At 0: a-0, a-1 and b-0, admitted in application then position order at
    // 1, 2 and 3; each then takes its lane's 0.5 ms.
    const profile = constantProfile(['a', 'b']);
    const [a, b] = ['a', 'b'].map((app) => toyApplication(profile, 40, app));
    const planned = (app: string, position: number): PlannedArrival => ({ ...arrival(position, 0, 100), id: `${app}-${position}`, application: app });
    const trace = buildTrace({
      applications: [a!.application, b!.application],
      arrivals: [planned('b', 0), planned('a', 1), planned('a', 0)],
      costs: a!.costs,
      seed: 1,
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
      requestCostMs: 1,
    });
    expect(trace.map((request) => [request.id, request.readyAt])).toEqual([
      ['a-0', 1.5],
      ['a-1', 2.5],
      ['b-0', 3.5],
    ]);
  });

  it('decides once for the requests of one SneakPeek batch', () => {
    // Both arrive at 0, share one lane run and join at 0.5. Deciding per request would start toy-0
    // alone; one decision runs both together, L(2) = 12 ms.
    const { application, costs, trace } = traceOf([arrival(0, 0, 100), arrival(1, 0, 100)]);
    expect(trace.map((request) => request.readyAt)).toEqual([0.5, 0.5]);

    const result = simulate({ applications: [application], requests: trace, costs, policy: createSimPolicy('sneakpeek', options), seed: 1 });

    expect(result.decisions).toBe(1);
    expect(result.batches.map((batch) => [batch.start, batch.finish, batch.size])).toEqual([[0.5, 12.5, 2]]);
  });

  it('gives the same run for the trace in any order', () => {
    const { application, costs, trace } = traceOf([arrival(0, 0, 100), arrival(1, 0, 100), arrival(2, 0, 100), arrival(3, 30, 100)]);
    const policy = () => createSimPolicy('sneakpeek', options);
    const sorted = simulate({ applications: [application], requests: trace, costs, policy: policy(), seed: 1 });
    const reversed = simulate({ applications: [application], requests: [...trace].reverse(), costs, policy: policy(), seed: 1 });

    expect(reversed).toEqual(sorted);
  });

  it('plans padded latencies and runs a batch of three padded to four', () => {
    const { application, costs, trace } = traceOf([arrival(0, 0, 100), arrival(1, 0, 100), arrival(2, 0, 100)]);
    const states: SchedulerState[] = [];
    const base = createSimPolicy('sneakpeek', options);
    const recording: SimPolicy = { ...base, decide: (state, resolved) => (states.push(state), base.decide(state, resolved)) };
    const result = simulate({ applications: [application], requests: trace, costs, policy: recording, seed: 1 });

    // One point per size up to maxBatch 4; size 3 costs what size 4 does.
    const accurate = states[0]?.variants.find((variant) => variant.id === ACCURATE);
    expect(accurate?.latency).toEqual([
      { batchSize: 1, ms: 10 },
      { batchSize: 2, ms: 12 },
      { batchSize: 3, ms: 16 },
      { batchSize: 4, ms: 16 },
    ]);
    expect(result.batches.map((batch) => [batch.start, batch.finish, batch.size, batch.runSize, batch.actualMs])).toEqual([[0.5, 16.5, 3, 4, 16]]);
  });

  it('refines the profile at the padded size', () => {
    // Samples 14 and 18 at size 4: the policy starts from their 0.95-quantile, 17.8. The first
    // batch of three runs padded to 4 and draws one of them. The next decision plans sizes 3 and 4
    // with 17.8 moved toward the drawn time: by 0.2 upward, by 0.2 · 0.05 / 0.95 downward.
    const profile = constantProfile();
    const accurateCost = profile.models[ACCURATE];
    if (accurateCost === undefined) throw new Error('the constant profile lacks the accurate variant');
    accurateCost.latencyMs['4'] = [14, 18];
    const { application, costs, trace } = traceOf([arrival(0, 0, 100), arrival(1, 0, 100), arrival(2, 0, 100), arrival(3, 40, 100)], profile);
    const states: SchedulerState[] = [];
    const base = createSimPolicy('sneakpeek', options);
    const recording: SimPolicy = { ...base, decide: (state, resolved) => (states.push(state), base.decide(state, resolved)) };
    const result = simulate({ applications: [application], requests: trace, costs, policy: recording, seed: 1 });

    const drawn = result.batches[0]?.actualMs ?? NaN;
    expect([14, 18]).toContain(drawn);
    const start = 14 + 0.95 * 4;
    const step = drawn > start ? 0.2 : (0.2 * 0.05) / 0.95;
    const refined = (1 - step) * start + step * drawn;
    const planned = states[1]?.variants.find((variant) => variant.id === ACCURATE)?.latency;
    expect(planned?.[2]?.ms).toBeCloseTo(refined, 12);
    expect(planned?.[3]?.ms).toBeCloseTo(refined, 12);
    expect(planned?.[1]?.ms).toBe(12);
  });

  it('summarises the hand-computed run', () => {
    const { application, costs, trace } = tinyTrace();
    const result = simulate({ applications: [application], requests: trace, costs, policy: createSimPolicy('sneakpeek', options), seed: 1 });
    const summary = summarizeRun(result);

    expect(summary.requests).toBe(4);
    expect(summary.onTime).toBe(3);
    expect(summary.dropped).toBe(1);
    expect(summary.effectiveAccuracy).toBe(0.75);
    expect(summary.servedAccuracy).toBe(1);
    // Request-weighted: (1 + 2 + 2) / 3.
    expect(summary.meanBatchSize).toBeCloseTo(5 / 3, 12);
    expect(summary.totalUtility).toBe(3);
  });

  it('counts a late completion as late with zero utility', () => {
    const { application, costs, trace } = tinyTrace();
    // FIFO on the fast variant would finish toy-0 in time; the accurate one ends at 10.5 > 9.
    const tight = trace.map((request) => (request.id === 'toy-0' ? { ...request, deadline: 9 } : request));
    const latePolicy: SimPolicy = {
      ...createSimPolicy('sneakpeek', options),
      name: 'always-accurate',
      decide: (state) => ({
        drops: [],
        action: { kind: 'run', variantId: ACCURATE, application: APP, requestIds: [state.queue[0]?.id ?? ''], evict: [], load: false, expectedDurationMs: 10, score: 0 },
        priorities: new Map(),
        swapGains: new Map(),
      }),
    };
    const result = simulate({ applications: [application], requests: tight, costs, policy: latePolicy, seed: 1 });

    const first = result.outcomes.find((outcome) => outcome.requestId === 'toy-0');
    expect(first?.kind).toBe(OutcomeKind.Late);
    expect(first?.utility).toBe(0);
  });
});

describe('deviceReference', () => {
  it('splits the device between applications at equal rates', () => {
    // Left: accurate variant 4 requests per 16 ms = 0.25 per ms. Right: every time halved, 0.5 per ms.
    const profile = constantProfile(['left', 'right']);
    for (const [modelId, cost] of Object.entries(profile.models)) {
      if (!modelId.startsWith('right')) continue;
      for (const size of Object.keys(cost.latencyMs)) cost.latencyMs[size] = (cost.latencyMs[size] ?? []).map((ms) => ms / 2);
    }
    const left = toyApplication(profile, 40, 'left').application;
    const right = toyApplication(profile, 40, 'right').application;

    const reference = deviceReference([left, right]);
    // λ / 0.25 + λ / 0.5 = 1 gives λ = 1/6 per ms; the reference is the slower batch, 16 ms.
    expect(reference.ratePerMs).toBeCloseTo(1 / 6, 12);
    expect(reference.referenceLatencyMs).toBe(16);
  });
});

describe('simulate invariants', () => {
  it('gives identical results for the same seed', () => {
    const spec = { ...settings(), workloads: ['mixed'] as const, loads: [1, 3], seeds: [7], policies: ['sneakpeek', 'clipper-aimd', 'load-switching'] as const, policyOptions: options };
    const first = runExperiment({ ...spec, workloads: [...spec.workloads], policies: [...spec.policies] });
    const second = runExperiment({ ...spec, workloads: [...spec.workloads], policies: [...spec.policies] });

    expect(second).toEqual(first);
  });

  it('gives different results for another seed', () => {
    const base = { ...settings(), workloads: ['control' as const], loads: [2], policies: ['sneakpeek' as const], policyOptions: options };
    const first = runExperiment({ ...base, seeds: [1] });
    const second = runExperiment({ ...base, seeds: [2] });

    expect(second.runs[0]?.summary).not.toEqual(first.runs[0]?.summary);
  });

  // Every policy, light and heavy load, with room for one variant only, so loads and evictions happen.
  it.each(POLICY_NAMES)('ends every request exactly once with %s', (name) => {
    const tightBudget = resolvePolicyOptions({ memoryBudgetBytes: 1500 });
    const spec = settings();
    for (const load of [0.5, 3]) {
      const trace = buildWorkloadTrace(spec, 'mixed', load, 11);
      const result = simulate({ applications: spec.applications, requests: trace, costs: spec.costs, policy: createSimPolicy(name, tightBudget), seed: 11 });

      const ids = result.outcomes.map((outcome) => outcome.requestId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set(trace.map((request) => request.id)));

      const summary = summarizeRun(result);
      expect(summary.onTime + summary.late + summary.dropped).toBe(trace.length);
      expect(result.outcomes.filter((outcome) => outcome.kind === OutcomeKind.Dropped).every((outcome) => outcome.reason === DropReason.DeadlineInfeasible)).toBe(true);

      const readyAt = new Map(trace.map((request) => [request.id, request.readyAt]));
      expect(result.outcomes.every((outcome) => outcome.at >= (readyAt.get(outcome.requestId) ?? Infinity))).toBe(true);
    }
  });

  it('never overlaps two batches on the executor', () => {
    const spec = settings();
    const trace = buildWorkloadTrace(spec, 'burst', 3, 5);
    const result = simulate({ applications: spec.applications, requests: trace, costs: spec.costs, policy: createSimPolicy('sneakpeek', options), seed: 5 });

    for (let index = 1; index < result.batches.length; index += 1) {
      expect(result.batches[index]?.start).toBeGreaterThanOrEqual(result.batches[index - 1]?.finish ?? Infinity);
    }
  });

  it('serves two applications on one device', () => {
    const profile = noisyProfile(4, ['left', 'right']);
    const left = toyApplication(profile, 40, 'left');
    const right = toyApplication(profile, 40, 'right');
    const spec: TraceSettings = { ...settings(), applications: [left.application, right.application], costs: left.costs };
    const trace = buildWorkloadTrace(spec, 'mixed', 2, 4);
    // Room for three of the four variants: serving both applications forces loads and evictions.
    const budget = resolvePolicyOptions({ memoryBudgetBytes: 3500 });
    const result = simulate({ applications: spec.applications, requests: trace, costs: spec.costs, policy: createSimPolicy('sneakpeek', budget), seed: 4 });
    const summary = summarizeRun(result);

    expect(trace.filter((request) => request.application === 'left')).toHaveLength(300);
    expect(trace.filter((request) => request.application === 'right')).toHaveLength(300);
    expect(summary.onTime + summary.late + summary.dropped).toBe(600);
    expect(summary.byApplication.left?.completed).toBeGreaterThan(0);
    expect(summary.byApplication.right?.completed).toBeGreaterThan(0);
    expect(result.evictions).toBeGreaterThan(0);
  });

  it('scales accuracy down under heavy load', () => {
    const spec = settings();
    const light = simulate({ applications: spec.applications, requests: buildWorkloadTrace(spec, 'control', 0.5, 2), costs: spec.costs, policy: createSimPolicy('sneakpeek', options), seed: 2 });
    const heavy = simulate({ applications: spec.applications, requests: buildWorkloadTrace(spec, 'control', 3, 2), costs: spec.costs, policy: createSimPolicy('sneakpeek', options), seed: 2 });

    const fastShare = (result: typeof light): number => (summarizeRun(result).servedByVariant[FAST] ?? 0) / result.outcomes.length;
    expect(fastShare(heavy)).toBeGreaterThan(fastShare(light));
  });
});
