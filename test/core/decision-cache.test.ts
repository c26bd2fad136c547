// `decide()` keeps request entries and the last deadline order in a `DecisionCache` between calls.
// These tests change the queue between calls in every way a caller can and check each decision, or
// each error, against `decide()` with a new cache, to which every request is new.

import { describe, expect, it } from 'vitest';

import { DecisionCache } from '../../src/core/decision-cache';
import { validateSchedulerState } from '../../src/core/decision-context';
import { serializeDecision } from '../../src/core/decision-record';
import type { QueuedRequest, SchedulerState, VariantProfile } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { createRandom, type Random } from '../../src/core/random';
import { RequestPriorities } from '../../src/core/request-priorities';
import { LARGE_LATENCY, SMALL_LATENCY, makeOptions, makeRequest, makeState, makeVariant } from './fixtures';

const options = makeOptions({ memoryBudgetBytes: 1000, batchSizes: [1, 2, 4] });

// Two applications, so the cache's order interleaves them and each has its own estimate rows.
const variants: VariantProfile[] = [
  makeVariant({ id: 'a-small', application: 'a', latency: SMALL_LATENCY }),
  makeVariant({ id: 'a-large', application: 'a', latency: LARGE_LATENCY, footprintBytes: 300 }),
  makeVariant({ id: 'b-small', application: 'b', latency: SMALL_LATENCY }),
  makeVariant({ id: 'b-large', application: 'b', latency: LARGE_LATENCY, loadMs: 25 }),
];
const resident = ['a-small', 'a-large', 'b-small'];

let serial = 0;

/** Makes a request of application `a` or `b` with random estimates, due 15 to 400 ms after `now`. */
function randomRequest(random: Random, now: number, id = `r${serial++}`): QueuedRequest {
  const application = random.uniform() < 0.5 ? 'a' : 'b';
  return makeRequest({
    id,
    application,
    arrival: now - random.integer(0, 5),
    // Whole milliseconds, so equal deadlines occur and the order falls back to arrival and id.
    deadline: now + random.integer(15, 400),
    weight: random.uniform() < 0.8 ? 1 : 0.5,
    estimates: { [`${application}-small`]: 0.5 + 0.4 * random.uniform(), [`${application}-large`]: 0.6 + 0.4 * random.uniform() },
  });
}

function stateOf(queue: readonly QueuedRequest[], now: number): SchedulerState {
  return makeState({ now, queue, variants, resident });
}

/** What `decide()` returns as JSON, or the error it throws. */
function outcome(state: SchedulerState, cache: DecisionCache): unknown {
  try {
    return serializeDecision(decide(state, options, cache));
  } catch (error) {
    return { error: String(error) };
  }
}

/** Asserts that the shared cache decides `state` as a new cache does. */
function expectSameAsFresh(state: SchedulerState, cache: DecisionCache, label: string): unknown {
  const cached = outcome(state, cache);
  expect(cached, label).toEqual(outcome(state, new DecisionCache()));
  return cached;
}

function shuffle<T>(random: Random, values: T[]): void {
  for (let index = values.length - 1; index > 0; index -= 1) {
    const other = random.integer(0, index);
    [values[index], values[other]] = [values[other] as T, values[index] as T];
  }
}

