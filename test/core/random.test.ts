import { describe, expect, it } from 'vitest';

import { createRandom } from '../../src/core/random';

function draws(seed: number, count: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random.uniform());
}

describe('createRandom', () => {
  it('repeats the sequence for the same seed', () => {
    expect(draws(42, 5)).toEqual(draws(42, 5));
  });

  it('gives another sequence for another seed', () => {
    expect(draws(43, 5)).not.toEqual(draws(42, 5));
  });

  it('matches the usual mulberry32 formulation for seed 1', () => {
    // The first three 32-bit outputs of the common JavaScript one-liner of mulberry32 with seed 1,
    // computed separately in Node 20.
    expect(draws(1, 3).map((value) => value * 4294967296)).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('draws uniforms in [0, 1) with mean near 1/2', () => {
    const values = draws(5, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // Standard error sqrt(1/12 / 20000) ≈ 0.002.
    expect(values.reduce((sum, value) => sum + value, 0) / values.length).toBeCloseTo(0.5, 2);
  });

  it('draws exponentials with the given mean', () => {
    const random = createRandom(9);
    let sum = 0;
    for (let draw = 0; draw < 40_000; draw += 1) sum += random.exponential(5);
    // Standard error 5 / sqrt(40000) = 0.025, so 0.1 is four standard errors.
    expect(Math.abs(sum / 40_000 - 5)).toBeLessThan(0.1);
  });

  it('draws integers within both bounds', () => {
    const random = createRandom(3);
    const seen = new Set<number>();
    for (let draw = 0; draw < 1000; draw += 1) seen.add(random.integer(2, 4));
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });

  it('draws categories in proportion to their weights', () => {
    const random = createRandom(11);
    const counts = [0, 0, 0];
    for (let draw = 0; draw < 30_000; draw += 1) {
      const index = random.categorical([1, 0, 3]);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    expect(counts[1]).toBe(0);
    // Expected share of index 2 is 3/4; standard error ≈ 0.0025.
    expect((counts[2] ?? 0) / 30_000).toBeCloseTo(0.75, 1);
  });

  it.each([
    { name: 'a fractional seed', run: () => createRandom(1.5), message: /seed must be an integer, got 1.5/ },
    { name: 'a zero exponential mean', run: () => createRandom(1).exponential(0), message: /Exponential mean must be a finite number above 0, got 0/ },
    { name: 'reversed integer bounds', run: () => createRandom(1).integer(5, 2), message: /got min 5 and max 2/ },
    { name: 'all-zero categorical weights', run: () => createRandom(1).categorical([0, 0]), message: /positive sum/ },
    { name: 'a negative categorical weight', run: () => createRandom(1).categorical([1, -1]), message: /weight 1 must be a finite number >= 0, got -1/ },
  ])('rejects $name', ({ run, message }) => {
    expect(run).toThrow(message);
  });
});
