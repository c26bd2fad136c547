/**
 * Costs of every model on one simulated device, from a measured `DeviceProfile`.
 *
 * - Capacity and load factors use medians: `L_m(b)` is the median of the samples at each measured
 *   batch size, and `T_m` the median load sample. The simulator plans with `latencyQuantile` at
 *   `PLANNING_QUANTILE`, as the live runtime's start-up profiling reports.
 * - The simulated executor draws actual times from the samples. At a measured batch size it picks
 *   one sample uniformly. Between two measured sizes it draws one quantile `u` and interpolates
 *   linearly between the `u`-quantiles of the neighbouring sizes, so the spread carries over.
 *   Beyond the measured sizes it extrapolates the same way from the two nearest sizes, and with a
 *   single measured size it scales proportionally to the batch size.
 * - No drawn or planned time is below the smallest sample of the sizes it came from, so a noisy
 *   slope cannot make a batch look faster than anything measured.
 * - Latency samples above `PAUSE_FACTOR` times their size's median are left out as pauses of the
 *   measuring process (garbage collection, a descheduled thread). A pause happens once per span of
 *   time, not once per batch, so drawing it per batch would stall a fast model's whole trace: one
 *   16 ms sample among 40 runs of a 0.04 ms model did exactly that. `pausesLeftOut` counts them.
 */

import type { DeviceProfile, ModelCost } from '../device-profile.js';
import type { LatencyPoint } from '../model.js';
import type { Random } from '../random.js';

/** Latency samples above this multiple of their batch size's median are left out as pauses. */
export const PAUSE_FACTOR = 10;

/** One model's measured samples, sorted, ready for drawing. */
interface ModelSamples {
  /** Measured batch sizes, ascending. */
  sizes: number[];
  /** Sorted samples per entry of `sizes`. */
  latency: number[][];
  /** Sorted load samples; empty when none were measured. */
  load: number[];
  /** Latency samples left out as pauses. */
  pausesLeftOut: number;
}

/** Planned and drawn costs of the models of one device profile. */
export interface CostModel {
  /** Description of where the figures come from: machine, browser and provider. */
  readonly source: string;
  /** Latency samples of every model left out as pauses (above `PAUSE_FACTOR` × their median). */
  readonly pausesLeftOut: number;
  /** Returns whether the profile has latency samples of the model. */
  has(modelId: string): boolean;
  /** Median latency at every measured batch size, ascending: the basis of capacity and load factors. */
  medianLatency(modelId: string): LatencyPoint[];
  /** The `q`-quantile of the latency at every measured batch size, ascending. */
  latencyQuantile(modelId: string, q: number): LatencyPoint[];
  /** Median load cost in milliseconds. */
  medianLoadMs(modelId: string): number;
  /** Draws the time of one batch of `batchSize` in milliseconds. */
  drawLatency(modelId: string, batchSize: number, random: Random): number;
  /** Draws one load cost in milliseconds. */
  drawLoadMs(modelId: string, random: Random): number;
}

/** Validates a device profile and prepares its samples for drawing. */
export function createCostModel(profile: DeviceProfile): CostModel {
  const models = new Map<string, ModelSamples>();
  for (const [modelId, cost] of Object.entries(profile.models)) models.set(modelId, prepareSamples(modelId, cost));

  const samplesOf = (modelId: string): ModelSamples => {
    const samples = models.get(modelId);
    if (samples === undefined) {
      throw new RangeError(
        `The device profile (${profile.machine}, ${profile.browser}) has no measurements of model "${modelId}". Measure it again with npm run measure:node or npm run measure.`,
      );
    }
    return samples;
  };

  return {
    source: `${profile.machine}; ${profile.browser}; ${profile.provider}; onnxruntime-web ${profile.ortVersion}; measured ${profile.measuredAt}`,
    pausesLeftOut: [...models.values()].reduce((sum, samples) => sum + samples.pausesLeftOut, 0),
    has: (modelId) => models.has(modelId),
    medianLatency: (modelId) => {
      const samples = samplesOf(modelId);
      return samples.sizes.map((batchSize, index) => ({ batchSize, ms: quantile(samples.latency[index] ?? [], 0.5) }));
    },
    latencyQuantile: (modelId, q) => {
      const samples = samplesOf(modelId);
      return samples.sizes.map((batchSize, index) => ({ batchSize, ms: quantile(samples.latency[index] ?? [], q) }));
    },
    medianLoadMs: (modelId) => {
      const samples = samplesOf(modelId);
      if (samples.load.length === 0) {
        throw new RangeError(`The device profile has no load samples of model "${modelId}". Measure its load cost before simulating it as a variant.`);
      }
      return quantile(samples.load, 0.5);
    },
    drawLatency: (modelId, batchSize, random) => drawLatency(samplesOf(modelId), batchSize, random),
    drawLoadMs: (modelId, random) => {
      const samples = samplesOf(modelId);
      if (samples.load.length === 0) {
        throw new RangeError(`The device profile has no load samples of model "${modelId}". Measure its load cost before simulating it as a variant.`);
      }
      return samples.load[random.integer(0, samples.load.length - 1)] as number;
    },
  };
}

