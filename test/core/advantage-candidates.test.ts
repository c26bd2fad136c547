import { describe, expect, it } from 'vitest';

import { decide } from '../../src/core/policy';
import { makeOptions, makeRequest, makeState, makeVariant } from './fixtures';

// Two resident variants with equal latency, L(1) = L(2) = 10 ms, batches of up to 2. Variant "a"
// is right on q1 and q3, variant "b" on q2 and q4, and every deadline is 15 ms away, so only the
// first batch can finish in time.
const latency = [
  { batchSize: 1, ms: 10 },
  { batchSize: 2, ms: 10 },
];
const variants = [makeVariant({ id: 'a', latency, maxBatch: 2 }), makeVariant({ id: 'b', latency, maxBatch: 2 })];
const estimates = [
  { a: 0.9, b: 0.1 },
  { a: 0.1, b: 0.9 },
  { a: 0.9, b: 0.1 },
  { a: 0.1, b: 0.9 },
];
const queue = estimates.map((estimate, index) => makeRequest({ id: `q${index + 1}`, arrival: -1, deadline: 15 + index * 0.001, estimates: estimate }));
const state = makeState({ queue, variants, resident: ['a', 'b'] });

function members(advantageCandidates: boolean): string[] {
  const decision = decide(state, makeOptions({ advantageCandidates, anticipateArrivals: false }));
  return decision.action.kind === 'run' ? decision.action.requestIds : [];
}

describe('advantage candidates', () => {
  it('batch the two most urgent requests without the option', () => {
    expect(members(false)).toEqual(['q1', 'q2']);
  });

  it('batch the requests the variant is best at with the option', () => {
    // Each variant's advantage batch is worth 1.8 against 1.0 for the most urgent pair.
    expect(members(true)).toEqual(['q1', 'q3']);
  });
});
