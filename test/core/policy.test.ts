import { describe, expect, it } from 'vitest';

import { DropReason, type QueuedRequest, type RunAction, type Decision } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { createRandom } from '../../src/core/random';
import {
  LARGE_LATENCY,
  SMALL_LATENCY,
  makeOptions,
  makeRequest,
  makeRequests,
  makeState,
  makeVariant,
} from './fixtures';
import { simulate } from './simulate';

// Two variants of one application, both resident unless a test sets otherwise.
// small: L(1..4) = 10, 12, 14, 16 ms; large: L(1..4) = 40, 60, 80, 100 ms.
const small = makeVariant({ id: 'small', latency: SMALL_LATENCY });
const large = makeVariant({ id: 'large', latency: LARGE_LATENCY });
const bothEstimates = { small: 0.8, large: 0.95 };

function runAction(decision: Decision): RunAction {
  if (decision.action.kind !== 'run') throw new Error(`expected a run action, got ${decision.action.kind}`);
  return decision.action;
}

describe('decide under light load', () => {
  it('batches loose requests on the most accurate variant', () => {
    // Three requests due at 1000. large b=3: 3 × 0.95 = 2.85, finishing at 80.
    // large b=1 scores the same (0.95 + a roll-out batch of 2 at 100, 1.9), so the larger batch wins.
    // small b=3 scores only 3 × 0.8 = 2.4.
    const state = makeState({
      queue: makeRequests(3, { estimates: bothEstimates }),
      variants: [small, large],
      resident: ['small', 'large'],
    });

    const action = runAction(decide(state, makeOptions()));

    expect(action.variantId).toBe('large');
    expect(action.requestIds).toEqual(['q1', 'q2', 'q3']);
    expect(action.score).toBeCloseTo(2.85, 12);
  });

  it('serves every request with its own most accurate variant', () => {
    // One request every 200 ms, each due 150 ms after arrival: never two in the queue at once.
    // Per-request estimates differ, so for some requests the small variant is the more accurate.
    const random = createRandom(7);
    const trace: QueuedRequest[] = Array.from({ length: 60 }, (_, index) =>
      makeRequest({
        id: `r${index}`,
        arrival: index * 200,
        deadline: index * 200 + 150,
        estimates: { small: 0.5 + 0.5 * random.uniform(), large: 0.5 + 0.5 * random.uniform() },
      }),
    );
    const estimatesById = new Map(trace.map((request) => [request.id, request.estimates]));

    const result = simulate({ trace, variants: [small, large], options: makeOptions(), resident: new Map([['small', 0], ['large', 0]]) });

    expect(result.droppedIds).toEqual([]);
    expect(result.served).toHaveLength(60);
    for (const served of result.served) {
      const estimates = estimatesById.get(served.requestId) ?? {};
      const best = (estimates.large ?? 0) >= (estimates.small ?? 0) ? 'large' : 'small';
      expect(served.variantId, `request ${served.requestId}`).toBe(best);
    }
  });
});

describe('decide under heavy load', () => {
  it('downgrades to the cheaper variant when the accurate one would miss deadlines', () => {
    // Eight requests, all due at 60.
    // large b=2 finishes at 60: 2 × 0.95 = 1.9, and the roll-out of six more on large is all late.
    // large b=3 and b=4 finish after 60 and have no eligible members.
    // small b=4 finishes at 16: 3.2, plus a roll-out batch of 4 finishing at 32: 3.2, total 6.4.
    // small b=1..3 also total 6.4, so the larger batch wins.
    const state = makeState({
      queue: makeRequests(8, { deadline: 60, estimates: bothEstimates }),
      variants: [small, large],
      resident: ['small', 'large'],
    });

    const action = runAction(decide(state, makeOptions()));

    expect(action.variantId).toBe('small');
    expect(action.requestIds).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect(action.score).toBeCloseTo(6.4, 12);
  });

  it('moves most requests to the cheap variant at three times capacity', () => {
    // large serves at most 4 requests per 100 ms (one per 25 ms); small serves 4 per 16 ms.
    // One arrival every 8 ms is three times large's capacity and half of small's.
    const trace = Array.from({ length: 300 }, (_, index) =>
      makeRequest({ id: `r${index}`, arrival: index * 8, deadline: index * 8 + 100, estimates: bothEstimates }),
    );

    const result = simulate({ trace, variants: [small, large], options: makeOptions(), resident: new Map([['small', 0], ['large', 0]]) });
    const onSmall = result.served.filter((served) => served.variantId === 'small').length;

    expect(onSmall).toBeGreaterThan(result.served.length / 2);
    expect(result.droppedIds.length).toBeLessThan(trace.length / 10);
  });
});

