/**
 * Runtime overhead of one variant: the same batches of real test records timed along three paths,
 * one batch of each in turn so that drift in the machine's load hits all three alike.
 *
 * 1. raw: `session.run()` and the output read on a session this page creates with the options the
 *    inference worker uses;
 * 2. worker: one `run()` call to a bare inference worker (the runtime's own worker code) and back;
 * 3. runtime: `submit()` of the batch's requests to a runtime pinned to the variant, until the last
 *    outcome arrives in the page. This path also runs the application's SneakPeek model on every
 *    request and a policy decision per batch, in the scheduler worker, before the batch runs.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { createRuntime, runtimeClock, type Runtime } from '../client/runtime.js';
import { loadMessage } from '../scheduler/profiler.js';
import type { CompletedOutcome, InferenceApi, Outcome } from '../protocol/messages.js';
import { MANIFEST_URL, fetchManifest, fetchVariant, loadRecords, scaledBatch, startInferenceWorker, type VariantSource } from './models.js';
import type { OverheadRequest, OverheadResult, OverheadSamples } from './results.js';

/** Deadline of every runtime request: far beyond any batch here, so the policy never drops one. */
const LOOSE_DEADLINE_MS = 10 * 60 * 1000;

export async function measureOverhead(request: OverheadRequest): Promise<OverheadResult> {
  const manifest = await fetchManifest();
  const source = await fetchVariant(manifest, request.variantId);
  const testSet = await loadRecords(source.application.id);
  const largest = Math.max(...request.batchSizes);
  if (largest > source.entry.maxBatch) {
    throw new RangeError(`Batch size ${largest} exceeds the maxBatch ${source.entry.maxBatch} of "${request.variantId}"; choose batch sizes up to it.`);
  }

  const raw = await createRawSession(source, request.provider);
  const worker = await startInferenceWorker(request.provider);
  let runtime: Runtime | undefined;
  try {
    await worker.api.load(loadMessage(source.entry, source.application, source.bytes));
    runtime = await createRuntime({
      manifestUrl: MANIFEST_URL,
      provider: request.provider,
      // Measure at start even when a profile is stored, so the start-up figures are from this run.
      profile: 'always',
      variants: [request.variantId],
      memoryBudgetBytes: 2 ** 30,
      storeName: request.storeName,
    });
    if (runtime.ready.provider !== request.provider) {
      throw new Error(`The runtime was requested on ${request.provider} but runs on ${runtime.ready.provider}: ${runtime.ready.providerNote}`);
    }

    const samples: OverheadSamples[] = [];
    for (const batchSize of request.batchSizes) {
      const input = scaledBatch(testSet, source.application, 0, batchSize);
      const records = Array.from({ length: batchSize }, (_, index) => testSet.record(index));
      const timings = emptySamples(batchSize);
      for (let round = 0; round < request.warmup + request.batches; round++) {
        const rawMs = await runRaw(raw, source, input, batchSize);
        const direct = await runDirect(worker.api, request.variantId, input, batchSize);
        const served = await runThroughRuntime(runtime, source, records, batchSize);
        if (round < request.warmup) continue;
        timings.rawMs.push(rawMs);
        timings.workerRoundTripMs.push(direct.roundTripMs);
        timings.workerRunMs.push(direct.runMs);
        timings.runtimeMs.push(served.totalMs);
        timings.runtimeArrivalToFinishMs.push(served.arrivalToFinishMs);
        timings.runtimeDeliveryMs.push(served.deliveryMs);
        timings.runtimeSubmitSpreadMs.push(served.submitSpreadMs);
      }
      samples.push(timings);
    }

    const profile = runtime.ready.profiles.find((measured) => measured.variantId === request.variantId);
    const sneakpeek = runtime.ready.sneakpeekProfiles.find((measured) => measured.application === source.application.id);
    return {
      provider: request.provider,
      providerNote: runtime.ready.providerNote,
      variantId: request.variantId,
      application: source.application.id,
      samples,
      startupInferenceCallMs: medians(profile?.samples ?? {}, request.batchSizes),
      startupSneakPeekMs: medians(sneakpeek?.samples ?? {}, request.batchSizes),
    };
  } finally {
    await runtime?.dispose();
    worker.terminate();
    await raw.release();
  }
}

