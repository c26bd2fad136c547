/**
 * Building blocks the baseline policies share, so each baseline file states only its own rule.
 * They validate the state, drop requests no allowed variant can finish in time, plan the load and
 * evictions a variant needs, and size a batch to the tightest deadline in it.
 *
 * Baselines use the same feasibility rule as `decide`: a request is dropped as
 * `deadline-infeasible` when no variant the baseline may use can finish it alone, started now,
 * swap included, by its latest useful finish (the deadline plus any soft-deadline grace).
 */

import { validateSchedulerState } from '../decision-context.js';
import { latencyTable } from '../latency.js';
import { DropReason, type Decision, type Drop, type QueuedRequest, type RunAction, type SchedulerState, type VariantProfile } from '../model.js';
import { batchSizesFor, type ResolvedPolicyOptions } from '../policy-options.js';
import { compareIds, planEvictions } from '../residency.js';
import { latestUsefulFinish } from '../utility.js';

/** A variant with its latency table and its swap cost at this decision. */
export interface PlannedVariant {
  profile: VariantProfile;
  /** `L(b)` indexed by batch size from 1 to maxBatch; index 0 unused. */
  latency: number[];
  /** Batch sizes the options allow on this variant, ascending. */
  sizes: number[];
  /** 0 when resident, else the load cost. */
  swapMs: number;
}

/** Prepares a variant for a baseline's decision. */
export function planVariant(state: SchedulerState, profile: VariantProfile, options: ResolvedPolicyOptions): PlannedVariant {
  return {
    profile,
    latency: latencyTable(profile.latency, profile.maxBatch, `variant "${profile.id}" latency profile`),
    sizes: batchSizesFor(profile.maxBatch, options),
    swapMs: state.resident.has(profile.id) ? 0 : profile.loadMs,
  };
}

/** Variants of each application that fit the memory budget, sorted by id. */
export function variantsByApplication(state: SchedulerState, options: ResolvedPolicyOptions): Map<string, VariantProfile[]> {
  const byApplication = new Map<string, VariantProfile[]>();
  const sorted = [...state.variants].sort((left, right) => compareIds(left.id, right.id));
  for (const variant of sorted) {
    if (variant.footprintBytes > options.memoryBudgetBytes) continue;
    const list = byApplication.get(variant.application) ?? [];
    list.push(variant);
    byApplication.set(variant.application, list);
  }
  return byApplication;
}

/** Returns whether `variant` can finish `request` alone, started at `now`, swap included. */
export function canFinishAlone(now: number, request: QueuedRequest, variant: PlannedVariant, options: ResolvedPolicyOptions): boolean {
  return now + variant.swapMs + (variant.latency[1] ?? 0) <= latestUsefulFinish(request.deadline, options.graceMs);
}

/** Splits the queue into drops (no allowed variant can finish the request in time) and the rest. */
export function dropInfeasible(
  state: SchedulerState,
  options: ResolvedPolicyOptions,
  allowed: (application: string) => readonly PlannedVariant[],
): { drops: Drop[]; remaining: QueuedRequest[] } {
  const drops: Drop[] = [];
  const remaining: QueuedRequest[] = [];
  for (const request of state.queue) {
    const feasible = allowed(request.application).some((variant) => canFinishAlone(state.now, request, variant, options));
    if (feasible) remaining.push(request);
    else drops.push({ requestId: request.id, reason: DropReason.DeadlineInfeasible });
  }
  return { drops, remaining };
}

/**
 * Returns the largest allowed batch size `b` such that the first `b` of `ordered` all finish by
 * their latest useful finish on `variant`, started now; 0 when not even the first fits.
 */
export function largestFittingBatch(
  now: number,
  ordered: readonly QueuedRequest[],
  variant: PlannedVariant,
  options: ResolvedPolicyOptions,
  cap = Infinity,
): number {
  // The tightest horizon of each prefix, so each size is checked in constant time.
  const tightest: number[] = [];
  let horizon = Infinity;
  for (const request of ordered) {
    horizon = Math.min(horizon, latestUsefulFinish(request.deadline, options.graceMs));
    tightest.push(horizon);
  }

  let best = 0;
  for (const size of variant.sizes) {
    if (size > ordered.length || size > cap) break;
    if (now + variant.swapMs + (variant.latency[size] ?? Infinity) <= (tightest[size - 1] ?? -Infinity)) best = size;
  }
  return best;
}

/** Builds the run action of a batch of `members` on `variant`, with the evictions its load needs. */
export function runAction(
  state: SchedulerState,
  options: ResolvedPolicyOptions,
  variant: PlannedVariant,
  members: readonly QueuedRequest[],
): RunAction {
  const load = !state.resident.has(variant.profile.id);
  const evict = load
    ? planEvictions({
        incoming: variant.profile,
        resident: state.resident,
        variants: state.variants,
        queue: state.queue,
        memoryBudgetBytes: options.memoryBudgetBytes,
      })
    : [];
  return {
    kind: 'run',
    variantId: variant.profile.id,
    application: variant.profile.application,
    requestIds: members.map((request) => request.id),
    evict,
    load,
    expectedDurationMs: variant.swapMs + (variant.latency[members.length] ?? 0),
    score: 0,
  };
}

/** Builds a decision without priorities or swap gains, which the baselines do not compute. */
export function baselineDecision(drops: Drop[], action: Decision['action']): Decision {
  return { drops, action, priorities: new Map(), swapGains: new Map() };
}

/** Validates the state as `decide` does, so baselines reject the same bad input. */
export function validateBaselineState(state: SchedulerState): void {
  validateSchedulerState(state);
}

/** Orders by deadline, then arrival, then id. */
export function byDeadline(left: QueuedRequest, right: QueuedRequest): number {
  return left.deadline - right.deadline || left.arrival - right.arrival || compareIds(left.id, right.id);
}

/** Orders by arrival, then id. */
export function byArrival(left: QueuedRequest, right: QueuedRequest): number {
  return left.arrival - right.arrival || compareIds(left.id, right.id);
}

/** Returns the variant with the highest profiled accuracy, the first in input order on ties. */
export function mostAccurate(variants: readonly VariantProfile[]): VariantProfile | undefined {
  let best: VariantProfile | undefined;
  for (const variant of variants) {
    if (best === undefined || variant.profiledAccuracy > best.profiledAccuracy) best = variant;
  }
  return best;
}

/** Returns the variant with the lowest `L(1)`, the first in input order on ties. */
export function fastest(variants: readonly VariantProfile[]): VariantProfile | undefined {
  let best: VariantProfile | undefined;
  let bestMs = Infinity;
  for (const variant of variants) {
    const ms = latencyTable(variant.latency, 1, `variant "${variant.id}" latency profile`)[1] ?? Infinity;
    if (ms < bestMs) {
      best = variant;
      bestMs = ms;
    }
  }
  return best;
}
