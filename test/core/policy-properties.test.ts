import { describe, expect, it } from 'vitest';

import { latencyMs } from '../../src/core/latency';
import type { LatencyPoint, QueuedRequest, SchedulerState, VariantProfile } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { resolvePolicyOptions, type ResolvedPolicyOptions } from '../../src/core/policy-options';
import { createRandom, type Random } from '../../src/core/random';
import { simulate } from './simulate';

const SEEDS = Array.from({ length: 300 }, (_, index) => index + 1);

function pick<T>(random: Random, values: readonly T[]): T {
  return values[random.integer(0, values.length - 1)] as T;
}

function shuffle<T>(random: Random, values: readonly T[]): T[] {
  const shuffled = [...values];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = random.integer(0, index);
    [shuffled[index], shuffled[other]] = [shuffled[other] as T, shuffled[index] as T];
  }
  return shuffled;
}

function randomLatency(random: Random, maxBatch: number): LatencyPoint[] {
  const base = random.integer(3, 40);
  const slope = random.uniform() * 15;
  const sizes = [...new Set([1, random.integer(1, maxBatch), maxBatch])].sort((left, right) => left - right);
  const used = sizes.slice(0, random.integer(1, sizes.length));
  return used.map((batchSize) => ({ batchSize, ms: base + slope * (batchSize - 1) + random.uniform() * 3 }));
}

/** Builds one to three applications of one to three variants each, and a budget that fits the largest. */
function randomVariants(random: Random): { variants: VariantProfile[]; budget: number } {
  const variants: VariantProfile[] = [];
  for (let application = 0; application < random.integer(1, 3); application += 1) {
    for (let variant = 0; variant < random.integer(1, 3); variant += 1) {
      const maxBatch = random.integer(1, 8);
      variants.push({
        id: `a${application}-v${variant}`,
        application: `a${application}`,
        footprintBytes: random.integer(10, 100),
        maxBatch,
        loadMs: random.integer(0, 40),
        latency: randomLatency(random, maxBatch),
        recall: [1],
        profiledAccuracy: 0.8,
      });
    }
  }
  const largest = Math.max(...variants.map((variant) => variant.footprintBytes));
  return { variants, budget: largest + random.integer(0, 150) };
}

function randomRequest(random: Random, id: string, variants: readonly VariantProfile[], arrival: number, deadline: number): QueuedRequest {
  const application = pick(random, variants).application;
  const estimates: Record<string, number> = {};
  for (const variant of variants) {
    if (variant.application === application) estimates[variant.id] = 0.3 + 0.7 * random.uniform();
  }
  return { id, application, arrival, deadline, weight: pick(random, [1, 1, 2, 0.5]), estimates };
}

function randomOptions(random: Random, budget: number): ResolvedPolicyOptions {
  return resolvePolicyOptions({
    memoryBudgetBytes: budget,
    swapMargin: pick(random, [0, 0.5, 2]),
    maxQueueDelayMs: pick(random, [0, 0, 15]),
    ...(random.uniform() < 0.5 ? { batchSizes: [1, 2, 4, 8] } : {}),
  });
}

/** Builds a random state whose resident set fits the budget. */
function randomScenario(seed: number): { state: SchedulerState; options: ResolvedPolicyOptions } {
  const random = createRandom(seed);
  const { variants, budget } = randomVariants(random);
  const now = 1000;

  const resident = new Map<string, number>();
  let used = 0;
  for (const variant of shuffle(random, variants)) {
    if (random.uniform() < 0.6 && used + variant.footprintBytes <= budget) {
      resident.set(variant.id, random.integer(0, now));
      used += variant.footprintBytes;
    }
  }

  const lastVariant = new Map<string, string>();
  for (const variant of variants) {
    if (random.uniform() < 0.3) lastVariant.set(variant.application, variant.id);
  }

  const queue = Array.from({ length: random.integer(0, 25) }, (_, index) =>
    randomRequest(random, `q${index}`, variants, now - random.integer(0, 50), now + random.integer(-10, 250)),
  );
  return { state: { now, queue, variants, resident, lastVariant }, options: randomOptions(random, budget) };
}

function footprintOf(state: SchedulerState, variantId: string): number {
  return state.variants.find((variant) => variant.id === variantId)?.footprintBytes ?? Number.NaN;
}

