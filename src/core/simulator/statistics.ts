/**
 * Summary statistics over seeds: means, sample standard deviations and 95% confidence intervals
 * from Student's t distribution, which suit the handful of seeds an evaluation runs.
 */

/** Two-sided 95% quantiles `t_{0.975, df}` for df = 1 to 30, from standard tables. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
] as const;

/** Returns `t_{0.975, df}`; above 30 degrees of freedom a series in `1/df` around 1.96 is within 0.001. */
export function tQuantile975(degreesOfFreedom: number): number {
  if (!Number.isInteger(degreesOfFreedom) || degreesOfFreedom < 1) {
    throw new RangeError(`Degrees of freedom must be a whole number >= 1, got ${String(degreesOfFreedom)}. A confidence interval needs at least 2 seeds.`);
  }
  const tabled = T_975[degreesOfFreedom - 1];
  if (tabled !== undefined) return tabled;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * degreesOfFreedom) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * degreesOfFreedom ** 2);
}

export interface Interval {
  n: number;
  mean: number;
  /** Sample standard deviation; 0 for a single value. */
  sd: number;
  /** Half-width of the 95% interval; NaN for a single value. */
  halfWidth: number;
  low: number;
  high: number;
}

/** Returns the mean and the 95% t interval of the values. */
export function confidenceInterval95(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) throw new RangeError('A confidence interval needs at least one value. Run at least one seed.');

  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n === 1) return { n, mean, sd: 0, halfWidth: Number.NaN, low: Number.NaN, high: Number.NaN };

  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  const sd = Math.sqrt(variance);
  const halfWidth = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}

/** Returns the interval of the paired differences `left[i] − right[i]`. */
export function pairedDifference95(left: readonly number[], right: readonly number[]): Interval {
  if (left.length !== right.length) {
    throw new RangeError(`Paired samples have ${left.length} and ${right.length} values. Pair the same seeds on both sides.`);
  }
  return confidenceInterval95(left.map((value, index) => value - (right[index] as number)));
}
