/**
 * Adaptive batch sizing in the manner of Clipper (Crankshaw et al., NSDI 2017). Clipper tunes each
 * model's maximum batch size by additive increase and multiplicative decrease (AIMD). It grows the
 * cap while batches meet the latency objective and cuts it by a fixed fraction when one misses.
 *
 * Adaptation: the latency objective is each request's own deadline, and a batch "misses" when any
 * member finishes late. Each application is served by its most accurate variant (Clipper's model
 * selection combines models and does not trade accuracy for load). Batches take the application's
 * next requests in deadline order, up to the current cap, without shrinking to fit the tightest
 * deadline: AIMD learns the size from feedback instead. Requests the variant can no longer finish
 * alone are dropped, as the runtime would.
 *
 * The cap is state learnt from feedback, so each run needs its own policy from
 * `createClipperAimdPolicy`.
 */

import type { Decision, SchedulerState } from '../model.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import type { BatchFeedback, PolicyFunction } from '../simulator/sim-model.js';
import {
  baselineDecision,
  byDeadline,
  dropInfeasible,
  mostAccurate,
  planVariant,
  runAction,
  validateBaselineState,
  variantsByApplication,
  type PlannedVariant,
} from './shared.js';

export interface AimdOptions {
  /**
   * Batch-size cap each variant starts with.
   * @default 1
   */
  initialCap?: number;
  /**
   * Added to the cap after a batch whose members all met their deadlines.
   * @default 1
   */
  increase?: number;
  /**
   * Factor the cap is multiplied by after a batch with a late member (Clipper backs off by 10%).
   * @default 0.9
   */
  decrease?: number;
}

export const DEFAULT_AIMD_OPTIONS = Object.freeze({ initialCap: 1, increase: 1, decrease: 0.9 } as const satisfies Required<AimdOptions>);

export interface AimdPolicy {
  decide: PolicyFunction;
  observe: (feedback: BatchFeedback) => void;
  /** Current cap of a variant, for tests and reports. */
  capOf: (variantId: string) => number;
}

export function createClipperAimdPolicy(user: AimdOptions = {}): AimdPolicy {
  const options = { ...DEFAULT_AIMD_OPTIONS, ...user };
  if (!(options.initialCap >= 1) || !(options.increase > 0) || !(options.decrease > 0 && options.decrease < 1)) {
    throw new RangeError(
      `AIMD options are initialCap ${options.initialCap}, increase ${options.increase}, decrease ${options.decrease}. Use initialCap >= 1, increase > 0 and decrease in (0, 1).`,
    );
  }
  // Caps are fractional so repeated small cuts add up; batches use the whole part.
  const caps = new Map<string, number>();
  const capOf = (variantId: string): number => caps.get(variantId) ?? options.initialCap;

  const decide = (state: SchedulerState, policyOptions: ResolvedPolicyOptions): Decision => {
    validateBaselineState(state);

    const served = new Map<string, PlannedVariant>();
    for (const [application, variants] of variantsByApplication(state, policyOptions)) {
      const chosen = mostAccurate(variants);
      if (chosen !== undefined) served.set(application, planVariant(state, chosen, policyOptions));
    }
    const allowed = (application: string): PlannedVariant[] => {
      const variant = served.get(application);
      return variant === undefined ? [] : [variant];
    };

    const { drops, remaining } = dropInfeasible(state, policyOptions, allowed);
    const ordered = [...remaining].sort(byDeadline);
    const head = ordered[0];
    if (head === undefined) return baselineDecision(drops, { kind: 'idle' });

    const variant = served.get(head.application) as PlannedVariant;
    const sameApplication = ordered.filter((request) => request.application === head.application);
    // A cap above the variant's maximum batch would take many misses to come back down.
    const cap = Math.min(capOf(variant.profile.id), variant.profile.maxBatch);
    caps.set(variant.profile.id, cap);
    const largestAllowed = variant.sizes.filter((size) => size <= Math.floor(cap)).at(-1) ?? 1;
    const size = Math.min(largestAllowed, sameApplication.length);
    return baselineDecision(drops, runAction(state, policyOptions, variant, sameApplication.slice(0, size)));
  };

  const observe = (feedback: BatchFeedback): void => {
    const cap = capOf(feedback.variantId);
    const next = feedback.late > 0 ? Math.max(1, cap * options.decrease) : cap + options.increase;
    // Growing past the batch that was actually run teaches nothing, so the cap grows only from full batches.
    if (feedback.late === 0 && feedback.size < Math.floor(cap)) return;
    caps.set(feedback.variantId, next);
  };

  return { decide, observe, capOf };
}
