/**
 * Online label-mix tracking for label shift: the current class mix `π_t` estimated from the
 * SneakPeek posteriors of recent requests, by expectation maximisation over a sliding window
 * (Saerens, Latinne and Decaestecker, "Adjusting the outputs of a classifier to new a priori
 * probabilities", Neural Computation 14(1), 2002).
 *
 * The classifier's posteriors were fitted under the validation mix `π_val`. Under a new mix `π`,
 * Bayes' rule gives the adjusted posterior `p̃_i(c) ∝ p_i(c) · π(c) / π_val(c)`. EM alternates:
 *
 * - E step: adjust every posterior in the window with the current estimate of `π`.
 * - M step: the new `π` is the mean of the adjusted posteriors.
 *
 * Each iteration cannot lower the window's likelihood, and the fixed point is the maximum
 * likelihood mix. With `priorStrength` s > 0 the M step adds s pseudo-posteriors equal to the
 * reference mix (a Dirichlet prior centred on it), so the result is the maximum a posteriori mix:
 * a window of a weak or miscalibrated classifier cannot drive the estimate to an extreme. The
 * estimate is floored at a small share per class so that a class absent from one window can come
 * back in the next.
 */

import { reweightPosterior } from '../estimators.js';

/** Options of the prior tracker as a caller gives them. */
export interface PriorTrackerOptions {
  /**
   * Number of most recent posteriors the estimate uses.
   * @default 500
   */
  windowSize?: number;
  /**
   * Posteriors added between two EM runs; the estimate in between is the last one.
   * @default 25
   */
  refreshEvery?: number;
  /**
   * Posteriors the window must hold before the tracker departs from the validation mix.
   * @default 50
   */
  minimumWindow?: number;
  /**
   * Maximum EM iterations per run.
   * @default 100
   */
  maxIterations?: number;
  /**
   * EM stops when no class share moves by more than this.
   * @default 1e-6
   */
  tolerance?: number;
  /**
   * Smallest share any class keeps in the estimate, before renormalising.
   * @default 1e-3
   */
  floor?: number;
  /**
   * Pseudo-count of the reference mix in each M step; 0 gives plain maximum likelihood. The default
   * was chosen from 0, 100 and 500 on the simulated product and weather shift workloads: 0 let the
   * weather tracker's Brier score rise from 0.18 to 0.23, 100 kept product's gain.
   * @default 100
   */
  priorStrength?: number;
}

export type ResolvedPriorTrackerOptions = Readonly<Required<PriorTrackerOptions>>;

export const DEFAULT_PRIOR_TRACKER_OPTIONS: ResolvedPriorTrackerOptions = Object.freeze({
  windowSize: 500,
  refreshEvery: 25,
  minimumWindow: 50,
  maxIterations: 100,
  tolerance: 1e-6,
  floor: 1e-3,
  priorStrength: 100,
});

