import { describe, expect, it } from 'vitest';
import { refineLatency } from '../../src/core/latency-refinement.js';

const profile = [
  { batchSize: 1, ms: 10 },
  { batchSize: 4, ms: 16 },
];

describe('refineLatency', () => {
  it('moves a measured point toward the observation', () => {
    // 0.8 × 10 + 0.2 × 20 = 12.
    expect(refineLatency(profile, 1, 20)).toEqual([
      { batchSize: 1, ms: 12 },
      { batchSize: 4, ms: 16 },
    ]);
  });

  it('adds a point for an unmeasured batch size', () => {
    // L(2) interpolates to 12; 0.8 × 12 + 0.2 × 22 = 14.
    const refined = refineLatency(profile, 2, 22);
    expect(refined.map((point) => point.batchSize)).toEqual([1, 2, 4]);
    expect(refined[1]!.ms).toBeCloseTo(14, 12);
  });

  it('converges to a steady observation', () => {
    let refined = profile;
    for (let run = 0; run < 60; run++) refined = refineLatency(refined, 4, 30);
    expect(refined[1]!.ms).toBeCloseTo(30, 3);
  });

  it('leaves the input profile unchanged', () => {
    refineLatency(profile, 1, 20);
    expect(profile[0]!.ms).toBe(10);
  });

  it.each([
    ['a negative time', -1, 0.2, 'Observed batch time -1 ms is invalid'],
    ['a weight of 0', 5, 0, 'Refinement weight 0 is out of range'],
  ])('rejects %s', (_, observed, weight, message) => {
    expect(() => refineLatency(profile, 1, observed, weight)).toThrow(message);
  });
});
