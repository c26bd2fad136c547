/**
 * Profiled-accuracy selection in the manner of INFaaS (Romero et al., USENIX ATC 2021), which
 * picks, per query, a model variant that meets the query's latency target from profiled accuracy
 * and latency, and scales hardware underneath.
 *
 * Adaptation: there is no hardware to add and no accuracy target per request, so the rule becomes
 * "the most accurate variant whose latency fits". The most urgent request (earliest deadline)
 * picks the application; its requests in deadline order form the batch. Variants are tried from
 * the highest profiled accuracy down, and the first one that can finish a batch of at least one
 * by the tightest deadline in it (load included) runs the largest such batch. Profiled accuracy is
 * one number per variant, so this baseline never looks at the request's input and ignores the
 * queue behind the batch, which is what `decide`'s roll-out adds.
 */

import type { Decision, SchedulerState } from '../model.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
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

export function infaasPolicy(state: SchedulerState, options: ResolvedPolicyOptions): Decision {
  validateBaselineState(state);

  // Each application's variants, most accurate first (id order on ties, from the sorted input).
  const planned = new Map<string, PlannedVariant[]>();
  for (const [application, variants] of variantsByApplication(state, options)) {
    const ordered = [...variants].sort((left, right) => right.profiledAccuracy - left.profiledAccuracy);
    planned.set(application, ordered.map((variant) => planVariant(state, variant, options)));
  }

  const { drops, remaining } = dropInfeasible(state, options, (application) => planned.get(application) ?? []);
  const ordered = [...remaining].sort(byDeadline);
  const head = ordered[0];
  if (head === undefined) return baselineDecision(drops, { kind: 'idle' });

  const sameApplication = ordered.filter((request) => request.application === head.application);
  for (const variant of planned.get(head.application) ?? []) {
    const size = largestFittingBatch(state.now, sameApplication, variant, options);
    if (size > 0) return baselineDecision(drops, runAction(state, options, variant, sameApplication.slice(0, size)));
  }
  throw new Error(
    `INFaaS baseline found no variant for request "${head.id}" although it passed the feasibility check at time ${state.now}. This is a bug in the baseline.`,
  );
}