describe('decision cache', () => {
  it('matches a new cache across random queue changes', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const random = createRandom(seed);
      const cache = new DecisionCache();
      let now = 1000;
      let queue: QueuedRequest[] = Array.from({ length: 40 }, () => randomRequest(random, now));
      const left: QueuedRequest[] = [];

      for (let step = 0; step < 120; step += 1) {
        const result = expectSameAsFresh(stateOf(queue, now), cache, `seed ${seed}, step ${step}`) as { action?: { kind: string; requestIds?: string[]; expectedDurationMs?: number } };
        const leaving = new Set<string>(result.action?.requestIds ?? []);
        for (const drop of (result as { drops?: { requestId: string }[] }).drops ?? []) leaving.add(drop.requestId);
        now += result.action?.expectedDurationMs ?? 1;

        switch (random.integer(0, 8)) {
          case 0:
            // As the schedulers do: a new array without the batch and the drops, then arrivals.
            queue = queue.filter((request) => !leaving.has(request.id));
            break;
          case 1:
            // The same array, changed in place.
            for (let index = queue.length - 1; index >= 0; index -= 1) {
              if (leaving.has((queue[index] as QueuedRequest).id)) left.push(...queue.splice(index, 1));
            }
            shuffle(random, queue);
            break;
          case 2:
            queue = queue.filter((request) => !leaving.has(request.id)).reverse();
            break;
          case 3:
            // Every request replaced by a copy: new objects with the same ids.
            queue = queue.filter((request) => !leaving.has(request.id)).map((request) => ({ ...request }));
            break;
          case 4: {
            // One request replaced by a copy with another deadline, another removed at random.
            queue = queue.filter((request) => !leaving.has(request.id));
            if (queue.length > 2) {
              const index = random.integer(0, queue.length - 1);
              const request = queue[index] as QueuedRequest;
              queue[index] = { ...request, deadline: request.deadline + random.integer(-20, 20) };
              left.push(...queue.splice(random.integer(0, queue.length - 1), 1));
            }
            break;
          }
          case 5: {
            // A request that left earlier comes back, if its id is not queued.
            queue = queue.filter((request) => !leaving.has(request.id));
            const returning = left.pop();
            if (returning !== undefined && !queue.some((request) => request.id === returning.id)) {
              queue.splice(random.integer(0, queue.length), 0, { ...returning, arrival: Math.min(returning.arrival, now) });
            }
            break;
          }
          case 6: {
            // The same state decided again, then an unrelated queue on the same cache.
            expectSameAsFresh(stateOf(queue, now - (result.action?.expectedDurationMs ?? 1)), cache, `seed ${seed}, step ${step}, again`);
            const other = Array.from({ length: 10 }, () => randomRequest(random, now));
            expectSameAsFresh(stateOf(other, now), cache, `seed ${seed}, step ${step}, unrelated queue`);
            queue = queue.filter((request) => !leaving.has(request.id));
            break;
          }
          case 7: {
            // Baselines only check the queue: the cache checks half the queue and a new request, in
            // between two decisions.
            queue = queue.filter((request) => !leaving.has(request.id));
            const checked = [...queue.filter((_, index) => index % 2 === 0), randomRequest(random, now)];
            validateSchedulerState(stateOf(checked, now), cache);
            break;
          }
          default:
            queue = queue.filter((request) => !leaving.has(request.id));
            queue.unshift(...Array.from({ length: random.integer(0, 4) }, () => randomRequest(random, now)));
        }
        const arrivals = random.integer(0, 6);
        for (let count = 0; count < arrivals; count += 1) queue.push(randomRequest(random, now));
      }
    }
  });

  it('notices a request changed in place', () => {
    const random = createRandom(11);
    const cache = new DecisionCache();
    const queue = Array.from({ length: 12 }, () => randomRequest(random, 1000)) as { -readonly [K in keyof QueuedRequest]: QueuedRequest[K] }[];
    expectSameAsFresh(stateOf(queue, 1000), cache, 'before');

    // The caller breaks the contract: the most urgent request becomes the least urgent.
    const first = queue.reduce((best, request) => (request.deadline < best.deadline ? request : best));
    first.deadline = 5000;
    expectSameAsFresh(stateOf(queue, 1000), cache, 'deadline changed');

    first.estimates = { ...first.estimates, [`${first.application}-small`]: 0.99 };
    expectSameAsFresh(stateOf(queue, 1000), cache, 'estimates replaced');

    first.deadline = Number.NaN;
    expect(outcome(stateOf(queue, 1000), cache)).toEqual({ error: expect.stringContaining(`Request "${first.id}" has deadline NaN`) });
  });

  it('rebuilds rows when the variants change', () => {
    const random = createRandom(12);
    const cache = new DecisionCache();
    const queue = Array.from({ length: 12 }, () => randomRequest(random, 1000));
    expectSameAsFresh(stateOf(queue, 1000), cache, 'all variants');

    // A budget that leaves out a-large changes the variants the rows follow.
    const small = makeOptions({ memoryBudgetBytes: 200, batchSizes: [1, 2, 4] });
    const tight = serializeDecision(decide(stateOf(queue, 1000), small, cache));
    expect(tight).toEqual(serializeDecision(decide(stateOf(queue, 1000), small, new DecisionCache())));

    // A new variant of "a" that no request has an estimate for.
    const extra = makeVariant({ id: 'a-extra', application: 'a' });
    const withExtra = makeState({ now: 1000, queue, variants: [...variants, extra], resident });
    const firstOfA = queue.find((request) => request.application === 'a');
    expect(outcome(withExtra, cache)).toEqual({ error: expect.stringContaining(`Request "${firstOfA?.id}" has accuracy estimate undefined for variant "a-extra"`) });
  });
});