describe('decide drops', () => {
  it.each([
    // small alone finishes at 10, large at 40.
    { deadline: 5, dropped: true },
    { deadline: 9.999, dropped: true },
    { deadline: 10, dropped: false },
  ])('request due at $deadline dropped: $dropped', ({ deadline, dropped }) => {
    const state = makeState({
      queue: [makeRequest({ id: 'q', deadline, estimates: bothEstimates })],
      variants: [small, large],
      resident: ['small', 'large'],
    });

    const decision = decide(state, makeOptions());

    expect(decision.drops).toEqual(dropped ? [{ requestId: 'q', reason: DropReason.DeadlineInfeasible }] : []);
  });

  it.each([
    // small is not resident and needs a 20 ms load: alone it finishes at 30. large finishes at 40.
    { deadline: 30, dropped: false },
    { deadline: 29, dropped: true },
  ])('counts the load cost when request is due at $deadline', ({ deadline, dropped }) => {
    const state = makeState({
      queue: [makeRequest({ id: 'q', deadline, estimates: bothEstimates })],
      variants: [makeVariant({ id: 'small', latency: SMALL_LATENCY, loadMs: 20 }), large],
      resident: ['large'],
    });

    const decision = decide(state, makeOptions());

    expect(decision.drops.map((drop) => drop.requestId)).toEqual(dropped ? ['q'] : []);
  });

  it('goes idle when every request is dropped', () => {
    const state = makeState({
      queue: [makeRequest({ id: 'q', deadline: 5, estimates: bothEstimates })],
      variants: [small, large],
      resident: ['small', 'large'],
    });

    const decision = decide(state, makeOptions());

    expect(decision.action).toEqual({ kind: 'idle' });
    expect(decision.priorities.size).toBe(0);
  });

  it('goes idle on an empty queue', () => {
    const decision = decide(makeState({ queue: [], variants: [small] }), makeOptions());

    expect(decision).toEqual({ drops: [], action: { kind: 'idle' }, priorities: new Map(), swapGains: new Map() });
  });
});

