import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/policy';
import { accumulateSwapCredit } from '../../src/core/swap-credit';
import type { SchedulerState } from '../../src/core/model';
import { makeOptions, makeRequest, makeState, makeVariant } from './fixtures';

describe('accumulateSwapCredit', () => {
  it('adds positive gains', () => {
    const credit = accumulateSwapCredit(new Map([['large', 0.2]]), new Map([['large', 0.1]]), undefined);
    expect(credit.get('large')).toBeCloseTo(0.3, 12);
  });

  it('floors the credit at zero when the resident choice is better', () => {
    const credit = accumulateSwapCredit(new Map([['large', 0.2]]), new Map([['large', -0.5]]), undefined);
    expect(credit.has('large')).toBe(false);
  });

  it('keeps the credit of a variant with no candidate this time', () => {
    const credit = accumulateSwapCredit(new Map([['other', 0.3]]), new Map([['large', 0.1]]), undefined);
    expect(credit.get('other')).toBe(0.3);
  });

  it('clears the credit of the variant just loaded', () => {
    const credit = accumulateSwapCredit(new Map([['large', 0.4]]), new Map(), 'large');
    expect(credit.has('large')).toBe(false);
  });

  it('rejects a gain that is not finite', () => {
    expect(() => accumulateSwapCredit(new Map(), new Map([['large', Number.NaN]]), undefined)).toThrow('Swap gain of "large" is NaN');
  });
});

describe('swap credit in the policy', () => {
  // One request at a time, as under light load. The evicted "large" variant is 0.1 more accurate
  // per request than the resident "small" one; the margin is 0.35, so one request never pays for
  // the load, but the fourth consecutive one does (4 × 0.1 = 0.4 > 0.35).
  const variants = [makeVariant({ id: 'small', loadMs: 5 }), makeVariant({ id: 'large', loadMs: 5 })];
  const options = makeOptions({ swapMargin: 0.35 });
  const stateAt = (step: number, credit: ReadonlyMap<string, number>, resident: readonly string[] = ['small']): SchedulerState => ({
    ...makeState({
      now: step * 100,
      queue: [makeRequest({ id: `q${step}`, arrival: step * 100, deadline: step * 100 + 1000, estimates: { small: 0.8, large: 0.9 } })],
      variants,
      resident,
    }),
    swapCredit: credit,
  });

  it('reports the gain a swap would have brought', () => {
    const decision = decide(stateAt(0, new Map()), options);
    expect(decision.swapGains.get('large')).toBeCloseTo(0.1, 12);
  });

  it('swaps back once a small persistent gain adds up to the margin', () => {
    let credit: ReadonlyMap<string, number> = new Map();
    const resident = ['small'];
    const chosen: string[] = [];
    for (let step = 0; step < 5; step++) {
      const decision = decide(stateAt(step, credit, resident), options);
      if (decision.action.kind !== 'run') throw new Error(`step ${step} did not run a batch`);
      chosen.push(decision.action.variantId);
      if (decision.action.load) resident.push(decision.action.variantId);
      credit = accumulateSwapCredit(credit, decision.swapGains, decision.action.load ? decision.action.variantId : undefined);
    }
    expect(chosen).toEqual(['small', 'small', 'small', 'large', 'large']);
  });

  it('never swaps without credit when one gain is below the margin', () => {
    const decision = decide(stateAt(0, new Map()), options);
    expect(decision.action).toMatchObject({ kind: 'run', variantId: 'small', load: false });
  });
});