/** Validates tracker options and fills in the defaults; errors name the option, value and fix. */
export function resolvePriorTrackerOptions(user: PriorTrackerOptions = {}): ResolvedPriorTrackerOptions {
  const resolved = { ...DEFAULT_PRIOR_TRACKER_OPTIONS, ...user };
  for (const key of ['windowSize', 'refreshEvery', 'minimumWindow', 'maxIterations'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Prior tracker option "${key}" is ${String(value)}. Use a whole number >= 1 (default ${DEFAULT_PRIOR_TRACKER_OPTIONS[key]}).`);
    }
  }
  if (resolved.minimumWindow > resolved.windowSize) {
    throw new RangeError(
      `Prior tracker option "minimumWindow" is ${resolved.minimumWindow}, above windowSize ${resolved.windowSize}, so the tracker would never start. Lower minimumWindow or raise windowSize.`,
    );
  }
  if (!(resolved.tolerance > 0) || !Number.isFinite(resolved.tolerance)) {
    throw new RangeError(`Prior tracker option "tolerance" is ${String(resolved.tolerance)}. Use a small positive number such as 1e-6.`);
  }
  if (!Number.isFinite(resolved.priorStrength) || resolved.priorStrength < 0) {
    throw new RangeError(`Prior tracker option "priorStrength" is ${String(resolved.priorStrength)}. Use a pseudo-count >= 0 (0 turns the prior off).`);
  }
  if (!(resolved.floor >= 0 && resolved.floor < 1)) {
    throw new RangeError(`Prior tracker option "floor" is ${String(resolved.floor)}. Use a share in [0, 1), such as 1e-3.`);
  }
  return Object.freeze(resolved);
}

/** Result of one EM run. */
export interface LabelMixEstimate {
  mix: number[];
  iterations: number;
  converged: boolean;
}

/**
 * Estimates the label mix of a set of posteriors fitted under `validationMix`, by EM started from
 * `start` (default: the validation mix). Every posterior must cover the same classes.
 */
export function estimateLabelMix(
  posteriors: readonly (readonly number[])[],
  validationMix: readonly number[],
  options: ResolvedPriorTrackerOptions = DEFAULT_PRIOR_TRACKER_OPTIONS,
  start: readonly number[] = validationMix,
): LabelMixEstimate {
  if (posteriors.length === 0) {
    throw new RangeError('estimateLabelMix received no posteriors. Add posteriors to the window before estimating.');
  }
  const classes = validationMix.length;
  if (start.length !== classes) {
    throw new RangeError(`The EM start mix has ${start.length} classes but the validation mix has ${classes}. Pass mixes over the same classes.`);
  }

  let mix = [...start];
  for (let iteration = 1; iteration <= options.maxIterations; iteration += 1) {
    // E step and M step together: the mean of the re-weighted posteriors.
    const next = new Array<number>(classes).fill(0);
    if (iteration === 1) {
      // The first pass checks every posterior and both mixes, so bad input fails as it always has.
      for (const posterior of posteriors) {
        const adjusted = reweightPosterior(posterior, mix, validationMix);
        for (let index = 0; index < classes; index += 1) next[index] = (next[index] ?? 0) + (adjusted[index] ?? 0);
      }
    } else {
      addReweighted(next, posteriors, mix, validationMix);
    }
    const strength = options.priorStrength;
    const floored = applyFloor(
      next.map((total, index) => (total + strength * (validationMix[index] ?? 0)) / (posteriors.length + strength)),
      options.floor,
    );

    let largestMove = 0;
    for (let index = 0; index < classes; index += 1) {
      largestMove = Math.max(largestMove, Math.abs((floored[index] ?? 0) - (mix[index] ?? 0)));
    }
    mix = floored;
    if (largestMove <= options.tolerance) return { mix, iterations: iteration, converged: true };
  }
  return { mix, iterations: options.maxIterations, converged: false };
}

/**
 * A sliding window of recent posteriors of one application and its current label-mix estimate.
 * Each instance owns its state; create one per application and per simulated run.
 */
export class PriorTracker {
  private readonly window: (readonly number[])[] = [];
  private next = 0;
  private sinceRefresh = 0;
  private current: number[];

  constructor(
    private readonly validationMix: readonly number[],
    private readonly options: ResolvedPriorTrackerOptions = DEFAULT_PRIOR_TRACKER_OPTIONS,
  ) {
    this.current = [...validationMix];
  }

  /** Adds one posterior to the window, re-running EM every `refreshEvery` posteriors. */
  observe(posterior: readonly number[]): void {
    if (posterior.length !== this.validationMix.length) {
      throw new RangeError(
        `Posterior has ${posterior.length} classes but the tracker's validation mix has ${this.validationMix.length}. Track each application separately.`,
      );
    }

    // A ring buffer keeps adding O(1) once the window is full.
    if (this.window.length < this.options.windowSize) this.window.push(posterior);
    else this.window[this.next] = posterior;
    this.next = (this.next + 1) % this.options.windowSize;

    this.sinceRefresh += 1;
    if (this.window.length < this.options.minimumWindow || this.sinceRefresh < this.options.refreshEvery) return;
    this.sinceRefresh = 0;

    // Warm start from the last estimate: consecutive windows share most posteriors.
    this.current = estimateLabelMix(this.window, this.validationMix, this.options, this.current).mix;
  }

  /** Returns the current estimate of the label mix: the reference mix until the window fills. */
  mix(): readonly number[] {
    return this.current;
  }

  /** Re-weights a posterior from the validation mix to the current estimate. */
  adjust(posterior: readonly number[]): number[] {
    return reweightPosterior(posterior, this.current, this.validationMix);
  }
}

/**
 * Adds every posterior re-weighted from `validationMix` to `mix` into `sums`. It computes what
 * `reweightPosterior` computes, in the same order of operations, without checking its inputs or
 * allocating per posterior: EM calls it for every iteration after the first, which checked them.
 */
function addReweighted(sums: number[], posteriors: readonly (readonly number[])[], mix: readonly number[], validationMix: readonly number[]): void {
  const classes = validationMix.length;
  const unnormalised = new Float64Array(classes);
  for (const posterior of posteriors) {
    let total = 0;
    for (let index = 0; index < classes; index += 1) {
      const validationShare = validationMix[index]!;
      const value = validationShare === 0 ? 0 : (posterior[index]! * mix[index]!) / validationShare;
      unnormalised[index] = value;
      total += value;
    }
    if (total === 0) reweightPosterior(posterior, mix, validationMix);
    for (let index = 0; index < classes; index += 1) sums[index] = sums[index]! + unnormalised[index]! / total;
  }
}

function applyFloor(mix: readonly number[], floor: number): number[] {
  if (floor === 0) return [...mix];
  const raised = mix.map((share) => Math.max(share, floor));
  const total = raised.reduce((sum, share) => sum + share, 0);
  return raised.map((share) => share / total);
}
