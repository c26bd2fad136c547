import { describe, expect, it } from 'vitest';

import { decideInPriorityOrder, decideWithoutSwapMargin } from '../../src/core/baselines/ablations';
import { createClipperAimdPolicy } from '../../src/core/baselines/clipper-aimd';
import { createFixedVariantPolicy, FixedChoice, QueueOrder } from '../../src/core/baselines/fixed-variant';
import { infaasPolicy } from '../../src/core/baselines/infaas';
import { createLoadSwitchingPolicy } from '../../src/core/baselines/load-switching';
import { DropReason, type Decision, type RunAction } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { LARGE_LATENCY, SMALL_LATENCY, makeOptions, makeRequest, makeRequests, makeState, makeVariant } from './fixtures';

// Two variants of "app": small (L(b) = 10 + 2 (b − 1), accuracy 0.8) and large (L(b) = 40 + 20 (b − 1), accuracy 0.9).
const small = makeVariant({ id: 'small', latency: SMALL_LATENCY, profiledAccuracy: 0.8 });
const large = makeVariant({ id: 'large', latency: LARGE_LATENCY, profiledAccuracy: 0.9 });
const variants = [small, large];
const estimates = { small: 0.8, large: 0.9 };
const options = makeOptions();

function run(decision: Decision): RunAction {
  if (decision.action.kind !== 'run') throw new Error(`expected a run action, got ${decision.action.kind}`);
  return decision.action;
}

describe('FIFO and EDF with a fixed variant', () => {
  // q-old arrived first with a late deadline; q-urgent arrived later with an early one.
  const queue = [
    makeRequest({ id: 'q-old', arrival: -10, deadline: 500, estimates }),
    makeRequest({ id: 'q-urgent', arrival: -1, deadline: 200, estimates }),
  ];

  it('serves the oldest request first under FIFO', () => {
    const policy = createFixedVariantPolicy(QueueOrder.Fifo, FixedChoice.Accurate);
    const action = run(policy(makeState({ queue, variants, resident: ['large'] }), options));
    expect(action.requestIds).toEqual(['q-old', 'q-urgent']);
  });

  it('serves the earliest deadline first under EDF', () => {
    const policy = createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Accurate);
    const action = run(policy(makeState({ queue, variants, resident: ['large'] }), options));
    expect(action.requestIds).toEqual(['q-urgent', 'q-old']);
  });

  it('uses the most accurate or the fastest variant', () => {
    const state = makeState({ queue, variants, resident: ['large', 'small'] });
    expect(run(createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Accurate)(state, options)).variantId).toBe('large');
    expect(run(createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Fastest)(state, options)).variantId).toBe('small');
  });

  it('sizes the batch to the tightest deadline', () => {
    // On large, L(2) = 60 and L(3) = 80: with deadlines of 70, two fit and three do not.
    const tight = makeRequests(4, { deadline: 70, estimates });
    const action = run(createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Accurate)(makeState({ queue: tight, variants, resident: ['large'] }), options));
    expect(action.requestIds).toEqual(['q1', 'q2']);
  });

  it('drops what its variant cannot finish in time', () => {
    // Large needs 40 ms; small could make 30 ms, but the fixed variant is large.
    const queue = [makeRequest({ id: 'late', deadline: 30, estimates }), makeRequest({ id: 'fine', deadline: 500, estimates })];
    const decision = createFixedVariantPolicy(QueueOrder.Fifo, FixedChoice.Accurate)(makeState({ queue, variants, resident: ['large'] }), options);
    expect(decision.drops).toEqual([{ requestId: 'late', reason: DropReason.DeadlineInfeasible }]);
    expect(run(decision).requestIds).toEqual(['fine']);
  });

  it('loads its variant with evictions when it is not resident', () => {
    const budget = makeOptions({ memoryBudgetBytes: 150 });
    const queue = makeRequests(1, { estimates });
    const action = run(createFixedVariantPolicy(QueueOrder.Fifo, FixedChoice.Accurate)(makeState({ queue, variants, resident: ['small'] }), budget));
    expect(action).toMatchObject({ variantId: 'large', load: true, evict: ['small'] });
  });
});

describe('INFaaS-style selection', () => {
  it('picks the most accurate variant that fits the tightest deadline', () => {
    const queue = makeRequests(2, { deadline: 200, estimates });
    const action = run(infaasPolicy(makeState({ queue, variants, resident: ['large', 'small'] }), options));
    expect(action.variantId).toBe('large');
    expect(action.requestIds).toEqual(['q1', 'q2']);
  });

  it('falls back to a cheaper variant when the deadline is tight', () => {
    // Large needs 40 ms even alone; small serves two in 12 ms.
    const queue = makeRequests(2, { deadline: 30, estimates });
    const action = run(infaasPolicy(makeState({ queue, variants, resident: ['large', 'small'] }), options));
    expect(action.variantId).toBe('small');
    expect(action.requestIds).toEqual(['q1', 'q2']);
  });

  it('ignores the queue behind the batch', () => {
    // Eight requests with deadline 100: large fits a batch of 4 (L(4) = 100), leaving 4 to miss;
    // INFaaS still picks large because the batch itself fits.
    const queue = makeRequests(8, { deadline: 100, estimates });
    const action = run(infaasPolicy(makeState({ queue, variants, resident: ['large', 'small'] }), options));
    expect(action.variantId).toBe('large');
    expect(action.requestIds).toHaveLength(4);
  });
});

