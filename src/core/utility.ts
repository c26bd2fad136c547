/**
 * Utility of a request's outcome: what the scheduler maximises and the evaluation totals.
 *
 * - Served on time (`finish <= deadline`): `w_q · correct`.
 * - Served late with hard deadlines (`graceMs = 0`, the default): 0, minus the miss penalty.
 * - Served late with soft deadlines: `w_q · correct` decays linearly to 0 over `graceMs` after the
 *   deadline, minus the miss penalty.
 * - Dropped: minus the drop penalty.
 *
 * Penalties are charged per unit of request weight, so a request that matters twice as much also
 * costs twice as much to miss. Expected utility uses the estimate `Â_m(q)` in place of `correct`.
 */

/** The part of the policy options that prices outcomes. */
export interface UtilityOptions {
  /** Soft-deadline grace period in milliseconds; 0 makes deadlines hard. */
  graceMs: number;
  /** Utility subtracted, per unit of weight, from a request that finishes after its deadline. */
  missPenalty: number;
  /** Utility subtracted, per unit of weight, from a request that is dropped. */
  dropPenalty: number;
}

/** A request served by some variant, finishing at `finish`. */
export interface ServedOutcome {
  weight: number;
  /** Absolute deadline `d_q`. */
  deadline: number;
  /** Absolute finish time `f`. */
  finish: number;
}

/**
 * Returns the share of a served request's value that survives finishing at `finish`: 1 on time,
 * falling linearly to 0 over `graceMs` after the deadline, and 0 from then on.
 */
export function timeliness(finish: number, deadline: number, graceMs: number): number {
  if (finish <= deadline) return 1;
  if (graceMs <= 0) return 0;
  return Math.max(0, 1 - (finish - deadline) / graceMs);
}

/** Returns the latest finish time that can still earn value: the deadline plus the grace period. */
export function latestUsefulFinish(deadline: number, graceMs: number): number {
  return deadline + graceMs;
}

/** Returns the realised utility of a served request whose prediction was correct or not. */
export function realisedUtility(outcome: ServedOutcome & { correct: boolean }, options: UtilityOptions): number {
  validateOutcome(outcome);
  validateUtilityOptions(options);

  return servedValue(outcome, outcome.correct ? 1 : 0, options);
}

/** Returns the expected utility of a served request that is correct with probability `estimate`. */
export function expectedUtility(outcome: ServedOutcome & { estimate: number }, options: UtilityOptions): number {
  validateOutcome(outcome);
  validateUtilityOptions(options);
  if (!Number.isFinite(outcome.estimate) || outcome.estimate < 0 || outcome.estimate > 1) {
    throw new RangeError(
      `Accuracy estimate must be a probability in [0, 1], got ${String(outcome.estimate)}. Check the estimator's output.`,
    );
  }

  return servedValue(outcome, outcome.estimate, options);
}

/** Returns the utility of dropping a request of the given weight: zero or a negative penalty. */
export function dropUtility(weight: number, options: UtilityOptions): number {
  validateWeight(weight);
  validateUtilityOptions(options);

  // Subtracting from 0 keeps a zero penalty at +0 rather than -0.
  return 0 - weight * options.dropPenalty;
}

/**
 * Checks that utility options are finite and non-negative. The policy resolver runs the same checks
 * with option names in its messages; this one guards direct callers such as a simulator.
 */
export function validateUtilityOptions(options: UtilityOptions): void {
  for (const key of ['graceMs', 'missPenalty', 'dropPenalty'] as const) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`Utility option ${key} must be a finite number >= 0, got ${String(value)}.`);
    }
  }
}

/** Value of a served request for a correctness (0 or 1) or correctness probability, without validation. */
export function servedValue(outcome: ServedOutcome, correctness: number, options: UtilityOptions): number {
  const value = outcome.weight * correctness * timeliness(outcome.finish, outcome.deadline, options.graceMs);
  const penalty = outcome.finish > outcome.deadline ? outcome.weight * options.missPenalty : 0;
  return value - penalty;
}

function validateOutcome(outcome: ServedOutcome): void {
  validateWeight(outcome.weight);
  if (!Number.isFinite(outcome.deadline) || !Number.isFinite(outcome.finish)) {
    throw new RangeError(
      `Deadline and finish time must be finite, got deadline ${String(outcome.deadline)} and finish ${String(outcome.finish)}.`,
    );
  }
}

function validateWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RangeError(`Request weight must be a finite number >= 0, got ${String(weight)}. Use 1 for ordinary requests.`);
  }
}
