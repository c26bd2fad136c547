/**
 * Latency profiles `L_m(b)`: the expected run time of a batch of `b` requests on variant `m`,
 * from a handful of measured points.
 *
 * - Between two measured batch sizes the latency is interpolated linearly.
 * - Beyond the largest measured size it is extrapolated with the slope of the last segment.
 * - Below the smallest measured size it is extrapolated with the slope of the first segment.
 * - A profile of one point scales proportionally to the batch size.
 * - The result is never below the smallest measured latency, so noisy profiles whose slope turns
 *   negative cannot produce a batch that looks faster than anything measured.
 */

import type { LatencyPoint } from './model';

/**
 * Checks that a latency profile is non-empty, ascending by batch size and finite. `label` names
 * the profile's owner (for example `variant "product-cnn-large"`) in the error.
 */
export function validateLatencyProfile(points: readonly LatencyPoint[], label = 'latency profile'): void {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RangeError(`${label} has no measured points. Measure at least L(1), the latency of a batch of 1.`);
  }

  let previousSize = 0;
  for (const [index, point] of points.entries()) {
    if (!Number.isInteger(point.batchSize) || point.batchSize < 1) {
      throw new RangeError(
        `${label}: point ${index} has batchSize ${String(point.batchSize)}. Batch sizes must be integers >= 1.`,
      );
    }
    if (point.batchSize <= previousSize) {
      throw new RangeError(
        `${label}: point ${index} has batchSize ${point.batchSize} after ${previousSize}. Sort the points by strictly ascending batch size and merge duplicates.`,
      );
    }
    if (!Number.isFinite(point.ms) || point.ms < 0) {
      throw new RangeError(
        `${label}: point ${index} (batch size ${point.batchSize}) has ms ${String(point.ms)}. Latencies must be finite numbers >= 0.`,
      );
    }
    previousSize = point.batchSize;
  }
}

/** Returns `L(b)` in milliseconds for a validated profile. */
export function latencyMs(points: readonly LatencyPoint[], batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Batch size must be an integer >= 1, got ${String(batchSize)}.`);
  }
  validateLatencyProfile(points);

  return latencyOfValidated(points, batchSize);
}

/** Returns `L(1)`, `L(2)`, ... `L(maxBatch)` as an array indexed by batch size (index 0 is unused and 0). */
export function latencyTable(points: readonly LatencyPoint[], maxBatch: number, label = 'latency profile'): number[] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new RangeError(`${label}: maxBatch must be an integer >= 1, got ${String(maxBatch)}.`);
  }
  validateLatencyProfile(points, label);

  const table = [0];
  const floor = floorOf(points);
  let segment = 0;
  for (let size = 1; size <= maxBatch; size += 1) {
    // Sizes ascend, so the segment `latencyOfValidated` would find only moves right.
    while (segment < points.length - 2 && size > (points[segment + 1] as LatencyPoint).batchSize) segment += 1;
    table.push(latencyOnSegment(points, size, floor, segment));
  }
  return table;
}

/** Returns the smallest measured latency, below which no `L(b)` goes. */
function floorOf(points: readonly LatencyPoint[]): number {
  let floor = Infinity;
  for (const point of points) floor = Math.min(floor, point.ms);
  return floor;
}

function latencyOfValidated(points: readonly LatencyPoint[], batchSize: number): number {
  // The segment to interpolate on, or the end segment to extrapolate from.
  let segment = points.length - 2;
  for (let index = 0; index < points.length - 1; index += 1) {
    if (batchSize <= (points[index + 1] as LatencyPoint).batchSize) {
      segment = index;
      break;
    }
  }
  return latencyOnSegment(points, batchSize, floorOf(points), Math.max(0, segment));
}

/** Returns `L(b)` from the segment starting at point `segment`, never below `floor`. */
function latencyOnSegment(points: readonly LatencyPoint[], batchSize: number, floor: number, segment: number): number {
  const first = points[0] as LatencyPoint;

  // One point: proportional scaling, L(b) = L(b0) · b / b0.
  if (points.length === 1) return Math.max(floor, (first.ms * batchSize) / first.batchSize);

  const left = points[segment] as LatencyPoint;
  const right = points[segment + 1] as LatencyPoint;
  const slope = (right.ms - left.ms) / (right.batchSize - left.batchSize);

  return Math.max(floor, left.ms + slope * (batchSize - left.batchSize));
}