describe('decide batching', () => {
  // q1 is due at 12, q2..q5 at 20; only the small variant exists.
  // b=1 [q1] at 10: 0.8, then q2..q5 as one batch finishing at 26, all late: 0.8.
  // b=2 [q1, q2] at 12: 1.6, then q3..q5 finishing at 26, late: 1.6.
  // b=3 at 14 skips q1 (due at 12): [q2, q3, q4] 2.4, then [q1, q5] finishing at 26, late: 2.4.
  // b=4 at 16 skips q1: [q2..q5] 3.2, then q1 finishing at 26, late: 3.2.
  const urgentFirst = [
    makeRequest({ id: 'q1', arrival: -5, deadline: 12, estimates: { small: 0.8 } }),
    ...['q2', 'q3', 'q4', 'q5'].map((id, index) => makeRequest({ id, arrival: index - 4, deadline: 20, estimates: { small: 0.8 } })),
  ];

  it('does not let the most urgent request cap the batch size', () => {
    const state = makeState({ queue: urgentFirst, variants: [small], resident: ['small'] });

    const decision = decide(state, makeOptions());
    const action = runAction(decision);

    expect(action.requestIds).toEqual(['q2', 'q3', 'q4', 'q5']);
    expect(action.score).toBeCloseTo(3.2, 12);
    expect(decision.drops).toEqual([]);
  });

  it('charges the drop penalty for requests the roll-out finishes late', () => {
    // With dropPenalty 1 the late roll-out requests cost 1 each:
    // b=1: 0.8 − 4 = −3.2; b=2: 1.6 − 3 = −1.4; b=3: 2.4 − 2 = 0.4; b=4: 3.2 − 1 = 2.2.
    const state = makeState({ queue: urgentFirst, variants: [small], resident: ['small'] });

    const action = runAction(decide(state, makeOptions({ dropPenalty: 1 })));

    expect(action.requestIds).toEqual(['q2', 'q3', 'q4', 'q5']);
    expect(action.score).toBeCloseTo(2.2, 12);
  });

  it('only uses the configured batch sizes', () => {
    // With sizes [1, 2] the best is b=2 [q1, q2] at 12: 1.6, then q3, q4 at 24 and q5 at 34, all
    // late. b=1 scores 0.8 and the rest is late too.
    const state = makeState({ queue: urgentFirst, variants: [small], resident: ['small'] });

    const action = runAction(decide(state, makeOptions({ batchSizes: [1, 2] })));

    expect(action.requestIds).toEqual(['q1', 'q2']);
  });

  it('keeps every member of the chosen batch within its deadline', () => {
    const state = makeState({ now: 100, queue: urgentFirst.map((request) => ({ ...request, arrival: 100 + request.arrival, deadline: 100 + request.deadline })), variants: [small], resident: ['small'] });

    const action = runAction(decide(state, makeOptions()));

    const byId = new Map(state.queue.map((request) => [request.id, request]));
    for (const id of action.requestIds) {
      expect(100 + action.expectedDurationMs, id).toBeLessThanOrEqual(byId.get(id)?.deadline ?? -Infinity);
    }
  });
});

describe('decide swaps', () => {
  const loose = makeRequests(4, { estimates: { resident: 0.8, loaded: 0.9 } });

  it('prefers a resident variant over an equal one that needs a load', () => {
    // Same latency, same estimates, zero load cost and zero margin: the scores tie at 3.6.
    const state = makeState({
      queue: makeRequests(4, { estimates: { resident: 0.9, loaded: 0.9 } }),
      variants: [makeVariant({ id: 'resident' }), makeVariant({ id: 'loaded' })],
      resident: ['resident'],
    });

    const action = runAction(decide(state, makeOptions({ swapMargin: 0 })));

    expect(action.variantId).toBe('resident');
    expect(action.load).toBe(false);
  });

  it.each([
    // Batch of 4: the resident variant scores 4 × 0.8 = 3.2, the loaded one 4 × 0.9 = 3.6 after a
    // 5 ms load, all well before the deadline of 1000. The estimated gain is 0.4.
    { swapMargin: 0.5, variantId: 'resident', load: false },
    { swapMargin: 0.41, variantId: 'resident', load: false },
    { swapMargin: 0.39, variantId: 'loaded', load: true },
    { swapMargin: 0, variantId: 'loaded', load: true },
  ])('with swap margin $swapMargin runs $variantId', ({ swapMargin, variantId, load }) => {
    const state = makeState({
      queue: loose,
      variants: [makeVariant({ id: 'resident' }), makeVariant({ id: 'loaded', loadMs: 5 })],
      resident: ['resident'],
    });

    const action = runAction(decide(state, makeOptions({ swapMargin })));

    expect(action.variantId).toBe(variantId);
    expect(action.load).toBe(load);
  });

  it('counts the load cost in the expected duration', () => {
    const state = makeState({
      queue: loose,
      variants: [makeVariant({ id: 'resident' }), makeVariant({ id: 'loaded', loadMs: 5 })],
      resident: ['resident'],
    });

    const action = runAction(decide(state, makeOptions({ swapMargin: 0 })));

    // 5 ms load plus L(4) = 16 ms.
    expect(action.expectedDurationMs).toBe(21);
  });

  it('loads without a margin when no resident variant can serve', () => {
    // Gain over nothing: the only candidates need a load, so the 0.5 margin does not apply.
    const state = makeState({
      queue: makeRequests(1, { estimates: { loaded: 0.3 } }),
      variants: [makeVariant({ id: 'loaded', loadMs: 5 })],
    });

    const action = runAction(decide(state, makeOptions()));

    expect(action.variantId).toBe('loaded');
    expect(action.load).toBe(true);
  });

  it('never picks a variant larger than the memory budget', () => {
    // "huge" is more accurate but does not fit 1000 bytes.
    const state = makeState({
      queue: makeRequests(1, { estimates: { fits: 0.5, huge: 0.99 } }),
      variants: [makeVariant({ id: 'fits' }), makeVariant({ id: 'huge', footprintBytes: 1001 })],
    });

    const action = runAction(decide(state, makeOptions({ swapMargin: 0 })));

    expect(action.variantId).toBe('fits');
  });
});

