/**
 * The scheduling policy: a pure function from the scheduler state and the options to a decision.
 *
 * Stages of one decision at time `t`:
 *
 * 1. Feasibility. A queued request that no variant of its application can finish in time, alone
 *    and started now, swap included, is dropped as `deadline-infeasible`. With soft deadlines
 *    "in time" means before the grace period ends.
 * 2. Candidates. Every application with remaining requests, every variant that fits the memory
 *    budget, every allowed batch size; see `candidates.ts`.
 * 3. Choice. Each candidate is scored by its members' expected utility plus a one-step roll-out of
 *    the rest of the queue (`rollout.ts`), minus its arrival cost: the expected utility of requests
 *    that will arrive while it runs and miss their deadlines because of it (`arrival-cost.ts`). Loading a variant must beat the best resident candidate
 *    by the swap margin, counting the variant's swap credit from earlier decisions
 *    (`swap-credit.ts`). A load evicts the least valuable resident variants (`residency.ts`).
 * 4. Queue delay. With a maximum queue delay, a batch smaller than its variant's full batch waits
 *    for more requests while the oldest request is younger than the delay and every member would
 *    still finish in time.
 * 5. Priorities. Every remaining request gets `w_q · (V_q(t) − V_q(t + Δ))`, the expected utility
 *    it loses by waiting for the chosen action (`RequestPriorities`).
 *
 * Ties are broken by stable orders (deadline, then arrival, then id), so equal inputs give equal
 * decisions. A decision costs `O(variants × sizes × n)` for `n` queued requests.
 */

import { chooseCandidate, enumerateCandidates, firstAtOrAbove, firstMember, memberIds, type Candidate } from './candidates';
import { defaultDecisionCache, type DecisionCache } from './decision-cache';
import { buildDecisionContext, type DecisionContext, type VariantState } from './decision-context';
import type { Action, Decision, RunAction, SchedulerState, WaitAction } from './model';
import type { ResolvedPolicyOptions } from './policy-options';
import { RequestPriorities } from './request-priorities';

/**
 * Decides what the executor does next, which requests to drop, and every request's priority.
 * `cache` keeps request entries and the deadline order from one call to the next, so a queue that
 * changed little since the last call is cheap to decide on. The decision is the same with any
 * cache. Callers that interleave unrelated queues can pass one cache per queue.
 */
export function decide(state: SchedulerState, options: ResolvedPolicyOptions, cache: DecisionCache = defaultDecisionCache): Decision {
  const context = buildDecisionContext(state, options, cache);
  if (context.applications.length === 0) {
    return { drops: context.drops, action: { kind: 'idle' }, priorities: new Map(), swapGains: new Map() };
  }

  // Every remaining request is feasible alone on some variant, so a candidate of size 1 exists.
  const { best, swapGains } = chooseCandidate(enumerateCandidates(context), context);
  if (best === undefined) {
    throw new Error(
      `The policy found no candidate batch for ${context.applications.length} applications with feasible requests at time ${context.now}. This is a bug in the candidate search; please report it with the scheduler state.`,
    );
  }

  const action: Action = waitForFullerBatch(context, best) ?? toRunAction(context, best);
  const delayMs = action.kind === 'run' ? action.expectedDurationMs : 0;
  return { drops: context.drops, action, priorities: computePriorities(context, delayMs), swapGains };
}

/**
 * Returns a wait action when the best batch is not full, the oldest remaining request is younger
 * than the maximum queue delay, and every member would still finish in time if the batch started
 * when that delay runs out.
 */
function waitForFullerBatch(context: DecisionContext, best: Candidate): WaitAction | undefined {
  const { maxQueueDelayMs } = context.options;
  if (maxQueueDelayMs <= 0) return undefined;
  if (best.size >= best.variant.fullBatch) return undefined;

  // Comparing `until` itself, not the request's age, keeps float rounding from returning a wait
  // that ends now or in the past.
  const until = context.oldestArrival + maxQueueDelayMs;
  if (until <= context.now) return undefined;

  // Members are in deadline order, so the first has the earliest latest useful finish.
  const tightestHorizon = best.queue.horizons[firstMember(best)] ?? -Infinity;
  if (until + best.durationMs > tightestHorizon) return undefined;

  return { kind: 'wait', until };
}

