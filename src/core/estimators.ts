/**
 * Accuracy estimators: the probability that a variant classifies a request correctly.
 *
 * - Per-class recall `r_m(c)` and the validation label mix `π_val` come from a confusion matrix
 *   indexed `[trueClass][predictedClass]` with counts on the validation split.
 * - The profiled accuracy `A_m = Σ_c π_val(c) · r_m(c)` ignores the request's input, so it carries
 *   the label mix of the validation split.
 * - The posterior estimate `Â_m(q) = Σ_c p(c | x_q) · r_m(c)` uses the SneakPeek model's calibrated
 *   posterior for the request's input instead, so it follows the request rather than the split.
 * - Under label shift the posterior can be re-weighted to a current label mix `π_t`:
 *   `p̃(c | x) ∝ p(c | x) · π_t(c) / π_val(c)`.
 */

import type { ModelEntry } from './manifest';
import type { VariantProfile } from './model';

/** Tolerance on the sum of a probability vector, to absorb float rounding of a softmax. */
const PROBABILITY_SUM_TOLERANCE = 1e-6;

/** The accuracy part of a `VariantProfile`. */
export type VariantAccuracy = Pick<VariantProfile, 'recall' | 'profiledAccuracy'>;

/**
 * Returns the per-class recall `r(c) = confusion[c][c] / Σ_p confusion[c][p]`.
 *
 * Throws a RangeError naming the class when a class has no validation samples, because its recall
 * is unknown and any stand-in value would bias every estimate that touches the class.
 */
export function recallFromConfusion(confusion: readonly (readonly number[])[], label = 'confusion matrix'): number[] {
  const rowSums = validateConfusion(confusion, label);

  return rowSums.map((rowSum, trueClass) => {
    if (rowSum === 0) {
      throw new RangeError(
        `${label}: class ${trueClass} has no validation samples, so its recall is undefined. Add validation samples of class ${trueClass} or remove the class.`,
      );
    }
    return (confusion[trueClass]?.[trueClass] ?? 0) / rowSum;
  });
}

/** Returns the validation label mix `π_val(c)`: each row sum divided by the total count. */
export function labelMixFromConfusion(confusion: readonly (readonly number[])[], label = 'confusion matrix'): number[] {
  const rowSums = validateConfusion(confusion, label);

  const total = rowSums.reduce((sum, rowSum) => sum + rowSum, 0);
  if (total === 0) {
    throw new RangeError(`${label} contains no samples (all counts are 0). Fill it with validation counts.`);
  }
  return rowSums.map((rowSum) => rowSum / total);
}

/** Returns the profiled accuracy `A = Σ_c π(c) · r(c)` for a label mix `π`. */
export function profiledAccuracy(recall: readonly number[], labelMix: readonly number[]): number {
  validateRecall(recall);
  validateDistribution(labelMix, 'label mix');
  requireSameLength(recall, labelMix, 'recall', 'label mix');

  return dot(recall, labelMix);
}

/**
 * Returns `softmax(logits / temperature)`. The largest logit is subtracted first, so large
 * logits cannot overflow.
 */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  if (logits.length === 0) {
    throw new RangeError('softmax needs at least one logit, got an empty array.');
  }
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(
      `softmax temperature must be a finite number above 0, got ${String(temperature)}. Use 1 for plain softmax or the fitted temperature.`,
    );
  }
  for (const [index, logit] of logits.entries()) {
    if (!Number.isFinite(logit)) {
      throw new RangeError(`Logit ${index} is ${String(logit)}. Logits must be finite; check the model's output.`);
    }
  }

  const largest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp((logit - largest) / temperature));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}

/** Returns the posterior estimate `Â_m(q) = Σ_c p(c | x_q) · r_m(c)`. */
export function posteriorAccuracy(posterior: readonly number[], recall: readonly number[]): number {
  validateDistribution(posterior, 'posterior');
  validateRecall(recall);
  requireSameLength(posterior, recall, 'posterior', 'recall');

  return Math.min(1, dot(posterior, recall));
}

/**
 * Re-weights a posterior fitted under the validation mix to a current label mix:
 * `p̃(c | x) ∝ p(c | x) · π_t(c) / π_val(c)`. Classes absent from the validation mix keep weight 0.
 */