describe('decide evictions', () => {
  // Budget 100. x1 and y1 (40 bytes each) are resident; w1 (50 bytes, 10 ms load) is not, so
  // loading w1 must evict one of them (80 + 50 = 130 > 100, 40 + 50 = 90 <= 100).
  const x1 = makeVariant({ id: 'x1', application: 'x', footprintBytes: 40 });
  const y1 = makeVariant({ id: 'y1', application: 'y', footprintBytes: 40 });
  const w1 = makeVariant({ id: 'w1', application: 'w', footprintBytes: 50, loadMs: 10 });
  const resident = new Map([
    ['x1', 5],
    ['y1', 1],
  ]);

  it('evicts the least recently used when queued values tie', () => {
    // Nothing is queued for x or y, so both have queued value 0; y1 was used at 1, x1 at 5.
    const state = makeState({
      queue: [makeRequest({ id: 'w', application: 'w', estimates: { w1: 0.9 } })],
      variants: [x1, y1, w1],
      resident,
    });

    const action = runAction(decide(state, makeOptions({ memoryBudgetBytes: 100 })));

    expect(action.variantId).toBe('w1');
    expect(action.evict).toEqual(['y1']);
  });

  it('evicts the variant with the least queued expected value', () => {
    // A queued y request gives y1 value 0.9, so x1 (value 0) goes although it was used later.
    // w is due at 25: running y first (y1 at 10) leaves w to finish at 10 + 10 + 10 = 30, late,
    // scoring 0.9. Loading w1 first finishes w at 20 and y at 30: 1.8, a gain of 0.9 > 0.5.
    const state = makeState({
      queue: [
        makeRequest({ id: 'w', application: 'w', deadline: 25, estimates: { w1: 0.9 } }),
        makeRequest({ id: 'y', application: 'y', estimates: { y1: 0.9 } }),
      ],
      variants: [x1, y1, w1],
      resident,
    });

    const action = runAction(decide(state, makeOptions({ memoryBudgetBytes: 100 })));

    expect(action.variantId).toBe('w1');
    expect(action.evict).toEqual(['x1']);
    expect(action.score).toBeCloseTo(1.8, 12);
  });
});

