import { describe, expect, it } from 'vitest';

import { dropUtility, expectedUtility, realisedUtility, timeliness, type UtilityOptions } from '../../src/core/utility';

const hard: UtilityOptions = { graceMs: 0, missPenalty: 0, dropPenalty: 0 };
const soft: UtilityOptions = { graceMs: 100, missPenalty: 0, dropPenalty: 0 };

describe('realisedUtility', () => {
  it.each([
    { name: 'correct and on time', options: hard, weight: 2, finish: 90, correct: true, expected: 2 },
    { name: 'correct exactly at the deadline', options: hard, weight: 2, finish: 100, correct: true, expected: 2 },
    { name: 'wrong and on time', options: hard, weight: 2, finish: 90, correct: false, expected: 0 },
    { name: 'correct but late, hard deadline', options: hard, weight: 2, finish: 101, correct: true, expected: 0 },
    // Late with a miss penalty of 0.25 per unit weight: −2 × 0.25.
    { name: 'late with a miss penalty', options: { ...hard, missPenalty: 0.25 }, weight: 2, finish: 101, correct: true, expected: -0.5 },
    // 25 ms into a 100 ms grace period keeps 75 %.
    { name: 'correct 25 ms into the grace period', options: soft, weight: 1, finish: 125, correct: true, expected: 0.75 },
    { name: 'correct at the end of the grace period', options: soft, weight: 1, finish: 200, correct: true, expected: 0 },
    { name: 'correct after the grace period', options: soft, weight: 1, finish: 250, correct: true, expected: 0 },
    // 0.75 − 0.1 miss penalty.
    { name: 'soft and late with a miss penalty', options: { ...soft, missPenalty: 0.1 }, weight: 1, finish: 125, correct: true, expected: 0.65 },
    { name: 'on time with a miss penalty configured', options: { ...soft, missPenalty: 0.1 }, weight: 1, finish: 100, correct: true, expected: 1 },
  ])('is $expected when $name', ({ options, weight, finish, correct, expected }) => {
    expect(realisedUtility({ weight, deadline: 100, finish, correct }, options)).toBeCloseTo(expected, 12);
  });
});

describe('expectedUtility', () => {
  it.each([
    // 2 × 0.8 on time.
    { name: 'on time', options: hard, finish: 100, expected: 1.6 },
    { name: 'late with a hard deadline', options: hard, finish: 150, expected: 0 },
    // Halfway through the grace period: 2 × 0.8 × 0.5.
    { name: 'halfway through the grace period', options: soft, finish: 150, expected: 0.8 },
  ])('is $expected when $name', ({ options, finish, expected }) => {
    expect(expectedUtility({ weight: 2, deadline: 100, finish, estimate: 0.8 }, options)).toBeCloseTo(expected, 12);
  });

  it.each([-0.1, 1.5, Number.NaN])('rejects estimate %s', (estimate) => {
    expect(() => expectedUtility({ weight: 1, deadline: 0, finish: 0, estimate }, hard)).toThrow(/Accuracy estimate/);
  });
});

describe('dropUtility', () => {
  it('is zero without a drop penalty', () => {
    expect(dropUtility(2, hard)).toBe(0);
  });

  it('charges the drop penalty per unit of weight', () => {
    expect(dropUtility(2, { ...hard, dropPenalty: 0.5 })).toBe(-1);
  });

  it('rejects a negative weight', () => {
    expect(() => dropUtility(-1, hard)).toThrow(/Request weight must be a finite number >= 0, got -1/);
  });
});

describe('utility option checks', () => {
  it.each(['graceMs', 'missPenalty', 'dropPenalty'] as const)('rejects a negative %s', (key) => {
    const options = { ...hard, [key]: -1 };
    expect(() => realisedUtility({ weight: 1, deadline: 0, finish: 0, correct: true }, options)).toThrow(
      new RegExp(`${key} must be a finite number >= 0, got -1`),
    );
  });

  it('rejects a non-finite finish time', () => {
    expect(() => realisedUtility({ weight: 1, deadline: 0, finish: Number.NaN, correct: true }, hard)).toThrow(/finish NaN/);
  });
});

describe('timeliness', () => {
  it.each([
    { finish: 100, graceMs: 0, expected: 1 },
    { finish: 100.5, graceMs: 0, expected: 0 },
    { finish: 110, graceMs: 40, expected: 0.75 },
    { finish: 140, graceMs: 40, expected: 0 },
  ])('is $expected finishing at $finish with $graceMs ms grace', ({ finish, graceMs, expected }) => {
    expect(timeliness(finish, 100, graceMs)).toBeCloseTo(expected, 12);
  });
});
