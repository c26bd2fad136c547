/**
 * Swap cost per variant on one provider: a first load, then cycles of evict and reload, on a bare
 * inference worker (the runtime's own worker code) driven from the page as the scheduler drives it.
 *
 * - Loads use the scheduler's load message, so each one creates the session and warms it at every
 *   batch size the scheduler plans with: what a swap costs the runtime.
 * - One untimed load and eviction comes first, because the first session of a worker also compiles
 *   onnxruntime-web's WASM module, which no later swap pays.
 * - Only one session is resident at a time. On WebGPU every eviction therefore releases the
 *   worker's only session, and the reload that follows shows whether the device survived it.
 * - One batch runs after every load to check that the session works.
 */
import * as Comlink from 'comlink';
import { loadMessage } from '../scheduler/profiler.js';
import type { InferenceApi } from '../protocol/messages.js';
import { fetchManifest, fetchVariant, startInferenceWorker, type VariantSource } from './models.js';
import type { SwapRequest, SwapResult, SwapSamples } from './results.js';

export async function measureSwaps(request: SwapRequest): Promise<SwapResult> {
  const manifest = await fetchManifest();
  const sources: VariantSource[] = [];
  for (const variantId of request.variantIds) sources.push(await fetchVariant(manifest, variantId));

  const worker = await startInferenceWorker(request.provider);
  try {
    const first = sources[0];
    if (first !== undefined) {
      await worker.api.load(loadMessage(first.entry, first.application, first.bytes));
      await worker.api.evict(first.entry.id);
    }

    const variants: SwapSamples[] = [];
    for (const source of sources) variants.push(await cycle(worker.api, source, request.repetitions));
    return { provider: request.provider, providerNote: worker.providerNote, variants };
  } finally {
    worker.terminate();
  }
}

async function cycle(api: Comlink.Remote<InferenceApi>, source: VariantSource, repetitions: number): Promise<SwapSamples> {
  const first = await timedLoad(api, source);
  const samples: SwapSamples = {
    variantId: source.entry.id,
    application: source.application.id,
    firstLoadMs: first.workerMs,
    firstLoadCallMs: first.callMs,
    evictCallMs: [],
    reloadMs: [],
    reloadCallMs: [],
  };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    samples.evictCallMs.push(await timedEvict(api, source.entry.id));
    const reload = await timedLoad(api, source);
    samples.reloadMs.push(reload.workerMs);
    samples.reloadCallMs.push(reload.callMs);
  }
  await api.evict(source.entry.id);
  return samples;
}

async function timedLoad(api: Comlink.Remote<InferenceApi>, source: VariantSource): Promise<{ workerMs: number; callMs: number }> {
  const message = loadMessage(source.entry, source.application, source.bytes);
  const started = performance.now();
  const workerMs = await api.load(message);
  const callMs = performance.now() - started;
  await checkRuns(api, source);
  return { workerMs, callMs };
}

async function timedEvict(api: Comlink.Remote<InferenceApi>, variantId: string): Promise<number> {
  const started = performance.now();
  await api.evict(variantId);
  return performance.now() - started;
}

/** Runs one record of zeros and checks that a whole row of class scores comes back. */
async function checkRuns(api: Comlink.Remote<InferenceApi>, source: VariantSource): Promise<void> {
  const recordSize = source.application.input.shape.slice(1).reduce((product, size) => product * size, 1);
  const input = new Float32Array(recordSize);
  const result = await api.run(source.entry.id, Comlink.transfer(input, [input.buffer]), 1);
  if (result.classCount !== source.application.classes.length) {
    throw new Error(
      `"${source.entry.id}" returned ${result.classCount} scores per record after a reload, expected ${source.application.classes.length}.`,
    );
  }
}
