/**
 * Start-up measurement of one variant on the inference worker's provider: load cost (session
 * creation plus one warm-up run at every scheduled batch size, because on WebGPU the first run of
 * a new input shape compiles kernels) and the `PLANNING_QUANTILE` of the service time at those
 * sizes. Times are taken in this worker, so the Comlink round trip is part of the figure the policy
 * plans with.
 */
import type { Remote } from 'comlink';
import * as Comlink from 'comlink';
import type { ApplicationManifest, ModelEntry } from '../core/manifest.js';
import { PLANNING_QUANTILE, quantileOf } from '../core/latency-refinement.js';
import type { LatencyPoint } from '../core/model.js';
import { profileBatchSizes } from '../core/padding.js';
import type { InferenceApi, LoadModelMessage } from '../protocol/messages.js';

export interface VariantMeasurement {
  loadMs: number;
  /** Median service time per measured batch size. */
  latency: LatencyPoint[];
  /** Every timed run: batch size (as a decimal string) mapped to its times in milliseconds. */
  samples: Record<string, number[]>;
}

// The profiled sizes live in core, because the simulator pads batches as this worker does.
export { PROFILED_BATCH_SIZES, profileBatchSizes } from '../core/padding.js';

/**
 * Builds the inference worker's load request for a copy of `bytes`, transferred. Profiling and
 * swaps use the same warm-up, so the measured load cost is what a swap costs.
 */
export function loadMessage(entry: ModelEntry, application: ApplicationManifest, bytes: ArrayBuffer): LoadModelMessage {
  const copy = bytes.slice(0);
  return Comlink.transfer(
    {
      modelId: entry.id,
      bytes: copy,
      inputName: application.input.name,
      outputName: entry.outputName,
      recordShape: application.input.shape.slice(1),
      warmupBatchSizes: profileBatchSizes(entry.maxBatch),
    },
    [copy],
  );
}

/** Loads the variant, measures it and leaves it loaded; the caller decides whether to evict. */
export async function measureVariant(
  inference: Remote<InferenceApi>,
  entry: ModelEntry,
  application: ApplicationManifest,
  bytes: ArrayBuffer,
  runs: number,
): Promise<VariantMeasurement> {
  const recordShape = application.input.shape.slice(1);
  const recordSize = recordShape.reduce((product, size) => product * size, 1);

  const started = performance.now();
  await inference.load(loadMessage(entry, application, bytes));
  const loadMs = performance.now() - started;

  const latency: LatencyPoint[] = [];
  const samples: Record<string, number[]> = {};
  for (const batchSize of profileBatchSizes(entry.maxBatch)) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const input = new Float32Array(batchSize * recordSize);
      const runStarted = performance.now();
      await inference.run(entry.id, Comlink.transfer(input, [input.buffer]), batchSize);
      times.push(performance.now() - runStarted);
    }
    latency.push({ batchSize, ms: quantileOf(times, PLANNING_QUANTILE) });
    samples[String(batchSize)] = times;
  }
  return { loadMs, latency, samples };
}