describe('decide on random states', () => {
  it.each(SEEDS)('keeps every batch member within its deadline (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const decision = decide(state, options);
    if (decision.action.kind !== 'run') return;

    const { action } = decision;
    for (const id of action.requestIds) {
      const deadline = state.queue.find((request) => request.id === id)?.deadline ?? -Infinity;
      expect(state.now + action.expectedDurationMs, `request ${id}`).toBeLessThanOrEqual(deadline);
    }
  });

  it.each(SEEDS)('forms a valid batch with the right duration (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const decision = decide(state, options);
    if (decision.action.kind !== 'run') return;

    const { action } = decision;
    const variant = state.variants.find((candidate) => candidate.id === action.variantId);
    if (variant === undefined) throw new Error(`unknown variant ${action.variantId}`);
    const members = action.requestIds.map((id) => state.queue.find((request) => request.id === id));
    const droppedIds = new Set(decision.drops.map((drop) => drop.requestId));

    expect(variant.application).toBe(action.application);
    expect(new Set(action.requestIds).size).toBe(action.requestIds.length);
    expect(action.requestIds.length).toBeLessThanOrEqual(variant.maxBatch);
    expect(options.batchSizes === null || options.batchSizes.includes(action.requestIds.length)).toBe(true);
    for (const member of members) {
      expect(member?.application, member?.id).toBe(action.application);
      expect(droppedIds.has(member?.id ?? ''), member?.id).toBe(false);
    }

    const swapMs = state.resident.has(variant.id) ? 0 : variant.loadMs;
    expect(action.load).toBe(!state.resident.has(variant.id));
    expect(action.expectedDurationMs).toBeCloseTo(swapMs + latencyMs(variant.latency, action.requestIds.length), 9);
  });

  it.each(SEEDS)('keeps the resident set within the budget after a load (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const decision = decide(state, options);
    if (decision.action.kind !== 'run') return;

    const { action } = decision;
    for (const id of action.evict) expect(state.resident.has(id), `evicted ${id}`).toBe(true);
    if (!action.load) {
      expect(action.evict).toEqual([]);
      return;
    }

    const after = new Set([...state.resident.keys()].filter((id) => !action.evict.includes(id)));
    after.add(action.variantId);
    const bytes = [...after].reduce((sum, id) => sum + footprintOf(state, id), 0);
    expect(bytes).toBeLessThanOrEqual(options.memoryBudgetBytes);
  });

  it.each(SEEDS)('drops exactly the requests no variant can finish in time (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const decision = decide(state, options);
    const droppedIds = new Set(decision.drops.map((drop) => drop.requestId));

    for (const request of state.queue) {
      const feasible = state.variants.some(
        (variant) =>
          variant.application === request.application &&
          variant.footprintBytes <= options.memoryBudgetBytes &&
          state.now + (state.resident.has(variant.id) ? 0 : variant.loadMs) + latencyMs(variant.latency, 1) <= request.deadline,
      );
      expect(droppedIds.has(request.id), `request ${request.id}`).toBe(!feasible);
    }
  });

  it.each(SEEDS)('gives every remaining request a non-negative priority (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const decision = decide(state, options);
    const droppedIds = new Set(decision.drops.map((drop) => drop.requestId));
    const remaining = state.queue.filter((request) => !droppedIds.has(request.id)).map((request) => request.id);

    expect([...decision.priorities.keys()].sort()).toEqual(remaining.sort());
    for (const [id, priority] of decision.priorities) expect(priority, `request ${id}`).toBeGreaterThanOrEqual(0);
  });

  it.each(SEEDS.slice(0, 100))('decides the same whatever the input order (seed %i)', (seed) => {
    const { state, options } = randomScenario(seed);
    const random = createRandom(seed + 10_000);
    const shuffled: SchedulerState = { ...state, queue: shuffle(random, state.queue), variants: shuffle(random, state.variants) };

    expect(decide(shuffled, options)).toEqual(decide(state, options));
  });
});

describe('decide over simulated traces', () => {
  const traceSeeds = Array.from({ length: 40 }, (_, index) => index + 1);

  it.each(traceSeeds)('never exceeds the memory budget and never finishes a batch late (seed %i)', (seed) => {
    const random = createRandom(seed);
    const { variants, budget } = randomVariants(random);
    const options = randomOptions(random, budget);
    const meanGapMs = pick(random, [2, 5, 20]);

    let clock = 0;
    const trace = Array.from({ length: 200 }, (_, index) => {
      clock += random.exponential(meanGapMs);
      return randomRequest(random, `r${index}`, variants, clock, clock + random.integer(20, 300));
    });

    // After every decision, apply its evictions and load to the resident set and check the budget.
    const footprints = new Map(variants.map((variant) => [variant.id, variant.footprintBytes]));
    const budgetChecks: number[] = [];
    const result = simulate({
      trace,
      variants,
      options,
      onDecision: (state, decision) => {
        if (decision.action.kind !== 'run') return;
        const { action } = decision;
        const after = new Set([...state.resident.keys()].filter((id) => !action.evict.includes(id)));
        after.add(action.variantId);
        budgetChecks.push([...after].reduce((sum, id) => sum + (footprints.get(id) ?? Number.NaN), 0));
      },
    });

    expect(budgetChecks.length).toBeGreaterThan(0);
    for (const [step, bytes] of budgetChecks.entries()) expect(bytes, `decision ${step}`).toBeLessThanOrEqual(budget);
    for (const served of result.served) expect(served.finish, served.requestId).toBeLessThanOrEqual(served.deadline);
    expect(result.served.length + result.droppedIds.length).toBe(trace.length);
  });

  it('exercises loads and evictions across the seeds', () => {
    // Guards the property above against generators that never need a swap.
    let loads = 0;
    let evictions = 0;
    for (const seed of traceSeeds) {
      const random = createRandom(seed);
      const { variants, budget } = randomVariants(random);
      const options = randomOptions(random, budget);
      let clock = 0;
      const trace = Array.from({ length: 200 }, (_, index) => {
        clock += random.exponential(5);
        return randomRequest(random, `r${index}`, variants, clock, clock + random.integer(20, 300));
      });
      const result = simulate({
        trace,
        variants,
        options,
        onDecision: (_, decision) => {
          if (decision.action.kind === 'run') evictions += decision.action.evict.length;
        },
      });
      loads += result.loads;
    }

    expect(loads).toBeGreaterThan(40);
    expect(evictions).toBeGreaterThan(0);
  });
});
