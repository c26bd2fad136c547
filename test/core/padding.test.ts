import { describe, expect, it } from 'vitest';

import type { VariantProfile } from '../../src/core/model';
import { paddedBatchSize, plannedProfile, profileBatchSizes } from '../../src/core/padding';
import { PROFILED_BATCH_SIZES } from '../../src/scheduler/profiler';

function variant(maxBatch: number, latency: VariantProfile['latency']): VariantProfile {
  return { id: 'v', application: 'a', footprintBytes: 1, maxBatch, loadMs: 1, latency, recall: [1], profiledAccuracy: 1 };
}

describe('profileBatchSizes', () => {
  it.each([
    [1, [1]],
    [4, [1, 2, 4]],
    [24, [1, 2, 4, 8, 16, 24]],
    [32, [1, 2, 4, 8, 16, 32]],
  ])('lists the sizes measured for maxBatch %i', (maxBatch, sizes) => {
    expect(profileBatchSizes(maxBatch)).toEqual(sizes);
  });

  it('is re-exported by the profiler', () => {
    expect(PROFILED_BATCH_SIZES).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
  });
});

describe('paddedBatchSize', () => {
  it.each([
    [1, 32, 1],
    [3, 32, 4],
    [5, 32, 8],
    [17, 32, 32],
    [32, 32, 32],
    [17, 24, 24],
    [40, 32, 40],
  ])('pads %i records with maxBatch %i to %i', (count, maxBatch, padded) => {
    expect(paddedBatchSize(count, maxBatch)).toBe(padded);
  });
});

describe('plannedProfile', () => {
  it('charges each size the latency of its padded size', () => {
    const measured = variant(6, [
      { batchSize: 1, ms: 1 },
      { batchSize: 2, ms: 3 },
      { batchSize: 4, ms: 5 },
      { batchSize: 6, ms: 9 },
    ]);
    expect(plannedProfile(measured).latency).toEqual([
      { batchSize: 1, ms: 1 },
      { batchSize: 2, ms: 3 },
      { batchSize: 3, ms: 5 },
      { batchSize: 4, ms: 5 },
      { batchSize: 5, ms: 9 },
      { batchSize: 6, ms: 9 },
    ]);
  });

  it('interpolates a padded size the profile lacks', () => {
    // Only 1 and 8 measured: size 4, the padded size of 3, interpolates to 1 + 3 · 1 = 4.
    const measured = variant(8, [
      { batchSize: 1, ms: 1 },
      { batchSize: 8, ms: 8 },
    ]);
    expect(plannedProfile(measured).latency[2]).toEqual({ batchSize: 3, ms: 4 });
  });

  it('keeps every other field', () => {
    const measured = variant(2, [{ batchSize: 1, ms: 2 }]);
    const planned = plannedProfile(measured);
    expect({ ...planned, latency: measured.latency }).toEqual(measured);
    expect(planned.latency).toHaveLength(2);
  });
});