describe('decide roll-out', () => {
  // Application a has one variant (10 ms, 0.9); application b has fast (10 ms, 0.6) and slow
  // (100 ms, 0.9). Request a is due at 15, request b at 60. The a candidate wins, because every b
  // candidate makes a late (b-fast finishes at 10 and a then at 20). Its score is 0.9 plus the
  // roll-out of b from time 10 on b's roll-out variant.
  const aOnly = makeVariant({ id: 'a-only', application: 'a' });
  const queue = [
    makeRequest({ id: 'qa', application: 'a', deadline: 15, estimates: { 'a-only': 0.9 } }),
    makeRequest({ id: 'qb', application: 'b', deadline: 60, estimates: { 'b-fast': 0.6, 'b-slow': 0.9 } }),
  ];

  it.each([
    // No history: b rolls out on its cheapest, b-fast, finishing at 20: 0.9 + 0.6.
    { name: 'the cheapest variant before the application has run', lastVariant: undefined, fastLoadMs: 0, score: 1.5 },
    // b-slow ran last: it finishes b at 110, late: 0.9 + 0.
    { name: 'the variant the application ran last', lastVariant: 'b-slow', fastLoadMs: 0, score: 0.9 },
    // b-fast is not resident and loads in 45 ms: b finishes at 10 + 45 + 10 = 65, late.
    { name: 'the load cost of a variant that is not resident', lastVariant: undefined, fastLoadMs: 45, score: 0.9 },
  ])('values other applications with $name', ({ lastVariant, fastLoadMs, score }) => {
    const bFast = makeVariant({ id: 'b-fast', application: 'b', loadMs: fastLoadMs });
    const bSlow = makeVariant({ id: 'b-slow', application: 'b', latency: [{ batchSize: 1, ms: 100 }] });
    const state = makeState({
      queue,
      variants: [aOnly, bFast, bSlow],
      resident: fastLoadMs === 0 ? ['a-only', 'b-fast', 'b-slow'] : ['a-only', 'b-slow'],
      lastVariant: lastVariant === undefined ? new Map() : new Map([['b', lastVariant]]),
    });

    const action = runAction(decide(state, makeOptions()));

    expect(action.variantId).toBe('a-only');
    expect(action.score).toBeCloseTo(score, 12);
  });
});

describe('decide queue delay', () => {
  it.each([
    // now 100; the large variant alone takes 40 ms; maxBatch 4.
    { name: 'waits for a fuller batch while the oldest request is young', delay: 20, arrival: 95, deadline: 1000, count: 1, until: 115 },
    { name: 'runs when the oldest request has waited the full delay', delay: 20, arrival: 80, deadline: 1000, count: 1, until: undefined },
    // Waiting until 115 would finish at 155, after the deadline of 150.
    { name: 'runs when waiting would break a deadline', delay: 20, arrival: 95, deadline: 150, count: 1, until: undefined },
    { name: 'runs a full batch at once', delay: 20, arrival: 95, deadline: 1000, count: 4, until: undefined },
    { name: 'runs at once without a queue delay', delay: 0, arrival: 95, deadline: 1000, count: 1, until: undefined },
  ])('$name', ({ delay, arrival, deadline, count, until }) => {
    const state = makeState({
      now: 100,
      queue: makeRequests(count, { estimates: { large: 0.95 } }).map((request, index) => ({ ...request, arrival: arrival + index, deadline })),
      variants: [large],
      resident: ['large'],
    });

    const decision = decide(state, makeOptions({ maxQueueDelayMs: delay }));

    expect(decision.action).toEqual(until === undefined ? expect.objectContaining({ kind: 'run' }) : { kind: 'wait', until });
  });
});

describe('decide priorities', () => {
  it('equal the weighted accuracy lost by waiting for the chosen batch', () => {
    // q1 (weight 2) is due at 50, q2 at 1000. Both variants are resident.
    // large b=1 runs q1 in 40 ms: 2 × 0.95 + q2 on large at 80: 0.95 = 2.85; small b=2 scores 2.4.
    // Δ = 40. q1: V(0) = 0.95; at 40 only small (finishing at 50) remains: V(40) = 0.8, so
    // priority 2 × (0.95 − 0.8) = 0.3. q2: V(0) = V(40) = 0.95, priority 0.
    const state = makeState({
      queue: [
        makeRequest({ id: 'q1', weight: 2, deadline: 50, estimates: bothEstimates }),
        makeRequest({ id: 'q2', deadline: 1000, estimates: bothEstimates }),
      ],
      variants: [small, large],
      resident: ['small', 'large'],
    });

    const decision = decide(state, makeOptions());

    expect(runAction(decision).requestIds).toEqual(['q1']);
    expect(decision.priorities.get('q1')).toBeCloseTo(0.3, 12);
    expect(decision.priorities.get('q2')).toBe(0);
  });
});