describe('decision cache duplicate ids', () => {
  const random = createRandom(21);
  const queue = Array.from({ length: 8 }, () => randomRequest(random, 1000));
  const target = queue[5] as QueuedRequest;

  function warmCache(): DecisionCache {
    const cache = new DecisionCache();
    decide(stateOf(queue, 1000), options, cache);
    return cache;
  }

  const duplicates = [
    { name: 'one object twice', build: () => [...queue, target] },
    { name: 'a copy before the original', build: () => [{ ...target }, ...queue] },
    { name: 'a copy after the original', build: () => [...queue, { ...target }] },
    { name: 'two copies of a request that left', build: () => [...queue.filter((request) => request !== target), { ...target }, { ...target }] },
  ];

  it.each(duplicates)('rejects $name', ({ build }) => {
    const cache = warmCache();

    expect(() => decide(stateOf(build(), 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
  });

  // A queue with no request of the last one reuses no entry, so every id is checked.
  it.each(duplicates)('rejects $name in a new queue', ({ build }) => {
    const cache = warmCache();
    decide(stateOf([randomRequest(random, 1000)], 1000), options, cache);

    expect(() => decide(stateOf(build(), 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
  });

  it('rejects a request back beside a copy that took its id', () => {
    const cache = warmCache();
    const copy = { ...target, deadline: target.deadline + 1 };
    const others = queue.filter((request) => request !== target);
    // The copy carries the id while the original is away, then both are queued.
    decide(stateOf([...others, copy], 1000), options, cache);

    expect(() => decide(stateOf([...others, target, copy], 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
    expect(() => decide(stateOf([copy, ...others, target], 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
  });

  it('accepts an id again once its request left', () => {
    const cache = warmCache();
    const others = queue.filter((request) => request !== target);
    const copy = { ...target, deadline: target.deadline + 1 };

    expect(outcome(stateOf([...others, copy], 1000), cache)).toEqual(outcome(stateOf([...others, copy], 1000), new DecisionCache()));
    expect(outcome(stateOf([...others, target], 1000), cache)).toEqual(outcome(stateOf([...others, target], 1000), new DecisionCache()));
  });

  it('rejects duplicates in validateSchedulerState', () => {
    const cache = new DecisionCache();
    validateSchedulerState(stateOf(queue, 1000), cache);

    expect(() => validateSchedulerState(stateOf([...queue, { ...target }], 1000), cache)).toThrow(`Request id "${target.id}" is queued twice`);
  });

  it('reports the first invalid request in queue order', () => {
    const cache = warmCache();
    const late = { ...(queue[1] as QueuedRequest), id: 'late', arrival: 2000 };

    // The duplicate comes first, so its error wins over the later arrival.
    expect(() => decide(stateOf([...queue, target, late], 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
    expect(() => decide(stateOf([late, ...queue, target], 1000), options, cache)).toThrow('Request "late" has arrival 2000 but now is 1000');
  });

  it('rejects a duplicate after a rejected queue', () => {
    const cache = warmCache();
    const others = queue.filter((request) => request !== target);
    const copy = { ...target, deadline: target.deadline + 1 };
    const twin = { ...(queue[1] as QueuedRequest), id: 'twin' };
    // Rejected for the twins after the copy got an entry and took the target's id.
    expect(() => decide(stateOf([...others, copy, twin, { ...twin }], 1000), options, cache)).toThrow('Request id "twin" is queued twice');

    // That entry must not hide that the original is queued beside the copy.
    expect(() => decide(stateOf([...queue, copy], 1000), options, cache)).toThrow(`Request id "${target.id}" is queued twice`);
  });

  it('keeps working after a rejected queue', () => {
    const cache = warmCache();
    expect(() => decide(stateOf([...queue, target], 1000), options, cache)).toThrow('queued twice');

    expectSameAsFresh(stateOf(queue.slice(2), 1000), cache, 'after the rejection');
  });
});

describe('request priorities', () => {
  const priorities = new RequestPriorities(
    [[makeRequest({ id: 'x', estimates: {} }), makeRequest({ id: 'y', estimates: {} })], [makeRequest({ id: 'z', estimates: {} })]],
    [new Float64Array([0.5, 0]), new Float64Array([0.25])],
  );

  it('iterates queue by queue', () => {
    expect([...priorities]).toEqual([
      ['x', 0.5],
      ['y', 0],
      ['z', 0.25],
    ]);
    expect([...priorities.keys()]).toEqual(['x', 'y', 'z']);
    expect([...priorities.values()]).toEqual([0.5, 0, 0.25]);
  });

  it('looks up ids', () => {
    expect(priorities.size).toBe(3);
    expect(priorities.get('z')).toBe(0.25);
    expect(priorities.has('y')).toBe(true);
    expect(priorities.get('w')).toBeUndefined();
  });

  it('calls forEach with each entry', () => {
    const seen: [string, number][] = [];
    priorities.forEach((value, id, map) => {
      expect(map).toBe(priorities);
      seen.push([id, value]);
    });
    expect(seen).toEqual([...priorities.entries()]);
  });
});
