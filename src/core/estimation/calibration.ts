/**
 * Quality of accuracy estimates against realised correctness: each pair is an estimate `Â_m(q)`
 * and whether `m` actually answered `q` correctly.
 *
 * - Brier score: the mean of `(Â − correct)²`. Lower is better, and 0 needs certainty and
 *   being right every time.
 * - Expected calibration error (ECE): estimates are grouped into `bins` equal-width bins over
 *   [0, 1], and the error is `Σ_b (n_b / N) · |mean Â in b − share correct in b|`. It measures
 *   calibration alone, so a constant estimate equal to the overall accuracy scores 0.
 */

/** Default number of ECE bins, as the training tools use for the SneakPeek calibration. */
export const DEFAULT_CALIBRATION_BINS = 15;

/** Running sums for the Brier score and ECE of one estimator, filled pair by pair. */
export class CalibrationAccumulator {
  private pairs = 0;
  private squaredError = 0;
  private readonly binCounts: number[];
  private readonly binEstimates: number[];
  private readonly binCorrect: number[];

  constructor(private readonly bins: number = DEFAULT_CALIBRATION_BINS) {
    if (!Number.isInteger(bins) || bins < 1) {
      throw new RangeError(`Calibration bins is ${String(bins)}. Use a whole number >= 1 (default ${DEFAULT_CALIBRATION_BINS}).`);
    }
    this.binCounts = new Array<number>(bins).fill(0);
    this.binEstimates = new Array<number>(bins).fill(0);
    this.binCorrect = new Array<number>(bins).fill(0);
  }

  /** Adds one estimate and whether the prediction it estimated was correct. */
  add(estimate: number, correct: boolean): void {
    if (!Number.isFinite(estimate) || estimate < 0 || estimate > 1) {
      throw new RangeError(`Accuracy estimate ${String(estimate)} is not a probability in [0, 1]. Check the estimator's output.`);
    }
    const outcome = correct ? 1 : 0;
    this.pairs += 1;
    this.squaredError += (estimate - outcome) ** 2;

    const bin = Math.min(this.bins - 1, Math.floor(estimate * this.bins));
    this.binCounts[bin] = (this.binCounts[bin] ?? 0) + 1;
    this.binEstimates[bin] = (this.binEstimates[bin] ?? 0) + estimate;
    this.binCorrect[bin] = (this.binCorrect[bin] ?? 0) + outcome;
  }

  /** Number of pairs added. */
  count(): number {
    return this.pairs;
  }

  /** Mean squared difference between estimate and outcome; NaN before any pair. */
  brierScore(): number {
    return this.pairs === 0 ? Number.NaN : this.squaredError / this.pairs;
  }

  /** Expected calibration error over equal-width bins; NaN before any pair. */
  expectedCalibrationError(): number {
    if (this.pairs === 0) return Number.NaN;

    let error = 0;
    for (let bin = 0; bin < this.bins; bin += 1) {
      const count = this.binCounts[bin] ?? 0;
      if (count === 0) continue;
      const gap = Math.abs((this.binEstimates[bin] ?? 0) / count - (this.binCorrect[bin] ?? 0) / count);
      error += (count / this.pairs) * gap;
    }
    return error;
  }
}

/** Brier score and ECE of one estimator. */
export interface CalibrationScores {
  pairs: number;
  brier: number;
  ece: number;
}

/** Scores a list of (estimate, correct) pairs at once. */
export function scoreEstimates(
  pairs: readonly { estimate: number; correct: boolean }[],
  bins: number = DEFAULT_CALIBRATION_BINS,
): CalibrationScores {
  const accumulator = new CalibrationAccumulator(bins);
  for (const pair of pairs) accumulator.add(pair.estimate, pair.correct);
  return { pairs: accumulator.count(), brier: accumulator.brierScore(), ece: accumulator.expectedCalibrationError() };
}