export function reweightPosterior(
  posterior: readonly number[],
  currentMix: readonly number[],
  validationMix: readonly number[],
): number[] {
  validateDistribution(posterior, 'posterior');
  validateDistribution(currentMix, 'current label mix');
  validateDistribution(validationMix, 'validation label mix');
  requireSameLength(posterior, currentMix, 'posterior', 'current label mix');
  requireSameLength(posterior, validationMix, 'posterior', 'validation label mix');

  const unnormalised = posterior.map((probability, index) => {
    const validationShare = validationMix[index] ?? 0;
    return validationShare === 0 ? 0 : (probability * (currentMix[index] ?? 0)) / validationShare;
  });
  const total = unnormalised.reduce((sum, value) => sum + value, 0);
  if (total === 0) {
    throw new RangeError(
      'Re-weighted posterior is 0 for every class: the current label mix gives no weight to any class the posterior supports. Check that both mixes cover the same classes.',
    );
  }
  return unnormalised.map((value) => value / total);
}

/** Builds a variant's recall and profiled accuracy from its manifest entry's confusion matrix. */
export function accuracyFromEntry(entry: ModelEntry): VariantAccuracy {
  const label = `variant "${entry.id}" confusion matrix`;
  const recall = recallFromConfusion(entry.confusion, label);
  const labelMix = labelMixFromConfusion(entry.confusion, label);

  return { recall, profiledAccuracy: dot(recall, labelMix) };
}

/**
 * Returns `Â_m(q)` for every variant of one application from one posterior: the `estimates` of a
 * `QueuedRequest`.
 */
export function posteriorEstimates(
  posterior: readonly number[],
  variants: readonly Pick<VariantProfile, 'id' | 'recall'>[],
): Record<string, number> {
  const estimates: Record<string, number> = {};
  for (const variant of variants) estimates[variant.id] = posteriorAccuracy(posterior, variant.recall);
  return estimates;
}

/** Returns `A_m` for every variant of one application: the profiled baseline's `estimates`. */
export function profiledEstimates(variants: readonly Pick<VariantProfile, 'id' | 'profiledAccuracy'>[]): Record<string, number> {
  const estimates: Record<string, number> = {};
  for (const variant of variants) estimates[variant.id] = variant.profiledAccuracy;
  return estimates;
}

/** Checks the matrix is square with finite non-negative counts, and returns its row sums. */
function validateConfusion(confusion: readonly (readonly number[])[], label: string): number[] {
  if (!Array.isArray(confusion) || confusion.length === 0) {
    throw new RangeError(`${label} is empty. Give one row of counts per true class.`);
  }

  const classes = confusion.length;
  return confusion.map((row, trueClass) => {
    if (!Array.isArray(row) || row.length !== classes) {
      throw new RangeError(
        `${label}: row ${trueClass} has ${Array.isArray(row) ? row.length : 'no'} entries but the matrix has ${classes} rows. A confusion matrix is square, [trueClass][predictedClass].`,
      );
    }
    let rowSum = 0;
    for (const [predicted, count] of row.entries()) {
      if (!Number.isFinite(count) || count < 0) {
        throw new RangeError(
          `${label}: entry [${trueClass}][${predicted}] is ${String(count)}. Counts must be finite numbers >= 0.`,
        );
      }
      rowSum += count;
    }
    return rowSum;
  });
}

function validateRecall(recall: readonly number[]): void {
  if (recall.length === 0) throw new RangeError('recall is empty. Give one recall per class.');
  for (const [index, value] of recall.entries()) {
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new RangeError(`recall of class ${index} is ${String(value)}. Recall must be a probability in [0, 1].`);
    }
  }
}

function validateDistribution(values: readonly number[], name: string): void {
  if (values.length === 0) throw new RangeError(`${name} is empty. Give one probability per class.`);

  let total = 0;
  for (const [index, value] of values.entries()) {
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new RangeError(`${name}: class ${index} has probability ${String(value)}. Probabilities must be finite and in [0, 1].`);
    }
    total += value;
  }
  if (Math.abs(total - 1) > PROBABILITY_SUM_TOLERANCE) {
    throw new RangeError(`${name} sums to ${total}, not 1. Normalise it, for example with softmax over the logits.`);
  }
}

function requireSameLength(left: readonly number[], right: readonly number[], leftName: string, rightName: string): void {
  if (left.length !== right.length) {
    throw new RangeError(
      `${leftName} has ${left.length} classes but ${rightName} has ${right.length}. Both must cover the same classes in the same order.`,
    );
  }
}

function dot(left: readonly number[], right: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < left.length; index += 1) sum += (left[index] ?? 0) * (right[index] ?? 0);
  return sum;
}
