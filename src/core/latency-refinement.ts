/**
 * Online refinement of a latency profile from observed batch times: an exponentially weighted
 * mean per batch size, so a profile measured once at start follows the device as it warms up,
 * throttles or shares its cores.
 */
import { latencyMs } from './latency.js';
import type { LatencyPoint } from './model.js';

/** Weight of one new observation in the running mean. */
export const DEFAULT_REFINEMENT_WEIGHT = 0.2;

/**
 * Returns the profile with the observation folded in. A batch size that has a point moves toward
 * the observation; one that has none gets a new point between the interpolated value and the
 * observation, so later decisions at that size use what was seen.
 */
export function refineLatency(
  points: readonly LatencyPoint[],
  batchSize: number,
  observedMs: number,
  weight = DEFAULT_REFINEMENT_WEIGHT,
): LatencyPoint[] {
  if (!Number.isFinite(observedMs) || observedMs < 0) {
    throw new RangeError(`Observed batch time ${observedMs} ms is invalid; pass the measured wall time, a finite number ≥ 0.`);
  }
  if (!(weight > 0 && weight <= 1)) throw new RangeError(`Refinement weight ${weight} is out of range; pass a number in (0, 1].`);

  const predicted = latencyMs(points, batchSize);
  const refined = { batchSize, ms: (1 - weight) * predicted + weight * observedMs };
  const others = points.filter((point) => point.batchSize !== batchSize);
  return [...others, refined].sort((a, b) => a.batchSize - b.batchSize);
}
