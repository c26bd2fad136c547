import { describe, expect, it } from 'vitest';

import {
  DEFAULT_POLICY_OPTIONS,
  batchSizesFor,
  resolvePolicyOptions,
  type PolicyOptions,
} from '../../src/core/policy-options';

describe('resolvePolicyOptions', () => {
  it('fills every optional option with its default', () => {
    expect(resolvePolicyOptions({ memoryBudgetBytes: 1000 })).toEqual({ memoryBudgetBytes: 1000, ...DEFAULT_POLICY_OPTIONS });
  });

  it.each([
    { name: 'swapMargin', value: 0.5 },
    { name: 'scoreTolerance', value: 1e-9 },
    { name: 'maxQueueDelayMs', value: 0 },
    { name: 'batchSizes', value: null },
    { name: 'graceMs', value: 0 },
    { name: 'missPenalty', value: 0 },
    { name: 'dropPenalty', value: 0 },
  ] as const)('documents default $name = $value', ({ name, value }) => {
    expect(DEFAULT_POLICY_OPTIONS[name]).toBe(value);
  });

  it('keeps given values', () => {
    const user: PolicyOptions = {
      memoryBudgetBytes: 2048,
      swapMargin: 0.1,
      scoreTolerance: 0,
      maxQueueDelayMs: 5,
      graceMs: 10,
      missPenalty: 0.2,
      dropPenalty: 0.3,
      anticipateArrivals: false,
      advantageCandidates: true,
    };
    expect(resolvePolicyOptions(user)).toEqual({ ...user, batchSizes: null });
  });

  it('sorts batch sizes and removes duplicates', () => {
    expect(resolvePolicyOptions({ memoryBudgetBytes: 1, batchSizes: [8, 1, 4, 4] }).batchSizes).toEqual([1, 4, 8]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolvePolicyOptions({ memoryBudgetBytes: 1 }))).toBe(true);
  });

  it('freezes the defaults', () => {
    expect(Object.isFrozen(DEFAULT_POLICY_OPTIONS)).toBe(true);
  });

  it.each([
    { name: 'missing memoryBudgetBytes', user: {}, type: TypeError, message: /"memoryBudgetBytes" is missing/ },
    { name: 'zero memoryBudgetBytes', user: { memoryBudgetBytes: 0 }, type: RangeError, message: /"memoryBudgetBytes" must be above 0, got 0/ },
    { name: 'string memoryBudgetBytes', user: { memoryBudgetBytes: '1GB' }, type: TypeError, message: /"memoryBudgetBytes" must be a number, got the string "1GB"/ },
    { name: 'infinite memoryBudgetBytes', user: { memoryBudgetBytes: Infinity }, type: RangeError, message: /"memoryBudgetBytes" must be finite, got Infinity/ },
    { name: 'negative swapMargin', user: { memoryBudgetBytes: 1, swapMargin: -0.1 }, type: RangeError, message: /"swapMargin" must be >= 0, got -0.1/ },
    { name: 'NaN scoreTolerance', user: { memoryBudgetBytes: 1, scoreTolerance: Number.NaN }, type: RangeError, message: /"scoreTolerance" must be finite, got NaN/ },
    { name: 'negative maxQueueDelayMs', user: { memoryBudgetBytes: 1, maxQueueDelayMs: -5 }, type: RangeError, message: /"maxQueueDelayMs" must be >= 0, got -5/ },
    { name: 'batchSizes without 1', user: { memoryBudgetBytes: 1, batchSizes: [2, 4] }, type: RangeError, message: /"batchSizes" is \[2, 4\] without 1.*Add 1/ },
    { name: 'fractional batch size', user: { memoryBudgetBytes: 1, batchSizes: [1, 2.5] }, type: RangeError, message: /"batchSizes" entry 1 is 2.5/ },
    { name: 'string batch size', user: { memoryBudgetBytes: 1, batchSizes: [1, '2'] }, type: TypeError, message: /"batchSizes" entry 1 is the string "2"/ },
    { name: 'batchSizes not an array', user: { memoryBudgetBytes: 1, batchSizes: 'all' }, type: TypeError, message: /"batchSizes" must be an array/ },
    { name: 'negative graceMs', user: { memoryBudgetBytes: 1, graceMs: -1 }, type: RangeError, message: /"graceMs" must be >= 0, got -1/ },
    { name: 'negative missPenalty', user: { memoryBudgetBytes: 1, missPenalty: -1 }, type: RangeError, message: /"missPenalty" must be >= 0, got -1/ },
    { name: 'negative dropPenalty', user: { memoryBudgetBytes: 1, dropPenalty: -1 }, type: RangeError, message: /"dropPenalty" must be >= 0, got -1/ },
    { name: 'string anticipateArrivals', user: { memoryBudgetBytes: 1, anticipateArrivals: 'yes' }, type: TypeError, message: /"anticipateArrivals" must be true or false, got the string "yes"/ },
    { name: 'numeric advantageCandidates', user: { memoryBudgetBytes: 1, advantageCandidates: 1 }, type: TypeError, message: /"advantageCandidates" must be true or false, got 1/ },
    { name: 'an unknown option', user: { memoryBudgetBytes: 1, swapmargin: 1 }, type: TypeError, message: /Unknown policy option "swapmargin"/ },
  ])('rejects $name', ({ user, type, message }) => {
    // The cast lets the table hold the wrong types a JavaScript caller could pass.
    const resolve = (): unknown => resolvePolicyOptions(user as unknown as PolicyOptions);
    expect(resolve).toThrow(type);
    expect(resolve).toThrow(message);
  });

  it('rejects options that are not an object', () => {
    expect(() => resolvePolicyOptions(null as unknown as PolicyOptions)).toThrow(/Policy options must be an object/);
  });
});

describe('batchSizesFor', () => {
  it('allows every size up to maxBatch by default', () => {
    expect(batchSizesFor(4, { batchSizes: null })).toEqual([1, 2, 3, 4]);
  });

  it('keeps the configured sizes up to maxBatch', () => {
    expect(batchSizesFor(6, { batchSizes: [1, 2, 4, 8] })).toEqual([1, 2, 4]);
  });
});
