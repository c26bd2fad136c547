import { describe, expect, it } from 'vitest';
import { quantileOf, refineLatency } from '../../src/core/latency-refinement.js';

const profile = [
  { batchSize: 1, ms: 10 },
  { batchSize: 4, ms: 16 },
];

describe('refineLatency', () => {
  it('moves a measured point up toward a slower observation', () => {
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

  it('moves down toward a faster observation with the smaller weight', () => {
    // Weight 0.2 × (1 − 0.95) / 0.95 = 1 / 95: 10 − 5 / 95.
    expect(refineLatency(profile, 1, 5)[0]!.ms).toBeCloseTo(10 - 5 / 95, 12);
  });

  it('moves symmetrically at the median', () => {
    expect(refineLatency(profile, 1, 5, 0.2, 0.5)[0]!.ms).toBeCloseTo(9, 12);
  });

  it('settles above the mean of alternating times', () => {
    // Times alternate 10 and 20: the 0.95-expectile m solves 0.95 (20 − m) = 0.05 (m − 10), m = 19.5.
    let refined: readonly { batchSize: number; ms: number }[] = profile;
    for (let run = 0; run < 4000; run++) refined = refineLatency(refined, 1, run % 2 === 0 ? 10 : 20, 0.01);
    expect(refined[0]!.ms).toBeGreaterThan(19);
    expect(refined[0]!.ms).toBeLessThan(20);
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

  it('rejects a quantile below the median', () => {
    expect(() => refineLatency(profile, 1, 5, 0.2, 0.3)).toThrow('Planning quantile 0.3 is out of range');
  });
});

describe('quantileOf', () => {
  it('interpolates between order statistics', () => {
    // Position 0.95 × 4 = 3.8 between 4 and 5.
    expect(quantileOf([5, 1, 3, 2, 4], 0.95)).toBeCloseTo(4.8, 12);
    expect(quantileOf([5, 1, 3, 2, 4], 0.5)).toBe(3);
  });

  it('rejects an empty list', () => {
    expect(() => quantileOf([], 0.5)).toThrow('at least one value');
  });
});
