/**
 * Every accuracy estimator of one application, applied to requests in the order their SneakPeek
 * posteriors become available, which is the order the live scheduler receives them in.
 *
 * | kind        | `Â_m(q)` |
 * |-------------|----------|
 * | `profiled`  | `A_m`, the same for every request |
 * | `profiled-deployment` | `Σ_c π_dep(c) · r_m(c)` over the deployment's own label mix: profiles a vendor would measure on this traffic |
 * | `posterior` | `Σ_c p_g(c | x_q) · r_m(c)` |
 * | `tracked`   | the posterior estimate after re-weighting `p_g` to the label mix a `PriorTracker` estimates from recent posteriors |
 * | `joint`     | `P(m correct | g's predicted class, confidence bin)` from the validation split, falling back to `posterior` |
 * | `oracle`    | 1 if `m`'s recorded answer on `q` is right, else 0: simulation only |
 *
 * The tracker's reference prior is the SneakPeek model's mean posterior on the validation split,
 * not the validation label mix. Re-weighting assumes the posterior was fitted under the reference
 * prior. A model trained with class weights (the weather model's mean validation posterior gives
 * snow 4.7% where the split has 0.8%) breaks that, and EM against the label mix then converges to
 * a degenerate mix even on the validation split itself. Against the mean posterior, the
 * validation split is a fixed point, so only a real shift moves the estimate.
 */

import { posteriorEstimates, profiledAccuracy, profiledEstimates, softmax } from '../estimators.js';
import type { VariantProfile } from '../model.js';
import { buildJointTable, jointEstimate, type JointTable, type ResolvedJointEstimatorOptions } from './joint-estimator.js';
import { PriorTracker, type ResolvedPriorTrackerOptions } from './prior-tracker.js';
import type { RecordedSplit } from '../manifest.js';

export const EstimatorKind = {
  Profiled: 'profiled',
  ProfiledDeployment: 'profiled-deployment',
  Posterior: 'posterior',
  Tracked: 'tracked',
  Joint: 'joint',
  Oracle: 'oracle',
} as const;
export type EstimatorKind = (typeof EstimatorKind)[keyof typeof EstimatorKind];

export const ESTIMATOR_KINDS: readonly EstimatorKind[] = Object.freeze(Object.values(EstimatorKind));

/** Estimates of every variant of the application, per estimator kind. */
export type EstimateSet = Record<EstimatorKind, Record<string, number>>;

/** Inputs of the estimators of one application. */
export interface EstimatorSetSpec {
  variants: readonly Pick<VariantProfile, 'id' | 'recall' | 'profiledAccuracy'>[];
  /** Validation label mix `π_val`, the mix the SneakPeek posterior was fitted under. */
  validationMix: readonly number[];
  /** SneakPeek temperature: the posterior is `softmax(logits / temperature)`. */
  temperature: number;
  /**
   * Label mix of the traffic being estimated, for `profiled-deployment`. A simulator can compute
   * it in advance. Absent means the validation mix.
   */
  deploymentMix?: readonly number[];
  /** Recorded validation outputs, for the joint estimator's counts. */
  validation: RecordedSplit;
  jointOptions: ResolvedJointEstimatorOptions;
  trackerOptions: ResolvedPriorTrackerOptions;
}

/**
 * The estimators of one application. The tracker keeps state, so feed requests in the order their
 * posteriors arrive and create a new set per simulated trace.
 */
export class EstimatorSet {
  private readonly joint: JointTable;
  private readonly tracker: PriorTracker;
  private readonly profiled: Record<string, number>;
  private readonly profiledDeployment: Record<string, number>;

  constructor(private readonly spec: EstimatorSetSpec) {
    this.joint = buildJointTable(
      spec.validation,
      spec.variants.map((variant) => variant.id),
      spec.temperature,
      spec.jointOptions,
    );
    this.tracker = new PriorTracker(meanPosterior(spec.validation, spec.temperature), spec.trackerOptions);
    this.profiled = profiledEstimates(spec.variants);
    const deploymentMix = spec.deploymentMix ?? spec.validationMix;
    this.profiledDeployment = {};
    for (const variant of spec.variants) this.profiledDeployment[variant.id] = profiledAccuracy(variant.recall, deploymentMix);
  }

  /**
   * Returns every estimator's `Â_m(q)` for one request, from its SneakPeek logits and whether each
   * variant's recorded prediction is correct (used by the oracle only).
   */
  estimate(logits: readonly number[], correct: Readonly<Record<string, boolean>>): EstimateSet {
    const posterior = softmax(logits, this.spec.temperature);

    // The tracker adds this posterior to its window before adjusting it, as a live tracker would.
    this.tracker.observe(posterior);
    const adjusted = this.tracker.adjust(posterior);

    const joint: Record<string, number> = {};
    const oracle: Record<string, number> = {};
    for (const variant of this.spec.variants) {
      joint[variant.id] = jointEstimate(this.joint, variant.id, posterior, variant.recall);
      const isCorrect = correct[variant.id];
      if (isCorrect === undefined) {
        throw new RangeError(`No recorded correctness for variant "${variant.id}". Pass one entry per variant of the application.`);
      }
      oracle[variant.id] = isCorrect ? 1 : 0;
    }

    return {
      profiled: { ...this.profiled },
      'profiled-deployment': { ...this.profiledDeployment },
      posterior: posteriorEstimates(posterior, this.spec.variants),
      tracked: posteriorEstimates(adjusted, this.spec.variants),
      joint,
      oracle,
    };
  }

  /** Returns the tracker's current label-mix estimate. */
  trackedMix(): readonly number[] {
    return this.tracker.mix();
  }
}

/** Returns the mean of `softmax(logits / temperature)` over a split: the prior the posterior implies. */
export function meanPosterior(split: RecordedSplit, temperature: number): number[] {
  const rows = split.sneakpeekLogits;
  const first = rows[0];
  if (first === undefined) throw new RangeError('The validation split has no SneakPeek logits. Record them before tracking the label mix.');

  const total = new Array<number>(first.length).fill(0);
  for (const logits of rows) {
    const posterior = softmax(logits, temperature);
    for (let index = 0; index < total.length; index += 1) total[index] = (total[index] ?? 0) + (posterior[index] ?? 0);
  }
  const mean = total.map((sum) => sum / rows.length);
  // Renormalise so float rounding cannot push the sum outside the validators' tolerance.
  const sum = mean.reduce((accumulated, share) => accumulated + share, 0);
  return mean.map((share) => share / sum);
}