/** Creates a session as the inference worker does: one provider, full graph optimisation. */
async function createRawSession(source: VariantSource, provider: string): Promise<ort.InferenceSession> {
  ort.env.logLevel = 'error';
  try {
    return await ort.InferenceSession.create(new Uint8Array(source.bytes), { executionProviders: [provider], graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new Error(`onnxruntime-web failed to create a page session of "${source.entry.id}" on ${provider}: ${String(error)}`, { cause: error });
  }
}

async function runRaw(session: ort.InferenceSession, source: VariantSource, input: Float32Array, batchSize: number): Promise<number> {
  const recordShape = source.application.input.shape.slice(1);
  const tensor = new ort.Tensor('float32', input, [batchSize, ...recordShape]);
  const started = performance.now();
  const outputs = await session.run({ [source.application.input.name]: tensor });
  const output = outputs[source.entry.outputName];
  if (output === undefined) throw new RangeError(`"${source.entry.id}" has no output "${source.entry.outputName}"; check outputName in the manifest.`);
  await output.getData();
  const elapsed = performance.now() - started;
  for (const value of Object.values(outputs)) value.dispose();
  return elapsed;
}

async function runDirect(
  api: Comlink.Remote<InferenceApi>,
  variantId: string,
  input: Float32Array,
  batchSize: number,
): Promise<{ roundTripMs: number; runMs: number }> {
  // The call transfers its input, so each call gets a copy.
  const copy = input.slice();
  const started = performance.now();
  const result = await api.run(variantId, Comlink.transfer(copy, [copy.buffer]), batchSize);
  return { roundTripMs: performance.now() - started, runMs: result.runMs };
}

/**
 * Submits one batch's requests in one task and waits for their outcomes. Throws unless the
 * scheduler served them as exactly one batch of that size on the pinned variant.
 */
async function runThroughRuntime(
  runtime: Runtime,
  source: VariantSource,
  records: readonly (Uint8Array | Float32Array)[],
  batchSize: number,
): Promise<{ totalMs: number; arrivalToFinishMs: number; deliveryMs: number; submitSpreadMs: number }> {
  const started = runtimeClock();
  const outcomes = await Promise.all(
    records.map((input) => runtime.submit({ application: source.application.id, input, deadlineMs: LOOSE_DEADLINE_MS })),
  );
  const delivered = runtimeClock();

  const completed = outcomes.map((outcome) => checkCompleted(outcome, source.entry.id));
  const batchIds = new Set(completed.map((outcome) => outcome.batchId));
  const sizes = new Set(completed.map((outcome) => outcome.batchSize));
  if (batchIds.size !== 1 || sizes.size !== 1 || !sizes.has(batchSize)) {
    throw new Error(
      `The scheduler served ${batchSize} requests submitted together as batches ${[...batchIds].join(', ')} of sizes ${[...sizes].join(', ')}; the overhead figure needs one batch of ${batchSize}.`,
    );
  }

  const finishedAt = completed[0]!.finishedAt;
  const firstArrival = Math.min(...completed.map((outcome) => outcome.arrival));
  const lastArrival = Math.max(...completed.map((outcome) => outcome.arrival));
  return {
    totalMs: delivered - started,
    arrivalToFinishMs: finishedAt - firstArrival,
    deliveryMs: delivered - finishedAt,
    submitSpreadMs: lastArrival - firstArrival,
  };
}

function checkCompleted(outcome: Outcome, variantId: string): CompletedOutcome {
  if (outcome.status !== 'completed') {
    throw new Error(`Request ${outcome.requestId} was dropped (${outcome.reason}: ${outcome.detail}); the overhead benchmark needs every request served.`);
  }
  if (outcome.variantId !== variantId) throw new Error(`Request ${outcome.requestId} ran on "${outcome.variantId}", not the pinned "${variantId}".`);
  return outcome;
}

function emptySamples(batchSize: number): OverheadSamples {
  return {
    batchSize,
    rawMs: [],
    workerRoundTripMs: [],
    workerRunMs: [],
    runtimeMs: [],
    runtimeArrivalToFinishMs: [],
    runtimeDeliveryMs: [],
    runtimeSubmitSpreadMs: [],
  };
}

/** Returns the median of each requested batch size's samples, leaving out sizes that were not measured. */
function medians(samples: Record<string, number[]>, batchSizes: readonly number[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const size of batchSizes) {
    const values = samples[String(size)];
    if (values === undefined || values.length === 0) continue;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    result[String(size)] = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }
  return result;
}
