import { describe, expect, it } from 'vitest';

import { resolveRuntimeOptions, type RuntimeOptions } from '../../src/client/options';

const BASE = 'http://127.0.0.1:4173/';

describe('resolveRuntimeOptions advantageCandidates', () => {
  it('is off by default', () => {
    expect(resolveRuntimeOptions({}, BASE).advantageCandidates).toBe(false);
  });

  it('passes true to the scheduler', () => {
    expect(resolveRuntimeOptions({ advantageCandidates: true }, BASE).advantageCandidates).toBe(true);
  });

  it('rejects a value that is not a boolean', () => {
    const options = { advantageCandidates: 'yes' } as unknown as RuntimeOptions;
    expect(() => resolveRuntimeOptions(options, BASE)).toThrow('Option advantageCandidates is "yes"; pass true or false.');
  });
});

describe('resolveRuntimeOptions policy', () => {
  it('runs the SneakPeek policy by default', () => {
    expect(resolveRuntimeOptions({}, BASE).policy).toBe('sneakpeek');
  });

  it('passes a baseline to the scheduler', () => {
    expect(resolveRuntimeOptions({ policy: 'edf-accurate' }, BASE).policy).toBe('edf-accurate');
  });

  it('rejects an unknown policy', () => {
    const options = { policy: 'round-robin' } as unknown as RuntimeOptions;
    expect(() => resolveRuntimeOptions(options, BASE)).toThrow(/^Option policy is "round-robin"\. Pass one of "sneakpeek", "profiled", /);
  });

  it('rejects a simulator-only policy', () => {
    expect(() => resolveRuntimeOptions({ policy: 'oracle' }, BASE)).toThrow('It needs what only the simulator has (true labels or estimator state); run it with npm run sim.');
  });
});

describe('resolveRuntimeOptions profile', () => {
  it('uses stored profiles by default', () => {
    expect(resolveRuntimeOptions({}, BASE).profileMode).toBe('auto');
  });

  it('passes "always" to the scheduler', () => {
    expect(resolveRuntimeOptions({ profile: 'always' }, BASE).profileMode).toBe('always');
  });

  it('rejects an unknown mode', () => {
    const options = { profile: 'never' } as unknown as RuntimeOptions;
    expect(() => resolveRuntimeOptions(options, BASE)).toThrow(
      'Option profile is "never"; pass "auto" to use stored profiles or "always" to measure every model.',
    );
  });
});