describe('Clipper-style AIMD batch sizing', () => {
  const queue = makeRequests(4, { deadline: 10_000, estimates });
  const state = makeState({ queue, variants, resident: ['large'] });
  const feedback = (size: number, late: number) => ({ variantId: 'large', application: 'app', size, start: 0, finish: 1, late });

  it('starts at a cap of one on the most accurate variant', () => {
    const policy = createClipperAimdPolicy();
    const action = run(policy.decide(state, options));
    expect(action.variantId).toBe('large');
    expect(action.requestIds).toHaveLength(1);
  });

  it('grows the cap by one after a full batch on time', () => {
    const policy = createClipperAimdPolicy();
    policy.observe(feedback(1, 0));
    policy.observe(feedback(2, 0));
    expect(policy.capOf('large')).toBe(3);
    expect(run(policy.decide(state, options)).requestIds).toHaveLength(3);
  });

  it('cuts the cap by 10% after a late batch', () => {
    const policy = createClipperAimdPolicy({ initialCap: 4 });
    policy.observe(feedback(4, 1));
    expect(policy.capOf('large')).toBeCloseTo(3.6, 12);
    expect(run(policy.decide(state, options)).requestIds).toHaveLength(3);
  });

  it('does not grow from a batch smaller than the cap', () => {
    const policy = createClipperAimdPolicy({ initialCap: 4 });
    policy.observe(feedback(2, 0));
    expect(policy.capOf('large')).toBe(4);
  });
});

describe('load-triggered switching', () => {
  const policy = createLoadSwitchingPolicy({ highWater: 4, lowWater: 1 });
  const lastLarge = new Map([['app', 'large']]);
  const lastSmall = new Map([['app', 'small']]);
  const resident = ['large', 'small'];

  it('steps down at the high-water mark', () => {
    const queue = makeRequests(4, { deadline: 10_000, estimates });
    expect(run(policy(makeState({ queue, variants, resident, lastVariant: lastLarge }), options)).variantId).toBe('small');
  });

  it('stays on its variant between the marks', () => {
    const queue = makeRequests(2, { deadline: 10_000, estimates });
    expect(run(policy(makeState({ queue, variants, resident, lastVariant: lastSmall }), options)).variantId).toBe('small');
    expect(run(policy(makeState({ queue, variants, resident, lastVariant: lastLarge }), options)).variantId).toBe('large');
  });

  it('steps up at the low-water mark', () => {
    const queue = makeRequests(1, { deadline: 10_000, estimates });
    expect(run(policy(makeState({ queue, variants, resident, lastVariant: lastSmall }), options)).variantId).toBe('large');
  });

  it('switches even when the load makes the first request late', () => {
    // Small must load (35 ms) and then needs 10 ms: 45 > 41. Large alone would make 41, so nothing
    // is dropped, but the threshold rule switches anyway.
    const loadingSmall = makeVariant({ id: 'small', latency: SMALL_LATENCY, profiledAccuracy: 0.8, loadMs: 35 });
    const queue = makeRequests(4, { deadline: 41, estimates });
    const decision = policy(makeState({ queue, variants: [loadingSmall, large], resident: ['large'], lastVariant: lastLarge }), options);

    expect(decision.drops).toEqual([]);
    expect(run(decision)).toMatchObject({ variantId: 'small', load: true, requestIds: ['q1'] });
  });

  it('rejects thresholds without a gap', () => {
    expect(() => createLoadSwitchingPolicy({ highWater: 2, lowWater: 2 })).toThrow('lowWater 2 and highWater 2');
  });
});

describe('ablations of decide', () => {
  it('fills a batch by priority instead of deadline', () => {
    // Only large runs, L(1) = 40. q-a and q-b both miss if they wait one batch (deadline < 80), so
    // each loses its estimate: 0.5 for q-a and 0.9 for q-b. q-c loses nothing by waiting.
    const onlyLarge = [large];
    const queue = [
      makeRequest({ id: 'q-a', deadline: 60, estimates: { large: 0.5 } }),
      makeRequest({ id: 'q-b', deadline: 70, estimates: { large: 0.9 } }),
      makeRequest({ id: 'q-c', deadline: 1000, estimates: { large: 0.9 } }),
    ];
    const state = makeState({ queue, variants: onlyLarge, resident: ['large'] });
    const single = makeOptions({ batchSizes: [1] });

    expect(run(decide(state, single)).requestIds).toEqual(['q-a']);
    expect(run(decideInPriorityOrder(state, single)).requestIds).toEqual(['q-b']);
  });

  it('swaps without margin where decide keeps the resident variant', () => {
    // Large is better by 0.1 per request but must load (30 ms); the margin of 0.5 keeps small.
    const loading = makeVariant({ id: 'large', latency: LARGE_LATENCY, profiledAccuracy: 0.9, loadMs: 30 });
    const queue = makeRequests(1, { deadline: 10_000, estimates });
    const state = makeState({ queue, variants: [small, loading], resident: ['small'] });

    expect(run(decide(state, options)).variantId).toBe('small');
    expect(run(decideWithoutSwapMargin(state, options))).toMatchObject({ variantId: 'large', load: true });
  });
});
