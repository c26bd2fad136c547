/**
 * Batch padding, shared by the live scheduler and the simulator so that both plan and run batches
 * the same way.
 *
 * - The runtime measures each variant at start, and so warms it, at a few batch sizes only:
 *   the powers of two below its `maxBatch`, and `maxBatch` itself.
 * - The policy may choose any batch size from 1 to `maxBatch`. A batch runs padded with empty
 *   records to the next measured size, because on WebGPU the first run of a new input shape
 *   compiles kernels.
 * - The policy therefore plans a batch of `b` with the latency of its padded size, and observed run
 *   times refine the measured profile at the padded size.
 */

import { latencyMs } from './latency.js';
import type { VariantProfile } from './model.js';

/** Batch sizes the runtime measures at start, up to each variant's maximum: powers of two. */
export const PROFILED_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128] as const;

/** Returns the profiled sizes below a variant's maximum batch, and the maximum itself, ascending. */
export function profileBatchSizes(maxBatch: number): number[] {
  const sizes = new Set<number>(PROFILED_BATCH_SIZES.filter((size) => size < maxBatch));
  sizes.add(maxBatch);
  return [...sizes].sort((a, b) => a - b);
}

/**
 * Returns the smallest profiled (and so warmed) batch size that fits `count` records. A count
 * above `maxBatch` is returned unchanged; the policy never chooses one.
 */
export function paddedBatchSize(count: number, maxBatch: number): number {
  return profileBatchSizes(maxBatch).find((size) => size >= count) ?? count;
}

/**
 * Returns the profile the policy plans with: one latency point per batch size from 1 to
 * `maxBatch`, each the measured (and refined) latency of the padded size.
 */
export function plannedProfile(measured: VariantProfile): VariantProfile {
  const latency = [];
  for (let size = 1; size <= measured.maxBatch; size++) {
    latency.push({ batchSize: size, ms: latencyMs(measured.latency, paddedBatchSize(size, measured.maxBatch)) });
  }
  return { ...measured, latency };
}
