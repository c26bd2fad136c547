import { describe, expect, it } from 'vitest';
import { capacityPerSecond, planWorkload, type WorkloadSpec } from '../../src/core/workload.js';

const spec: WorkloadSpec = {
  phases: [
    { name: 'light', requests: 2000, loadFactor: 0.5 },
    { name: 'heavy', requests: 2000, loadFactor: 2 },
  ],
  capacityPerSecond: 100,
  deadlineMs: 50,
  seed: 7,
  firstRecord: 9990,
  recordCount: 10000,
};

describe('planWorkload', () => {
  it('replays identically for the same seed', () => {
    expect(planWorkload(spec)).toEqual(planWorkload(spec));
  });

  it('differs for another seed', () => {
    expect(planWorkload({ ...spec, seed: 8 })[0]!.offsetMs).not.toBe(planWorkload(spec)[0]!.offsetMs);
  });

  it('arrives at the phase rate on average', () => {
    const planned = planWorkload(spec);
    const light = planned.filter((request) => request.phase === 'light');
    const heavy = planned.filter((request) => request.phase === 'heavy');
    // Load 0.5 of 100/s is a mean gap of 20 ms; load 2 is 5 ms. The mean of 2000 exponential gaps
    // has a standard error of 1/√2000 ≈ 2.2% of the mean, so allow 9% (four standard errors).
    const lightGap = light.at(-1)!.offsetMs / light.length;
    const heavyGap = (heavy.at(-1)!.offsetMs - light.at(-1)!.offsetMs) / heavy.length;
    expect(lightGap).toBeGreaterThan(20 * 0.91);
    expect(lightGap).toBeLessThan(20 * 1.09);
    expect(heavyGap).toBeGreaterThan(5 * 0.91);
    expect(heavyGap).toBeLessThan(5 * 1.09);
  });

  it('takes records in order and wraps at the end', () => {
    const planned = planWorkload(spec);
    expect(planned.slice(0, 3).map((request) => request.record)).toEqual([9990, 9991, 9992]);
    expect(planned[10]!.record).toBe(0);
  });

  it('keeps arrivals in time order', () => {
    const offsets = planWorkload(spec).map((request) => request.offsetMs);
    expect(offsets.every((offset, index) => index === 0 || offset >= offsets[index - 1]!)).toBe(true);
  });

  it.each([
    ['capacityPerSecond', { capacityPerSecond: 0 }, 'capacityPerSecond is 0'],
    ['deadlineMs', { deadlineMs: -1 }, 'deadlineMs is -1'],
    ['recordCount', { recordCount: 0 }, 'recordCount is 0'],
    ['a phase', { phases: [{ name: 'burst', requests: 1.5, loadFactor: 1 }] }, 'phase "burst" has requests 1.5'],
  ])('rejects an invalid %s', (_, change, message) => {
    expect(() => planWorkload({ ...spec, ...change })).toThrow(message);
  });
});

describe('capacityPerSecond', () => {
  it('takes the best throughput over batch sizes', () => {
    // 1 per 10 ms = 100/s; 8 per 40 ms = 200/s; 32 per 200 ms = 160/s.
    const capacity = capacityPerSecond([
      { batchSize: 1, ms: 10 },
      { batchSize: 8, ms: 40 },
      { batchSize: 32, ms: 200 },
    ]);
    expect(capacity).toBeCloseTo(200, 9);
  });
});
