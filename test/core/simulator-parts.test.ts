import { describe, expect, it } from 'vitest';

import type { DeviceProfile } from '../../src/core/device-profile';
import { createRandom } from '../../src/core/random';
import { createCostModel } from '../../src/core/simulator/device-costs';
import { EventQueue } from '../../src/core/simulator/event-queue';
import { planAdmission } from '../../src/core/simulator/admission-lane';
import { planSneakPeekLane } from '../../src/core/simulator/sneakpeek-lane';
import { confidenceInterval95, pairedDifference95, tQuantile975 } from '../../src/core/simulator/statistics';

function profile(latencyMs: Record<string, number[]>, loadMs: number[] = [100, 300, 200]): DeviceProfile {
  return {
    measuredAt: '2026-01-01T00:00:00.000Z',
    machine: 'test',
    browser: 'none',
    provider: 'wasm',
    adapter: 'none',
    ortVersion: 'test',
    models: { model: { application: 'app', role: 'variant', loadMs, latencyMs } },
  };
}

describe('createCostModel', () => {
  const costs = createCostModel(profile({ '1': [3, 1, 2], '4': [10, 12, 14] }));

  it('plans with the median at each measured size', () => {
    expect(costs.medianLatency('model')).toEqual([
      { batchSize: 1, ms: 2 },
      { batchSize: 4, ms: 12 },
    ]);
    expect(costs.medianLoadMs('model')).toBe(200);
  });

  it('draws measured samples at a measured size', () => {
    const random = createRandom(1);
    const draws = Array.from({ length: 200 }, () => costs.drawLatency('model', 4, random));
    expect(new Set(draws)).toEqual(new Set([10, 12, 14]));
  });

  it('interpolates quantiles between measured sizes', () => {
    // Size 2 is a third of the way from 1 to 4: between 1 + (10 − 1) / 3 = 4 and 3 + (14 − 3) / 3 ≈ 6.67.
    const random = createRandom(2);
    const draws = Array.from({ length: 500 }, () => costs.drawLatency('model', 2, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...draws)).toBeLessThanOrEqual(3 + 11 / 3 + 1e-9);
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).toBeCloseTo(2 + (12 - 2) / 3, 0);
  });

  it('extrapolates past the largest measured size', () => {
    const constant = createCostModel(profile({ '1': [2], '4': [8] }));
    // Slope 2 ms per request: L(8) = 8 + 4 · 2.
    expect(constant.drawLatency('model', 8, createRandom(3))).toBeCloseTo(16, 12);
  });

  it('scales a single measured size proportionally', () => {
    const single = createCostModel(profile({ '2': [6] }));
    expect(single.drawLatency('model', 4, createRandom(4))).toBeCloseTo(12, 12);
  });

  it('leaves out pauses above ten times the median', () => {
    // Median 1; 16 is a pause, 9 is not.
    const paused = createCostModel(profile({ '1': [1, 1, 1, 9, 16] }));
    const random = createRandom(5);
    const draws = Array.from({ length: 300 }, () => paused.drawLatency('model', 1, random));
    expect(paused.pausesLeftOut).toBe(1);
    expect(Math.max(...draws)).toBe(9);
    expect(costs.pausesLeftOut).toBe(0);
  });

  it('rejects a model the profile lacks', () => {
    expect(() => costs.medianLatency('missing')).toThrow('has no measurements of model "missing"');
  });

  it('rejects a negative sample', () => {
    expect(() => createCostModel(profile({ '1': [-1] }))).toThrow('batch size 1 sample -1');
  });

  it('rejects a non-numeric batch size key', () => {
    expect(() => createCostModel(profile({ one: [1] }))).toThrow('batch size key "one"');
  });
});

describe('planSneakPeekLane', () => {
  it('batches inputs that arrive while a run is in flight', () => {
    // Runs take 1 ms plus 1 ms per input. 0 starts alone (ready 2); 0.5 and 1 wait and run
    // together from 2 (ready 5); 6 starts alone (ready 8).
    const ready = planSneakPeekLane([0, 0.5, 1, 6], 64, (size) => 1 + size);
    expect(ready).toEqual([2, 5, 5, 8]);
  });

  it('runs inputs that arrive together as one batch', () => {
    expect(planSneakPeekLane([0, 0, 0], 64, (size) => size)).toEqual([3, 3, 3]);
  });

  it('caps a batch at maxBatch', () => {
    expect(planSneakPeekLane([0, 0, 0], 2, () => 1)).toEqual([1, 1, 2]);
  });

  it('rejects unsorted arrivals', () => {
    expect(() => planSneakPeekLane([2, 1], 64, () => 1)).toThrow('Sort arrivals ascending');
  });
});

describe('planAdmission', () => {
  it('queues requests behind earlier ones', () => {
    // At 0.5 ms per request, the arrival at 0 leaves at 0.5 and the two at 0.2 queue behind it, so
    // they leave at 1 and 1.5. The lane is free again when the arrival at 5 comes, so it leaves at 5.5.
    expect(planAdmission([0, 0.2, 0.2, 5], 0.5)).toEqual([0.5, 1, 1.5, 5.5]);
  });

  it('admits at arrival without cost', () => {
    expect(planAdmission([0, 0, 3], 0)).toEqual([0, 0, 3]);
  });

  it('rejects a negative cost and unsorted arrivals', () => {
    expect(() => planAdmission([0], -1)).toThrow('Request cost is -1 ms');
    expect(() => planAdmission([2, 1], 0.1)).toThrow('Sort arrivals ascending');
  });
});

describe('EventQueue', () => {
  it('pops by time, then by insertion order', () => {
    const queue = new EventQueue<string>();
    queue.push(5, 'late');
    queue.push(1, 'first');
    queue.push(1, 'second');
    queue.push(3, 'middle');
    const order: string[] = [];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) order.push(next.event);
    expect(order).toEqual(['first', 'second', 'middle', 'late']);
  });
});

describe('statistics', () => {
  it('computes a t interval by hand', () => {
    // Values 1, 2, 3: mean 2, sd 1, half-width 4.303 / √3.
    const interval = confidenceInterval95([1, 2, 3]);
    expect(interval.mean).toBe(2);
    expect(interval.sd).toBeCloseTo(1, 12);
    expect(interval.halfWidth).toBeCloseTo(4.303 / Math.sqrt(3), 12);
  });

  it('pairs differences by position', () => {
    const interval = pairedDifference95([1.1, 2.1, 3.1], [1, 2, 3]);
    expect(interval.mean).toBeCloseTo(0.1, 12);
    expect(interval.halfWidth).toBeCloseTo(0, 12);
  });

  it('approaches the normal quantile for many degrees of freedom', () => {
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(31)).toBeCloseTo(2.04, 2);
    expect(tQuantile975(10_000)).toBeCloseTo(1.96, 2);
  });

  it('leaves the interval open for one seed', () => {
    expect(Number.isNaN(confidenceInterval95([0.5]).halfWidth)).toBe(true);
  });
});
