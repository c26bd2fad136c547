import { describe, expect, it } from 'vitest';

import { latencyMs, latencyTable, validateLatencyProfile } from '../../src/core/latency';
import type { LatencyPoint } from '../../src/core/model';
import { createRandom } from '../../src/core/random';

const twoPoints: LatencyPoint[] = [
  { batchSize: 1, ms: 10 },
  { batchSize: 4, ms: 16 },
];

describe('latencyMs', () => {
  it.each([
    // Measured points are returned as measured.
    { name: 'a measured point', points: twoPoints, batchSize: 4, expected: 16 },
    // Slope (16 − 10) / 3 = 2 ms per request: L(2) = 12, L(3) = 14.
    { name: 'interpolation at 2', points: twoPoints, batchSize: 2, expected: 12 },
    { name: 'interpolation at 3', points: twoPoints, batchSize: 3, expected: 14 },
    // Beyond the last point the last segment's slope continues: L(6) = 16 + 2 × 2 = 20.
    { name: 'extrapolation beyond the last point', points: twoPoints, batchSize: 6, expected: 20 },
    // One point scales proportionally: L(3) = 10 × 3 / 1 = 30.
    { name: 'one point scaled up', points: [{ batchSize: 1, ms: 10 }], batchSize: 3, expected: 30 },
    // L(8) = 40 × 8 / 4 = 80.
    { name: 'one point at size 4 scaled up', points: [{ batchSize: 4, ms: 40 }], batchSize: 8, expected: 80 },
    // Proportional scaling down would give 20, below the only measured value 40.
    { name: 'one point never scaled below its value', points: [{ batchSize: 4, ms: 40 }], batchSize: 2, expected: 40 },
    // Below the first point the first segment's slope gives 20 − 2 = 18, below the minimum 20.
    {
      name: 'extrapolation below the first point, floored',
      points: [{ batchSize: 2, ms: 20 }, { batchSize: 4, ms: 24 }],
      batchSize: 1,
      expected: 20,
    },
    // A noisy last segment with slope −5 would give 25 − 5 × 7 = −10 at 10; the floor is 10.
    {
      name: 'a falling last segment, floored at the smallest measurement',
      points: [{ batchSize: 1, ms: 10 }, { batchSize: 2, ms: 30 }, { batchSize: 3, ms: 25 }],
      batchSize: 10,
      expected: 10,
    },
    // Three points: between 4 (16) and 8 (40) the slope is 6: L(6) = 28.
    {
      name: 'interpolation on the matching segment',
      points: [{ batchSize: 1, ms: 10 }, { batchSize: 4, ms: 16 }, { batchSize: 8, ms: 40 }],
      batchSize: 6,
      expected: 28,
    },
  ])('gives $expected ms for $name', ({ points, batchSize, expected }) => {
    expect(latencyMs(points, batchSize)).toBeCloseTo(expected, 12);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects batch size %s', (batchSize) => {
    expect(() => latencyMs(twoPoints, batchSize)).toThrow(RangeError);
  });
});

describe('latencyTable', () => {
  it('lists L(1) to L(maxBatch) by batch size', () => {
    expect(latencyTable(twoPoints, 5)).toEqual([0, 10, 12, 14, 16, 18]);
  });

  it('equals latencyMs at every size', () => {
    const random = createRandom(5);
    for (let profile = 0; profile < 200; profile += 1) {
      // One to five points at ascending sizes from 1 to 40, some below the first size or past the last.
      const sizes = [...new Set(Array.from({ length: random.integer(1, 5) }, () => random.integer(1, 40)))].sort((left, right) => left - right);
      const points = sizes.map((batchSize) => ({ batchSize, ms: random.uniform() * 50 }));
      const maxBatch = random.integer(1, 48);

      const table = latencyTable(points, maxBatch);
      for (let size = 1; size <= maxBatch; size += 1) expect(table[size], `profile ${profile}, size ${size}`).toBe(latencyMs(points, size));
    }
  });

  it('rejects a maxBatch below 1', () => {
    expect(() => latencyTable(twoPoints, 0, 'variant "v" latency profile')).toThrow(/variant "v" latency profile: maxBatch/);
  });
});

describe('validateLatencyProfile', () => {
  it.each([
    { name: 'an empty profile', points: [], message: /has no measured points/ },
    { name: 'a batch size of 0', points: [{ batchSize: 0, ms: 5 }], message: /point 0 has batchSize 0/ },
    {
      name: 'descending batch sizes',
      points: [{ batchSize: 4, ms: 16 }, { batchSize: 1, ms: 10 }],
      message: /point 1 has batchSize 1 after 4/,
    },
    {
      name: 'a duplicate batch size',
      points: [{ batchSize: 1, ms: 10 }, { batchSize: 1, ms: 11 }],
      message: /point 1 has batchSize 1 after 1/,
    },
    { name: 'a negative latency', points: [{ batchSize: 1, ms: -1 }], message: /has ms -1/ },
    { name: 'an infinite latency', points: [{ batchSize: 1, ms: Infinity }], message: /has ms Infinity/ },
  ])('rejects $name', ({ points, message }) => {
    expect(() => validateLatencyProfile(points, 'test profile')).toThrow(message);
  });
});