function toRunAction(context: DecisionContext, best: Candidate): RunAction {
  return {
    kind: 'run',
    variantId: best.variant.profile.id,
    application: best.queue.application,
    requestIds: memberIds(best),
    evict: context.evictionOrder.slice(0, best.evictCount),
    load: !best.variant.resident,
    expectedDurationMs: best.durationMs,
    score: best.score,
  };
}

/**
 * Returns `w_q · (V_q(t) − V_q(t + Δ))` for every remaining request, where `V_q(x)` is the best
 * `Â_m(q)` over the variants that could finish `q` alone, swap included, if started at `x`.
 */
function computePriorities(context: DecisionContext, delayMs: number): RequestPriorities {
  const { now } = context;
  const later = now + delayMs;
  const requests = [];
  const values = [];
  let total = 0;
  for (const queue of context.applications) total += queue.requests.length;
  // One buffer for every queue's priorities, zero where no range below writes.
  const buffer = new Float64Array(total);
  let offset = 0;

  for (const queue of context.applications) {
    // A variant counts for `V_q(x)` when `x + L(1) + swap` is within the request's horizon; these
    // are the two finishes, per variant, computed once per application.
    const variantCount = queue.variants.length;
    const finishNow = new Float64Array(variantCount);
    const finishLater = new Float64Array(variantCount);
    for (let variantIndex = 0; variantIndex < variantCount; variantIndex += 1) {
      const variant = queue.variants[variantIndex] as VariantState;
      const alone = variant.swapMs + (variant.latency[1] ?? 0);
      finishNow[variantIndex] = now + alone;
      finishLater[variantIndex] = later + alone;
    }

    // Variant `v` counts for `V_q(t)` from the first request whose horizon reaches `finishNow[v]`
    // and for `V_q(t + Δ)` from the first that reaches `finishLater[v]`, as horizons ascend. Outside
    // those ranges both values take the same variants, so the priority is exactly 0.
    const priorities = buffer.subarray(offset, offset + queue.requests.length);
    offset += queue.requests.length;
    for (const [from, to] of unionOfRanges(queue.horizons, finishNow, finishLater)) {
      for (let index = from; index < to; index += 1) {
        const horizon = queue.horizons[index] as number;
        let valueNow = 0;
        let valueLater = 0;
        for (let variantIndex = 0; variantIndex < variantCount; variantIndex += 1) {
          const estimate = (queue.estimates[variantIndex] as Float64Array)[index] as number;
          if ((finishNow[variantIndex] as number) <= horizon) valueNow = Math.max(valueNow, estimate);
          if ((finishLater[variantIndex] as number) <= horizon) valueLater = Math.max(valueLater, estimate);
        }
        priorities[index] = (queue.weights[index] as number) * (valueNow - valueLater);
      }
    }
    requests.push(queue.requests);
    values.push(priorities);
  }
  return new RequestPriorities(requests, values);
}

/**
 * Returns the union of the index ranges `[first horizon >= starts[v], first horizon >= ends[v])`
 * over the variants, as disjoint ranges in ascending order. `horizons` ascend and `ends[v] >=
 * starts[v]`.
 */
function unionOfRanges(horizons: Float64Array, starts: Float64Array, ends: Float64Array): [number, number][] {
  const ranges: [number, number][] = [];
  for (let variantIndex = 0; variantIndex < starts.length; variantIndex += 1) {
    const from = firstAtOrAbove(horizons, starts[variantIndex] as number);
    const to = firstAtOrAbove(horizons, ends[variantIndex] as number);
    if (from < to) ranges.push([from, to]);
  }
  ranges.sort((left, right) => left[0] - right[0]);

  const union: [number, number][] = [];
  for (const [from, to] of ranges) {
    const last = union[union.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else union.push([from, to]);
  }
  return union;
}
