import { describe, expect, it } from 'vitest';
import { summarize, type ReplayResult } from '../../src/core/summary.js';

const results: ReplayResult[] = [
  { phase: 'light', label: 1, status: 'completed', variantId: 'large', classIndex: 1, deadlineMet: true, batchSize: 1 },
  { phase: 'light', label: 2, status: 'completed', variantId: 'large', classIndex: 0, deadlineMet: true, batchSize: 1 },
  { phase: 'heavy', label: 3, status: 'completed', variantId: 'small', classIndex: 3, deadlineMet: false, batchSize: 4 },
  { phase: 'heavy', label: 4, status: 'dropped' },
];

describe('summarize', () => {
  const summary = summarize(results);

  it('counts only correct and on-time answers as effective', () => {
    // Record 0 is right and on time; record 2 is right but late; record 1 is wrong.
    expect(summary.effectiveAccuracy).toBe(1 / 4);
  });

  it('counts deadline satisfaction over every request', () => {
    expect(summary.deadlineSatisfaction).toBe(2 / 4);
  });

  it('computes served accuracy over completed requests', () => {
    expect(summary.servedAccuracy).toBe(2 / 3);
  });

  it('counts drops', () => {
    expect(summary.dropped).toBe(1);
  });

  it('splits figures by phase', () => {
    expect(summary.byPhase['light']!.servedByVariant).toEqual({ large: 2 });
    expect(summary.byPhase['heavy']!.dropped).toBe(1);
    expect(summary.byPhase['heavy']!.effectiveAccuracy).toBe(0);
  });

  it('weights the mean batch size by request', () => {
    expect(summary.meanBatchSize).toBe((1 + 1 + 4) / 3);
  });

  it('returns zeros for an empty replay', () => {
    expect(summarize([]).effectiveAccuracy).toBe(0);
  });
});
