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
 * `O(applications × log window)`. `windows` keeps each application's sorted relative deadlines from
 * one call to the next.
 */
export function arrivalCostFunction(
  traffic: ReadonlyMap<string, TrafficEstimate> | undefined,
  variantStates: ReadonlyMap<string, readonly VariantState[]>,
  windows: DeadlineWindows = new DeadlineWindows(),
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
    const { deadlines, prefix } = windows.sorted(application, estimate.relativeDeadlinesMs);
    terms.push({ scale: (estimate.ratePerMs * estimate.meanWeight * bestAccuracy) / count, fastestMs, deadlines, prefix });
  }
  if (terms.length === 0) return () => 0;

  return (durationMs) => {
    let cost = 0;
    for (const term of terms) cost += term.scale * overlapSum(term, durationMs);
    return cost;
  };
}

/** Relative deadlines, ascending, and their prefix sums. */
interface SortedDeadlines {
  deadlines: Float64Array;
  /** `prefix[k]`: the sum of the first `k` entries of `deadlines`. */
  prefix: Float64Array;
}

/** One application's window as last sorted, with room to grow. */
interface SortedWindow extends SortedDeadlines {
  /** The `relativeDeadlinesMs` array the window was sorted from. */
  source: readonly number[];
  /** Sorted values in the first `deadlines.length` entries. */
  values: Float64Array;
}

/**
 * Sorted relative deadlines of each application's traffic window, kept from one decision to the
 * next. `TrafficTracker` hands out the same frozen array until a request joins, then a window with
 * its oldest entries dropped and the new ones appended. So a new array is mostly the last one slid
 * by a few entries, and updating the sorted values costs a few binary searches and moves instead
 * of a sort. Any other array is sorted afresh.
 *
 * The values are the same as a sort's, so the costs are too: a multiset has one ascending order,
 * up to the order of equal values.
 */
export class DeadlineWindows {
  private readonly windows = new Map<string, SortedWindow>();

  /** Returns `source` sorted ascending, and its prefix sums. They stay valid until the next call. */
  sorted(application: string, source: readonly number[]): SortedDeadlines {
    const window = this.windows.get(application);
    if (window !== undefined && (window.source === source || slide(window, source))) return window;

    const values = new Float64Array(Math.max(source.length, MIN_WINDOW_CAPACITY));
    values.set(source);
    // A typed array sorts numerically without a comparator. Its order differs from a comparator's
    // only between -0 and +0, which compare and sum alike in this file.
    values.subarray(0, source.length).sort();
    const sorted: SortedWindow = { source, values, deadlines: values.subarray(0, source.length), prefix: new Float64Array(values.length + 1) };
    sumPrefixes(sorted);
    this.windows.set(application, sorted);
    return sorted;
  }
}

/** Capacity of a new window's arrays, which fits `TrafficTracker`'s default window without growing. */
const MIN_WINDOW_CAPACITY = 128;

/**
 * Updates `window` to `source` when `source` is `window.source` with some leading entries dropped
 * and some appended. Returns false, changing nothing, when it is not, when the update would move
 * more than half the window, or when it needs more room.
 */
function slide(window: SortedWindow, source: readonly number[]): boolean {
  const previous = window.source;
  const limit = Math.max(1, previous.length >> 1);
  for (let dropped = 0; dropped <= Math.min(limit, previous.length); dropped += 1) {
    const kept = previous.length - dropped;
    const added = source.length - kept;
    if (added < 0 || dropped + added > limit) continue;
    if (source.length > window.values.length) return false;

    let matched = 0;
    while (matched < kept && source[matched] === previous[dropped + matched]) matched += 1;
    if (matched < kept) continue;
    // Binary searches cannot place NaN or infinities; a sort handles whatever they are.
    for (let index = 0; index < dropped; index += 1) if (!Number.isFinite(previous[index])) return false;
    for (let index = kept; index < source.length; index += 1) if (!Number.isFinite(source[index])) return false;

    // The multiset of values loses `previous`'s first `dropped` entries and gains `source`'s last
    // `added` ones.
    let count = window.deadlines.length;
    for (let index = 0; index < dropped; index += 1) count = removeValue(window.values, count, previous[index] as number);
    for (let index = kept; index < source.length; index += 1) count = insertValue(window.values, count, source[index] as number);
    window.source = source;
    window.deadlines = window.values.subarray(0, count);
    sumPrefixes(window);
    return true;
  }
  return false;
}

/** Removes one entry equal to `value` from the first `count` sorted `values`; returns the new count. */
function removeValue(values: Float64Array, count: number, value: number): number {
  const index = countBelow(values.subarray(0, count), value, false);
  values.copyWithin(index, index + 1, count);
  return count - 1;
}

/** Inserts `value` into the first `count` sorted `values`, after equal ones; returns the new count. */
function insertValue(values: Float64Array, count: number, value: number): number {
  const index = countBelow(values.subarray(0, count), value, true);
  values.copyWithin(index + 1, index, count);
  values[index] = value;
  return count + 1;
}

/** Writes `prefix[k]`, the sum of the first `k` deadlines, in ascending order of `k`. */
function sumPrefixes(window: SortedDeadlines): void {
  const { deadlines, prefix } = window;
  prefix[0] = 0;
  for (let index = 0; index < deadlines.length; index += 1) prefix[index + 1] = (prefix[index] as number) + (deadlines[index] as number);
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
