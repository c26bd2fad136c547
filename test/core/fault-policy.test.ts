import { describe, expect, it } from 'vitest';

import { resolveRuntimeOptions, type RuntimeOptions } from '../../src/client/options';
import { MAX_DISPATCHES, medianRatio, planRetry, WATCHDOG_FACTOR, watchdogTimeoutMs, type LostMember } from '../../src/core/fault-policy';

const member = (id: string, deadline: number, dispatches: number): LostMember => ({ id, deadline, dispatches });

describe('planRetry', () => {
  it('queues again a member lost on its first dispatch', () => {
    expect(planRetry([member('a', 200, 1)], 100)).toEqual({ requeue: ['a'], expired: [], exhausted: [] });
  });

  it('drops a member lost on its last allowed dispatch', () => {
    expect(planRetry([member('a', 200, MAX_DISPATCHES)], 100)).toEqual({ requeue: [], expired: [], exhausted: ['a'] });
  });

  it('drops a member whose deadline has passed', () => {
    expect(planRetry([member('a', 100, 1)], 100)).toEqual({ requeue: [], expired: ['a'], exhausted: [] });
  });

  it('counts a member both late and retried as retried', () => {
    expect(planRetry([member('a', 50, MAX_DISPATCHES)], 100).exhausted).toEqual(['a']);
  });

  it('keeps the order of the members it queues again', () => {
    const members = [member('c', 300, 1), member('a', 90, 1), member('b', 200, 1), member('d', 400, 2)];
    expect(planRetry(members, 100)).toEqual({ requeue: ['c', 'b'], expired: ['a'], exhausted: ['d'] });
  });

  it('returns empty lists for a batch with no members', () => {
    expect(planRetry([], 0)).toEqual({ requeue: [], expired: [], exhausted: [] });
  });
});

describe('watchdogTimeoutMs', () => {
  it.each([
    { expectedMs: 0, minimumMs: 5000, timeout: 5000 },
    { expectedMs: 100, minimumMs: 5000, timeout: 5000 },
    { expectedMs: 1000, minimumMs: 5000, timeout: WATCHDOG_FACTOR * 1000 },
    { expectedMs: Number.NaN, minimumMs: 2000, timeout: 2000 },
    { expectedMs: -3, minimumMs: 2000, timeout: 2000 },
    { expectedMs: Number.POSITIVE_INFINITY, minimumMs: 2000, timeout: 2000 },
  ])('waits $timeout ms for a call expected to take $expectedMs ms with minimum $minimumMs', ({ expectedMs, minimumMs, timeout }) => {
    expect(watchdogTimeoutMs(expectedMs, minimumMs)).toBe(timeout);
  });
});

describe('medianRatio', () => {
  it('returns the middle ratio of an odd count', () => {
    expect(medianRatio([{ previous: 10, measured: 20 }, { previous: 10, measured: 50 }, { previous: 2, measured: 1 }])).toBe(2);
  });

  it('averages the two middle ratios of an even count', () => {
    expect(medianRatio([{ previous: 1, measured: 2 }, { previous: 1, measured: 4 }])).toBe(3);
  });

  it('skips pairs that are not positive and finite', () => {
    const pairs = [{ previous: 0, measured: 5 }, { previous: 4, measured: 0 }, { previous: Number.NaN, measured: 1 }, { previous: 4, measured: 2 }];
    expect(medianRatio(pairs)).toBe(0.5);
  });

  it('returns undefined without a usable pair', () => {
    expect(medianRatio([])).toBeUndefined();
    expect(medianRatio([{ previous: 0, measured: 0 }])).toBeUndefined();
  });
});

describe('resolveRuntimeOptions inferenceTimeoutMs', () => {
  const BASE = 'http://127.0.0.1:4173/';

  it('defaults to 10 s', () => {
    expect(resolveRuntimeOptions({}, BASE).inferenceTimeoutMs).toBe(10_000);
  });

  it('passes a positive value to the scheduler', () => {
    expect(resolveRuntimeOptions({ inferenceTimeoutMs: 2500 }, BASE).inferenceTimeoutMs).toBe(2500);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100'])('rejects %s', (value) => {
    const options = { inferenceTimeoutMs: value } as unknown as RuntimeOptions;
    expect(() => resolveRuntimeOptions(options, BASE)).toThrow(/^Option inferenceTimeoutMs is .*; pass a positive number of milliseconds \(default 10000\)\.$/);
  });
});