describe('decide soft deadlines', () => {
  it('serves within the grace period at a decayed value', () => {
    // Due at 5 with 20 ms grace: small finishes at 10, 5 ms late, keeping 1 − 5/20 = 0.75 of 0.8,
    // minus the miss penalty 0.1: 0.5.
    const state = makeState({
      queue: [makeRequest({ id: 'q', deadline: 5, estimates: { small: 0.8 } })],
      variants: [small],
      resident: ['small'],
    });

    const decision = decide(state, makeOptions({ graceMs: 20, missPenalty: 0.1 }));

    expect(decision.drops).toEqual([]);
    expect(runAction(decision).score).toBeCloseTo(0.5, 12);
  });

  it('drops a request that cannot finish before its grace period ends', () => {
    const state = makeState({
      queue: [makeRequest({ id: 'q', deadline: -15, arrival: -20, estimates: { small: 0.8 } })],
      variants: [small],
      resident: ['small'],
    });

    // Due at -15 with 20 ms grace: the last useful finish is 5, but small needs until 10.
    const decision = decide(state, makeOptions({ graceMs: 20 }));

    expect(decision.drops).toEqual([{ requestId: 'q', reason: DropReason.DeadlineInfeasible }]);
  });
});

describe('decide input validation', () => {
  it.each([
    {
      name: 'a missing estimate',
      queue: [makeRequest({ id: 'q', estimates: { small: 0.8 } })],
      message: /Request "q" has accuracy estimate undefined for variant "large"/,
    },
    {
      name: 'an estimate above 1',
      queue: [makeRequest({ id: 'q', estimates: { small: 1.2, large: 0.9 } })],
      message: /Request "q" has accuracy estimate 1.2 for variant "small"/,
    },
    {
      name: 'an unknown application',
      queue: [makeRequest({ id: 'q', application: 'nope', estimates: {} })],
      message: /application "nope", which has no variant/,
    },
    {
      name: 'a duplicate request id',
      queue: [makeRequest({ id: 'q', estimates: bothEstimates }), makeRequest({ id: 'q', estimates: bothEstimates })],
      message: /Request id "q" is queued twice/,
    },
    {
      name: 'an arrival after now',
      queue: [makeRequest({ id: 'q', arrival: 3, estimates: bothEstimates })],
      message: /Request "q" has arrival 3 but now is 0/,
    },
  ])('rejects $name', ({ queue, message }) => {
    const state = makeState({ queue, variants: [small, large], resident: ['small', 'large'] });

    expect(() => decide(state, makeOptions())).toThrow(message);
  });

  it('rejects one request object queued twice', () => {
    const request = makeRequest({ id: 'q', estimates: bothEstimates });
    const state = makeState({ queue: [request, request], variants: [small, large], resident: ['small', 'large'] });

    expect(() => decide(state, makeOptions())).toThrow(/Request id "q" is queued twice/);
  });

  it('rejects a resident variant that is not in the state', () => {
    const state = makeState({ queue: [], variants: [small], resident: ['ghost'] });

    expect(() => decide(state, makeOptions())).toThrow(/Resident variant "ghost" is not in state.variants/);
  });

  it('rejects a lastVariant of another application', () => {
    const state = makeState({ queue: [], variants: [small], lastVariant: new Map([['other', 'small']]) });

    expect(() => decide(state, makeOptions())).toThrow(/lastVariant maps application "other" to "small"/);
  });
});
