/**
 * The arrival cost of a batch: the expected utility of requests that will arrive while the batch
 * runs and that the busy executor makes miss their deadlines. The roll-out values only the queued
 * requests, so without this term a long batch looks free to everyone not yet queued, and under
 * heavy load the policy runs long batches that make new requests with tight deadlines infeasible.
 *
 * Take an application with arrival rate `λ`, recent relative deadlines `r_i`, mean weight `w̄`, best
 * profiled accuracy `A` and fastest single-request latency `s`. A request arriving `u` after the
 * start of a batch of duration `D` can start no earlier than `D`. It therefore misses its deadline
 * when `u < D + s − r_i`. Over arrivals spread evenly across the batch, the expected number lost is
 * `λ · mean_i clamp(D + s − r_i, 0, D)`, and the cost is that count times `w̄ · A`, summed over
 * applications.
 *
 * NOTE: the cost counts only the candidate's own duration, not the batches that follow it, because
 * those are decided again when the candidate ends. It treats every lost arrival as worth `w̄ · A`,
 * which overstates the loss for requests a cheaper variant would have served.
 */

import type { VariantState } from './decision-context';
import type { TrafficEstimate } from './model';

/** One application's precomputed arrival-cost term. */
interface ApplicationTerm {
  /** `λ · w̄ · A / n`: the value lost per millisecond of overlap summed over the window. */
  scale: number;
  fastestMs: number;
  /** Relative deadlines, ascending. */
  deadlines: Float64Array;
  /** `prefix[k]`: the sum of the first `k` entries of `deadlines`. */
  prefix: Float64Array;
}

/**
 * Returns the arrival cost as a function of a batch's duration in milliseconds. Each call costs
 * `O(applications × log window)`.
 */
export function arrivalCostFunction(
  traffic: ReadonlyMap<string, TrafficEstimate> | undefined,
  variantStates: ReadonlyMap<string, readonly VariantState[]>,
): (durationMs: number) => number {
  if (traffic === undefined) return () => 0;

  const terms: ApplicationTerm[] = [];
  for (const [application, estimate] of traffic) {
    const variants = variantStates.get(application) ?? [];
    const count = estimate.relativeDeadlinesMs.length;
    if (variants.length === 0 || count === 0 || !(estimate.ratePerMs > 0)) continue;

    let fastestMs = Infinity;
    let bestAccuracy = 0;
    for (const variant of variants) {
      fastestMs = Math.min(fastestMs, variant.latency[1] ?? Infinity);
      bestAccuracy = Math.max(bestAccuracy, variant.profile.profiledAccuracy);
    }
    const { deadlines, prefix } = sortedDeadlines(estimate.relativeDeadlinesMs);
    terms.push({ scale: (estimate.ratePerMs * estimate.meanWeight * bestAccuracy) / count, fastestMs, deadlines, prefix });
  }
  if (terms.length === 0) return () => 0;

  return (durationMs) => {
    let cost = 0;
    for (const term of terms) cost += term.scale * overlapSum(term, durationMs);
    return cost;
  };
}

/**
 * Sorted relative deadlines and their prefix sums, by the array they came from. `TrafficTracker`
 * hands out the same frozen array until the next request joins, so decisions in between sort once.
 */
const sortedCache = new WeakMap<readonly number[], { deadlines: Float64Array; prefix: Float64Array }>();

function sortedDeadlines(relativeDeadlinesMs: readonly number[]): { deadlines: Float64Array; prefix: Float64Array } {
  const cached = sortedCache.get(relativeDeadlinesMs);
  if (cached !== undefined) return cached;
  // A typed array sorts numerically without a comparator. Its order differs from a comparator's
  // only between -0 and +0, which compare and sum alike in this file.
  const deadlines = new Float64Array(relativeDeadlinesMs).sort();
  const prefix = new Float64Array(deadlines.length + 1);
  for (let index = 0; index < deadlines.length; index += 1) prefix[index + 1] = (prefix[index] as number) + (deadlines[index] as number);
  const entry = { deadlines, prefix };
  sortedCache.set(relativeDeadlinesMs, entry);
  return entry;
}

/** Returns `Σ_i clamp(D + s − r_i, 0, D)` over the term's relative deadlines. */
function overlapSum(term: ApplicationTerm, durationMs: number): number {
  const { deadlines, prefix, fastestMs } = term;
  // Deadlines up to `s` lose the whole duration, those below `D + s` lose part of it.
  const whole = countBelow(deadlines, fastestMs, true);
  const partial = countBelow(deadlines, durationMs + fastestMs, false);
  const partialSum = (prefix[partial] as number) - (prefix[whole] as number);
  return whole * durationMs + (partial - whole) * (durationMs + fastestMs) - partialSum;
}

/** Returns how many ascending `values` are below `threshold`, or at most it when `inclusive`. */
function countBelow(values: Float64Array, threshold: number, inclusive: boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const value = values[middle] as number;
    if (value < threshold || (inclusive && value === threshold)) low = middle + 1;
    else high = middle;
  }
  return low;
}
