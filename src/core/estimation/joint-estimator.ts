/**
 * The joint estimator: `Â_m(q) = P(m correct | g's predicted class, g's confidence bin)`, counted
 * on the validation split.
 *
 * The posterior estimate treats a variant's errors as independent of the SneakPeek model's given
 * the class, but inputs that confuse the cheap model tend to confuse the variants too. Counting
 * how often `m` was right on validation records where `g` predicted class `ĉ` with a confidence
 * in bin `k` captures that dependence.
 *
 * - Confidence is the largest probability of `g`'s calibrated posterior, binned into `bins` equal
 *   widths over [0, 1].
 * - A cell's estimate is shrunk toward the request's posterior estimate:
 *   `(correct + s · posteriorEstimate) / (count + s)` with smoothing strength `s`.
 * - A cell with fewer than `minimumCount` validation records returns the posterior estimate alone.
 */

import { posteriorAccuracy, softmax } from '../estimators.js';
import type { RecordedSplit } from '../manifest.js';

export interface JointEstimatorOptions {
  /**
   * Equal-width confidence bins over [0, 1].
   * @default 10
   */
  bins?: number;
  /**
   * Validation records a cell needs before its counts are used at all.
   * @default 20
   */
  minimumCount?: number;
  /**
   * Pseudo-count `s` of the posterior estimate in each cell.
   * @default 10
   */
  smoothing?: number;
}

export type ResolvedJointEstimatorOptions = Readonly<Required<JointEstimatorOptions>>;

export const DEFAULT_JOINT_ESTIMATOR_OPTIONS: ResolvedJointEstimatorOptions = Object.freeze({
  bins: 10,
  minimumCount: 20,
  smoothing: 10,
});

/** Counts per variant, indexed `[predictedClass][bin]`. */
export interface JointTable {
  options: ResolvedJointEstimatorOptions;
  classes: number;
  /** Validation records per cell; the same for every variant. */
  counts: number[][];
  /** Variant id mapped to its correct answers per cell. */
  correct: Record<string, number[][]>;
}

/** Validates joint-estimator options and fills in the defaults. */
export function resolveJointEstimatorOptions(user: JointEstimatorOptions = {}): ResolvedJointEstimatorOptions {
  const resolved = { ...DEFAULT_JOINT_ESTIMATOR_OPTIONS, ...user };
  if (!Number.isInteger(resolved.bins) || resolved.bins < 1) {
    throw new RangeError(`Joint estimator option "bins" is ${String(resolved.bins)}. Use a whole number >= 1 (default 10).`);
  }
  if (!Number.isInteger(resolved.minimumCount) || resolved.minimumCount < 0) {
    throw new RangeError(`Joint estimator option "minimumCount" is ${String(resolved.minimumCount)}. Use a whole number >= 0 (default 20).`);
  }
  if (!Number.isFinite(resolved.smoothing) || resolved.smoothing < 0) {
    throw new RangeError(`Joint estimator option "smoothing" is ${String(resolved.smoothing)}. Use a pseudo-count >= 0 (default 10).`);
  }
  return Object.freeze(resolved);
}

/** Returns the bin of a confidence in [0, 1]; a confidence of exactly 1 falls in the last bin. */
export function confidenceBin(confidence: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
}

/**
 * Counts, on the validation split, how often each variant was right per cell of `g`'s predicted
 * class and confidence bin. `g`'s posterior is `softmax(logits / temperature)`.
 */
export function buildJointTable(
  validation: RecordedSplit,
  variantIds: readonly string[],
  temperature: number,
  options: ResolvedJointEstimatorOptions = DEFAULT_JOINT_ESTIMATOR_OPTIONS,
): JointTable {
  const records = validation.labels.length;
  if (validation.sneakpeekLogits.length !== records) {
    throw new RangeError(
      `The validation split has ${records} labels but ${validation.sneakpeekLogits.length} SneakPeek logit rows. Regenerate the recorded outputs so both cover every record.`,
    );
  }
  const classes = validation.sneakpeekLogits[0]?.length ?? 0;
  if (classes === 0) throw new RangeError('The validation split has no SneakPeek logits. Record them before building the joint estimator.');

  const emptyCells = (): number[][] => Array.from({ length: classes }, () => new Array<number>(options.bins).fill(0));
  const counts = emptyCells();
  const correct: Record<string, number[][]> = {};
  for (const variantId of variantIds) {
    const predictions = validation.predictions[variantId];
    if (predictions === undefined || predictions.length !== records) {
      throw new RangeError(
        `The validation split has ${predictions?.length ?? 'no'} predictions for variant "${variantId}" but ${records} records. Record every variant on every validation record.`,
      );
    }
    correct[variantId] = emptyCells();
  }

  for (let record = 0; record < records; record += 1) {
    const posterior = softmax(validation.sneakpeekLogits[record] ?? [], temperature);
    const { predicted, bin } = cellOf(posterior, options.bins);
    const row = counts[predicted] as number[];
    row[bin] = (row[bin] ?? 0) + 1;

    const label = validation.labels[record];
    for (const variantId of variantIds) {
      if (validation.predictions[variantId]?.[record] !== label) continue;
      const cells = (correct[variantId] as number[][])[predicted] as number[];
      cells[bin] = (cells[bin] ?? 0) + 1;
    }
  }
  return { options, classes, counts, correct };
}

/**
 * Returns the joint estimate of `variantId` for a request with SneakPeek posterior `posterior`,
 * falling back to the posterior estimate `Σ_c p(c | x) · r_m(c)` where the cell is thin.
 */
export function jointEstimate(table: JointTable, variantId: string, posterior: readonly number[], recall: readonly number[]): number {
  const fallback = posteriorAccuracy(posterior, recall);
  const { predicted, bin } = cellOf(posterior, table.options.bins);

  const count = table.counts[predicted]?.[bin] ?? 0;
  if (count < table.options.minimumCount || count === 0) return fallback;

  const correct = table.correct[variantId]?.[predicted]?.[bin];
  if (correct === undefined) {
    throw new RangeError(`The joint table has no counts for variant "${variantId}". Build it with every variant of the application.`);
  }
  const smoothing = table.options.smoothing;
  return (correct + smoothing * fallback) / (count + smoothing);
}

function cellOf(posterior: readonly number[], bins: number): { predicted: number; bin: number } {
  let predicted = 0;
  for (let index = 1; index < posterior.length; index += 1) {
    if ((posterior[index] ?? 0) > (posterior[predicted] ?? 0)) predicted = index;
  }
  return { predicted, bin: confidenceBin(posterior[predicted] ?? 0, bins) };
}
