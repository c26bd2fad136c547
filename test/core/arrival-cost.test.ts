import { describe, expect, it } from 'vitest';

import { arrivalCostFunction, DeadlineWindows } from '../../src/core/arrival-cost';
import type { VariantState } from '../../src/core/decision-context';
import type { TrafficEstimate } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { createRandom } from '../../src/core/random';
import { MIN_TRAFFIC_SAMPLES, TrafficTracker } from '../../src/core/traffic';
import { makeOptions, makeRequests, makeState, makeVariant } from './fixtures';

/** Builds a resident variant state with `L(1)` = `fastestMs` and the given profiled accuracy. */
function variantState(fastestMs: number, profiledAccuracy: number): VariantState {
  return {
    profile: makeVariant({ id: `v-${fastestMs}`, profiledAccuracy }),
    latency: [0, fastestMs],
    sizes: [1],
    fullBatch: 1,
    resident: true,
    swapMs: 0,
    evictionPosition: 0,
  };
}

function traffic(ratePerMs: number, relativeDeadlinesMs: number[], meanWeight = 1): Map<string, TrafficEstimate> {
  return new Map([['app', { ratePerMs, relativeDeadlinesMs, meanWeight }]]);
}

describe('arrivalCostFunction', () => {
  // λ = 0.5 per ms, A = 0.9, s = 2 ms, relative deadlines 5 and 20 ms.
  const cost = arrivalCostFunction(traffic(0.5, [20, 5]), new Map([['app', [variantState(2, 0.9), variantState(8, 0.7)]]]));

  it('costs nothing when every arrival can wait', () => {
    // D = 2: 2 + 2 − 5 < 0 and 2 + 2 − 20 < 0.
    expect(cost(2)).toBe(0);
  });

  it('counts the overlap of a tight deadline', () => {
    // D = 10: clamp(7, 0, 10) for r = 5 and 0 for r = 20, mean 3.5; 0.5 × 0.9 × 3.5.
    expect(cost(10)).toBeCloseTo(1.575, 12);
  });

  it('caps each overlap at the duration', () => {
    // D = 30: 27 for r = 5, 12 for r = 20, mean 19.5; 0.5 × 0.9 × 19.5.
    expect(cost(30)).toBeCloseTo(8.775, 12);
  });

  it('loses the whole duration for deadlines below the fastest latency', () => {
    const tight = arrivalCostFunction(traffic(1, [1, 2], 2), new Map([['app', [variantState(2, 0.5)]]]));
    // Both deadlines are at most s = 2, so each loses all of D = 10; 1 × 2 × 0.5 × 10.
    expect(tight(10)).toBeCloseTo(10, 12);
  });

  it('costs nothing without traffic or variants', () => {
    expect(arrivalCostFunction(undefined, new Map())(100)).toBe(0);
    expect(arrivalCostFunction(traffic(1, [1]), new Map())(100)).toBe(0);
  });
});

describe('DeadlineWindows', () => {
  it('matches a new sort as the window slides', () => {
    const random = createRandom(9);
    const tracker = new TrafficTracker(32);
    const kept = new DeadlineWindows();
    let time = 0;
    for (let step = 0; step < 400; step += 1) {
      // Zero to forty arrivals per step, so the window grows, slides a little, or turns over.
      const arrivals = random.integer(0, step % 50 === 0 ? 40 : 6);
      for (let count = 0; count < arrivals; count += 1) {
        time += random.uniform();
        // Whole milliseconds, so equal values are common.
        tracker.observe('app', time, time + random.integer(1, 30), 1);
      }
      const window = tracker.snapshot(time + 1).get('app')?.relativeDeadlinesMs;
      if (window === undefined) continue;

      const updated = kept.sorted('app', window);
      const fresh = new DeadlineWindows().sorted('app', window);
      expect([...updated.deadlines], `step ${step}`).toEqual([...fresh.deadlines]);
      expect([...updated.prefix.subarray(0, window.length + 1)], `step ${step}`).toEqual([...fresh.prefix.subarray(0, window.length + 1)]);
    }
  });

  it('sorts an unrelated window afresh', () => {
    const windows = new DeadlineWindows();
    windows.sorted('app', [5, 1, 3]);

    expect([...windows.sorted('app', [9, 2, 7, 2]).deadlines]).toEqual([2, 2, 7, 9]);
  });
});

describe('TrafficTracker', () => {
  it('estimates the rate from the window and now', () => {
    const tracker = new TrafficTracker(32);
    for (let index = 0; index < MIN_TRAFFIC_SAMPLES; index += 1) tracker.observe('app', index * 2, index * 2 + 10, 1);
    const estimate = tracker.snapshot(40).get('app');
    // 16 requests from time 0 to now = 40.
    expect(estimate?.ratePerMs).toBeCloseTo(MIN_TRAFFIC_SAMPLES / 40, 12);
    expect(estimate?.relativeDeadlinesMs).toHaveLength(MIN_TRAFFIC_SAMPLES);
    expect(estimate?.meanWeight).toBe(1);
    // The rate decays while nothing arrives.
    expect(tracker.snapshot(80).get('app')?.ratePerMs).toBeCloseTo(MIN_TRAFFIC_SAMPLES / 80, 12);
  });

  it('leaves out an application with few requests', () => {
    const tracker = new TrafficTracker();
    for (let index = 0; index < MIN_TRAFFIC_SAMPLES - 1; index += 1) tracker.observe('app', index, index + 10, 1);
    expect(tracker.snapshot(100).has('app')).toBe(false);
  });

  it('keeps only the most recent window', () => {
    const tracker = new TrafficTracker(20);
    for (let index = 0; index < 50; index += 1) tracker.observe('app', index, index + (index < 30 ? 5 : 50), 1);
    const estimate = tracker.snapshot(50);
    expect(estimate.get('app')?.relativeDeadlinesMs).toEqual(Array<number>(20).fill(50));
    expect(estimate.get('app')?.ratePerMs).toBeCloseTo(20 / 20, 12);
  });

  it('rejects a window below two requests', () => {
    expect(() => new TrafficTracker(1)).toThrow(/Traffic window is 1 requests/);
  });
});

describe('decide with anticipated arrivals', () => {
  // One resident variant, L(b) = 10 + 2 (b − 1) ms, and four requests whose deadlines are far off.
  const state = makeState({
    queue: makeRequests(4, { estimates: { fast: 0.8 } }),
    variants: [makeVariant({ id: 'fast' })],
    resident: ['fast'],
  });
  const runSize = (anticipateArrivals: boolean, withTraffic: boolean): number => {
    const decision = decide({ ...state, traffic: withTraffic ? traffic(1, Array<number>(16).fill(12)) : undefined }, makeOptions({ anticipateArrivals }));
    return decision.action.kind === 'run' ? decision.action.requestIds.length : 0;
  };

  it('runs the full batch when no arrivals are expected', () => {
    expect(runSize(true, false)).toBe(4);
  });

  it('runs a shorter batch when tight arrivals are expected', () => {
    // A batch of 4 (16 ms) would make arrivals with 12 ms deadlines late; a batch of 1 (10 ms) would not.
    expect(runSize(true, true)).toBe(1);
  });

  it('ignores the traffic when the option is off', () => {
    expect(runSize(false, true)).toBe(4);
  });
});