function prepareSamples(modelId: string, cost: ModelCost): ModelSamples {
  const entries = Object.entries(cost.latencyMs).map(([key, samples]) => {
    const batchSize = Number(key);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`Device profile of model "${modelId}" has batch size key "${key}". Keys must be whole numbers >= 1 written in decimal.`);
    }
    if (!Array.isArray(samples) || samples.length === 0) {
      throw new RangeError(`Device profile of model "${modelId}" has no samples at batch size ${key}. Give at least one time per measured size.`);
    }
    for (const sample of samples) checkTime(modelId, `batch size ${key}`, sample);
    const sorted = [...samples].sort((left, right) => left - right);
    const limit = PAUSE_FACTOR * quantile(sorted, 0.5);
    const kept = sorted.filter((sample) => sample <= limit);
    return { batchSize, samples: kept, left: sorted.length - kept.length };
  });
  if (entries.length === 0) {
    throw new RangeError(`Device profile of model "${modelId}" has no latency samples. Measure at least batch size 1.`);
  }
  entries.sort((left, right) => left.batchSize - right.batchSize);

  for (const sample of cost.loadMs) checkTime(modelId, 'load', sample);
  return {
    sizes: entries.map((entry) => entry.batchSize),
    latency: entries.map((entry) => entry.samples),
    load: [...cost.loadMs].sort((left, right) => left - right),
    pausesLeftOut: entries.reduce((sum, entry) => sum + entry.left, 0),
  };
}

function checkTime(modelId: string, what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`Device profile of model "${modelId}" has ${what} sample ${String(value)}. Times must be finite milliseconds >= 0.`);
  }
}

function drawLatency(samples: ModelSamples, batchSize: number, random: Random): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Batch size must be a whole number >= 1, got ${String(batchSize)}.`);
  }

  const exact = samples.sizes.indexOf(batchSize);
  if (exact >= 0) {
    const measured = samples.latency[exact] ?? [];
    return measured[random.integer(0, measured.length - 1)] as number;
  }
  return interpolate(samples, batchSize, random.uniform());
}

/** Returns the `u`-quantile at `batchSize`, interpolated or extrapolated from the nearest measured sizes. */
function interpolate(samples: ModelSamples, batchSize: number, u: number): number {
  const { sizes, latency } = samples;
  const first = latency[0] ?? [];
  if (sizes.length === 1) {
    const value = (quantile(first, u) * batchSize) / (sizes[0] ?? 1);
    return Math.max(first[0] ?? 0, value);
  }

  // The segment whose right end is the first size above the batch, clamped to the end segments.
  let right = sizes.findIndex((size) => size > batchSize);
  if (right < 0) right = sizes.length - 1;
  right = Math.max(1, right);
  const left = right - 1;

  const leftSamples = latency[left] ?? [];
  const rightSamples = latency[right] ?? [];
  const leftValue = quantile(leftSamples, u);
  const rightValue = quantile(rightSamples, u);
  const leftSize = sizes[left] ?? 1;
  const rightSize = sizes[right] ?? 1;
  const value = leftValue + ((rightValue - leftValue) * (batchSize - leftSize)) / (rightSize - leftSize);
  return Math.max(Math.min(leftSamples[0] ?? 0, rightSamples[0] ?? 0), value);
}

/** Linear-interpolation quantile of sorted samples, `u` in [0, 1]. */
function quantile(sorted: readonly number[], u: number): number {
  if (sorted.length === 1) return sorted[0] as number;
  const position = Math.min(1, Math.max(0, u)) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const weight = position - below;
  return (1 - weight) * (sorted[below] as number) + weight * (sorted[above] as number);
}
