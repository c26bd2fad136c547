/**
 * FIFO and EDF with a fixed variant: the plain serving loops a scheduler must beat.
 *
 * Adaptation: each application is served by one variant chosen once from the profiles (its most
 * accurate, or its fastest by `L(1)`), so accuracy never scales with load. Batching is the dynamic
 * batching of common inference servers, sized so that no member finishes late. The next request in
 * the order (arrival for FIFO, deadline for EDF, across applications) picks the application. The
 * batch takes that application's next requests in the same order, as many as still finish by the
 * tightest deadline among them. A request the fixed variant can no longer
 * finish in time is dropped, as the runtime would. A variant that is not resident (several
 * applications under a tight budget) is loaded, evicting as `decide` would.
 */

import type { Decision, SchedulerState, VariantProfile } from '../model.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import type { PolicyFunction } from '../simulator/sim-model.js';
import {
  baselineDecision,
  byArrival,
  byDeadline,
  dropInfeasible,
  fastest,
  largestFittingBatch,
  mostAccurate,
  planVariant,
  runAction,
  validateBaselineState,
  variantsByApplication,
  type PlannedVariant,
} from './shared.js';

export const QueueOrder = { Fifo: 'fifo', Edf: 'edf' } as const;
export type QueueOrder = (typeof QueueOrder)[keyof typeof QueueOrder];

export const FixedChoice = { Accurate: 'accurate', Fastest: 'fastest' } as const;
export type FixedChoice = (typeof FixedChoice)[keyof typeof FixedChoice];

/**
 * Returns a FIFO or EDF policy that serves each application with one fixed variant. The variant is
 * chosen at the application's first decision and kept, because refined latency profiles could
 * otherwise change which variant is the fastest. Create one policy per run.
 */
export function createFixedVariantPolicy(order: QueueOrder, choice: FixedChoice): PolicyFunction {
  const compare = order === QueueOrder.Fifo ? byArrival : byDeadline;
  const pick = choice === FixedChoice.Accurate ? mostAccurate : fastest;
  const chosenIds = new Map<string, string>();

  return function fixedVariantPolicy(state: SchedulerState, options: ResolvedPolicyOptions): Decision {
    validateBaselineState(state);

    const fixed = new Map<string, PlannedVariant>();
    for (const [application, variants] of variantsByApplication(state, options)) {
      const chosenId = chosenIds.get(application) ?? pick(variants)?.id;
      const chosen: VariantProfile | undefined = variants.find((variant) => variant.id === chosenId);
      if (chosen === undefined) continue;
      chosenIds.set(application, chosen.id);
      fixed.set(application, planVariant(state, chosen, options));
    }
    const allowed = (application: string): PlannedVariant[] => {
      const variant = fixed.get(application);
      return variant === undefined ? [] : [variant];
    };

    const { drops, remaining } = dropInfeasible(state, options, allowed);
    const ordered = [...remaining].sort(compare);
    const head = ordered[0];
    if (head === undefined) return baselineDecision(drops, { kind: 'idle' });

    const variant = fixed.get(head.application) as PlannedVariant;
    const sameApplication = ordered.filter((request) => request.application === head.application);
    // The head is feasible alone, so at least one request fits.
    const size = Math.max(1, largestFittingBatch(state.now, sameApplication, variant, options));
    return baselineDecision(drops, runAction(state, options, variant, sameApplication.slice(0, size)));
  };
}
