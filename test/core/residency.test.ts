import { describe, expect, it } from 'vitest';

import {
  assertVariantsFitBudget,
  evictionOrder,
  planEvictions,
  preloadOrder,
  queuedExpectedValues,
  residentAfterRun,
} from '../../src/core/residency';
import { makeRequest, makeVariant } from './fixtures';

describe('evictionOrder', () => {
  it.each([
    {
      name: 'least queued expected value first',
      resident: [['a', 9], ['b', 1]],
      values: [['a', 0.2], ['b', 0.7]],
      expected: ['a', 'b'],
    },
    {
      name: 'least recently used on equal values',
      resident: [['a', 9], ['b', 1]],
      values: [['a', 0.5], ['b', 0.5]],
      expected: ['b', 'a'],
    },
    {
      name: 'id order on equal values and times',
      resident: [['b', 3], ['a', 3]],
      values: [],
      expected: ['a', 'b'],
    },
  ] as const)('puts $name', ({ resident, values, expected }) => {
    expect(evictionOrder(new Map(resident), new Map(values))).toEqual(expected);
  });
});

describe('queuedExpectedValues', () => {
  it('sums each variant estimates over queued requests of its application', () => {
    const values = queuedExpectedValues(
      [makeVariant({ id: 'x1', application: 'x' }), makeVariant({ id: 'y1', application: 'y' })],
      [
        makeRequest({ id: 'q1', application: 'x', estimates: { x1: 0.5 } }),
        makeRequest({ id: 'q2', application: 'x', estimates: { x1: 0.25 } }),
      ],
    );
    expect(values).toEqual(new Map([['x1', 0.75], ['y1', 0]]));
  });

  it('names the request and variant of a missing estimate', () => {
    expect(() =>
      queuedExpectedValues([makeVariant({ id: 'x1', application: 'x' })], [makeRequest({ id: 'q1', application: 'x', estimates: {} })]),
    ).toThrow(/Request "q1" has no accuracy estimate for variant "x1"/);
  });
});

describe('planEvictions', () => {
  // Budget 100: a and b (40 bytes each) are resident, b used longer ago, nothing queued.
  const variants = [
    makeVariant({ id: 'a', application: 'x', footprintBytes: 40 }),
    makeVariant({ id: 'b', application: 'y', footprintBytes: 40 }),
    makeVariant({ id: 'small', application: 'z', footprintBytes: 20 }),
    makeVariant({ id: 'mid', application: 'z', footprintBytes: 50 }),
    makeVariant({ id: 'big', application: 'z', footprintBytes: 90 }),
  ];
  const resident = new Map([['a', 9], ['b', 1]]);

  it.each([
    // 80 + 20 = 100 fits.
    { incoming: 'small', expected: [] },
    // 80 + 50 > 100; without b 40 + 50 = 90 fits.
    { incoming: 'mid', expected: ['b'] },
    // 40 + 90 > 100 even without b, so both go.
    { incoming: 'big', expected: ['b', 'a'] },
  ])('evicts $expected to load $incoming', ({ incoming, expected }) => {
    const variant = variants.find((candidate) => candidate.id === incoming);
    if (variant === undefined) throw new Error(`no test variant ${incoming}`);

    expect(planEvictions({ incoming: variant, resident, variants, queue: [], memoryBudgetBytes: 100 })).toEqual(expected);
  });

  it('keeps the variant whose application has queued requests', () => {
    const queue = [makeRequest({ id: 'q', application: 'y', estimates: { b: 0.9 } })];
    const mid = makeVariant({ id: 'mid', application: 'z', footprintBytes: 50 });

    expect(planEvictions({ incoming: mid, resident, variants, queue, memoryBudgetBytes: 100 })).toEqual(['a']);
  });

  it('rejects a variant larger than the budget', () => {
    const huge = makeVariant({ id: 'huge', application: 'z', footprintBytes: 101 });

    expect(() => planEvictions({ incoming: huge, resident, variants, queue: [], memoryBudgetBytes: 100 })).toThrow(
      /A variant of 101 bytes cannot fit a memory budget of 100 bytes/,
    );
  });
});

describe('residentAfterRun', () => {
  it('removes the evictions and records the variant use', () => {
    const next = residentAfterRun(new Map([['a', 1], ['b', 2]]), { variantId: 'c', evict: ['a'] }, 50);
    expect(next).toEqual(new Map([['b', 2], ['c', 50]]));
  });

  it('rejects evicting a variant that is not resident', () => {
    expect(() => residentAfterRun(new Map(), { variantId: 'c', evict: ['a'] }, 0)).toThrow(/Cannot evict variant "a": it is not resident/);
  });
});

describe('assertVariantsFitBudget', () => {
  it('names the variant, its footprint and the budget', () => {
    expect(() => assertVariantsFitBudget([makeVariant({ id: 'ok', footprintBytes: 10 }), makeVariant({ id: 'huge', footprintBytes: 2000 })], 1000)).toThrow(
      /Variant "huge" has an estimated footprint of 2000 bytes, above the memory budget of 1000 bytes/,
    );
  });

  it('accepts variants that fit exactly', () => {
    expect(() => assertVariantsFitBudget([makeVariant({ id: 'exact', footprintBytes: 1000 })], 1000)).not.toThrow();
  });
});

describe('preloadOrder', () => {
  const variant = (id: string, application: string, profiledAccuracy: number, footprintBytes: number) =>
    makeVariant({ id, application, profiledAccuracy, footprintBytes });
  const variants = [
    variant('a-small', 'a', 0.8, 100),
    variant('a-large', 'a', 0.9, 600),
    variant('b-small', 'b', 0.7, 100),
    variant('b-large', 'b', 0.95, 500),
  ];

  it('covers every application before adding second variants', () => {
    // a-large and b-large fill 1100 of 1200 bytes, then a-small fits and b-small does not.
    expect(preloadOrder(variants, 1200)).toEqual(['b-large', 'a-large', 'a-small']);
  });

  it('loads every variant when all fit', () => {
    expect(preloadOrder(variants, 10_000)).toEqual(['b-large', 'a-large', 'a-small', 'b-small']);
  });

  it('covers an application with a smaller variant', () => {
    // b-large takes 500; a-large (600) would exceed 800, so a-small covers application a.
    expect(preloadOrder(variants, 800)).toEqual(['b-large', 'a-small', 'b-small']);
  });
});
