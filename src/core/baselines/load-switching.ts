/**
 * Load-triggered model switching: the rule many deployments use to trade accuracy for throughput
 * without estimating anything, with queue-length thresholds and hysteresis.
 *
 * Adaptation: each application's variants form a ladder ordered by profiled accuracy. The current
 * rung is the variant the application last ran (the most accurate before it has run). At each
 * decision, an application with at least `highWater` queued requests steps one rung down (cheaper),
 * one with at most `lowWater` steps one rung up, and one in between stays. The gap between the two
 * thresholds is the hysteresis that keeps it from flapping. The next request in deadline order picks
 * the application, and the batch is its next requests in deadline order that still finish by the
 * tightest deadline among them. Requests that no variant of their application can finish alone are
 * dropped, as `decide` drops them. A switch does not wait for deadlines to allow the load: when the
 * new variant's load makes even the first request late, that request still runs, late, and carries
 * the load, because a threshold rule does not weigh the cost of switching.
 *
 * The current rung comes from `state.lastVariant`, so the policy is a pure function.
 */

import type { Decision, SchedulerState } from '../model.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import type { PolicyFunction } from '../simulator/sim-model.js';
import {
  baselineDecision,
  byDeadline,
  dropInfeasible,
  largestFittingBatch,
  planVariant,
  runAction,
  validateBaselineState,
  variantsByApplication,
  type PlannedVariant,
} from './shared.js';

export interface LoadSwitchingOptions {
  /**
   * Queued requests of an application at or above which it steps to a cheaper variant.
   * @default 16
   */
  highWater?: number;
  /**
   * Queued requests of an application at or below which it steps to a more accurate variant.
   * @default 2
   */
  lowWater?: number;
}

export const DEFAULT_LOAD_SWITCHING_OPTIONS = Object.freeze({ highWater: 16, lowWater: 2 } as const satisfies Required<LoadSwitchingOptions>);

export function createLoadSwitchingPolicy(user: LoadSwitchingOptions = {}): PolicyFunction {
  const { highWater, lowWater } = { ...DEFAULT_LOAD_SWITCHING_OPTIONS, ...user };
  if (!Number.isInteger(lowWater) || !Number.isInteger(highWater) || lowWater < 0 || highWater <= lowWater) {
    throw new RangeError(
      `Load switching thresholds are lowWater ${lowWater} and highWater ${highWater}. Use whole numbers with 0 <= lowWater < highWater.`,
    );
  }

  return function loadSwitchingPolicy(state: SchedulerState, options: ResolvedPolicyOptions): Decision {
    validateBaselineState(state);

    const queued = new Map<string, number>();
    for (const request of state.queue) queued.set(request.application, (queued.get(request.application) ?? 0) + 1);

    // Choose each application's rung from its queue length and the rung it ran last.
    const chosen = new Map<string, PlannedVariant>();
    const all = new Map<string, PlannedVariant[]>();
    for (const [application, variants] of variantsByApplication(state, options)) {
      all.set(application, variants.map((variant) => planVariant(state, variant, options)));
      const ladder = [...variants].sort((left, right) => right.profiledAccuracy - left.profiledAccuracy);
      const last = ladder.findIndex((variant) => variant.id === state.lastVariant.get(application));
      let rung = last < 0 ? 0 : last;
      const length = queued.get(application) ?? 0;
      if (length >= highWater) rung = Math.min(ladder.length - 1, rung + 1);
      else if (length <= lowWater) rung = Math.max(0, rung - 1);
      const variant = ladder[rung];
      if (variant !== undefined) chosen.set(application, planVariant(state, variant, options));
    }
    const { drops, remaining } = dropInfeasible(state, options, (application) => all.get(application) ?? []);
    const ordered = [...remaining].sort(byDeadline);
    const head = ordered[0];
    if (head === undefined) return baselineDecision(drops, { kind: 'idle' });

    const variant = chosen.get(head.application) as PlannedVariant;
    const sameApplication = ordered.filter((request) => request.application === head.application);
    const size = Math.max(1, largestFittingBatch(state.now, sameApplication, variant, options));
    return baselineDecision(drops, runAction(state, options, variant, sameApplication.slice(0, size)));
  };
}
