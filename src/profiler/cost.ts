/**
 * The cost figures the profiler records for a model on this machine: the footprint estimate the
 * runtime budgets memory with, and latency samples per batch size in onnxruntime-web's WASM
 * backend in Node.
 */

import * as ort from 'onnxruntime-web';

import type { ModelCost } from '../core/device-profile.js';
import { createSession, type CheckedModel } from './model-runner.js';
import { withExtraOutputs } from './onnx-model.js';

export interface FootprintParts {
  initializerBytes: number;
  activationBytes: number;
  /** The input and every node output. */
  tensorCount: number;
  bytes: number;
}

/**
 * Estimates device memory as the initializer bytes plus 4 bytes per element of the input and of
 * every tensor a graph node produces at `batch`. Shapes come from running the model once with
 * every node output exposed as a graph output, so they are the shapes onnxruntime-web computes.
 * This follows tools/train/onnx_export.py, which takes the shapes from ONNX shape inference.
 */
export async function estimateFootprint(model: CheckedModel, batch: number): Promise<FootprintParts> {
  const initializerBytes = model.graph.initializers.reduce((sum, tensor) => sum + tensor.bytes, 0);
  const outputNames = new Set(model.graph.outputs.map((output) => output.name));
  const extra = [...new Set(model.graph.nodeOutputs.filter((name) => !outputNames.has(name)))];
  const session = await createSession(model, withExtraOutputs(model.bytes, extra));

  const recordSize = model.recordShape.reduce((product, size) => product * size, 1);
  const input = new ort.Tensor('float32', new Float32Array(batch * recordSize), [batch, ...model.recordShape]);
  try {
    const results = await session.run({ [model.inputName]: input });
    let activationBytes = 4 * batch * recordSize;
    for (const name of model.graph.nodeOutputs) {
      const tensor = results[name];
      if (tensor === undefined) throw new Error(`${model.file}: onnxruntime-web did not return node output "${name}" while estimating the footprint.`);
      activationBytes += 4 * tensor.dims.reduce((product, size) => product * size, 1);
    }
    for (const value of Object.values(results)) value.dispose();
    return { initializerBytes, activationBytes, tensorCount: model.graph.nodeOutputs.length + 1, bytes: initializerBytes + activationBytes };
  } finally {
    await session.release();
  }
}

export function describeFootprint(parts: FootprintParts, batch: number): string {
  return (
    `Estimate: ${parts.initializerBytes} bytes of ONNX initializers plus ${parts.activationBytes} bytes for the input and every ` +
    `tensor a graph node produces (${parts.tensorCount} tensors) at batch size ${batch} in float32, with shapes from one run in ` +
    `onnxruntime-web. It ignores runtime workspace, allocator padding and any buffer reuse by onnxruntime-web.`
  );
}

/** Number of floating-point initializer elements: the weights, plus constants such as normalisation statistics. */
export function countParameters(model: CheckedModel): number {
  const floatTypes = new Set([1, 10, 11, 16]);
  return model.graph.initializers
    .filter((tensor) => floatTypes.has(tensor.elementType))
    .reduce((sum, tensor) => sum + tensor.dims.reduce((product, size) => product * size, 1), 0);
}

export interface TimingOptions {
  /** Timed loads (session creation plus one warm-up run at every batch size). */
  loads: number;
  /** Timed runs per batch size. */
  runs: number;
}

/**
 * Times `loads` loads and `runs` runs per batch size on `sample` records, repeated to fill each
 * batch, in the format of src/core/device-profile.ts.
 */
export async function measureCost(
  model: CheckedModel,
  role: ModelCost['role'],
  application: string,
  batchSizes: readonly number[],
  sample: Float32Array,
  options: TimingOptions,
): Promise<ModelCost> {
  const recordSize = model.recordShape.reduce((product, size) => product * size, 1);
  const sampleCount = Math.max(1, Math.floor(sample.length / recordSize));
  const batchOf = (size: number): ort.Tensor => {
    const data = new Float32Array(size * recordSize);
    for (let row = 0; row < size; row += 1) {
      const record = row % sampleCount;
      data.set(sample.subarray(record * recordSize, (record + 1) * recordSize), row * recordSize);
    }
    return new ort.Tensor('float32', data, [size, ...model.recordShape]);
  };
  const runOnce = async (session: ort.InferenceSession, size: number): Promise<void> => {
    const results = await session.run({ [model.inputName]: batchOf(size) }, [model.outputName]);
    for (const value of Object.values(results)) value.dispose();
  };
  const load = async (): Promise<ort.InferenceSession> => {
    const session = await createSession(model, model.bytes);
    for (const size of batchSizes) await runOnce(session, size);
    return session;
  };

  const loadMs: number[] = [];
  for (let attempt = 0; attempt < options.loads; attempt += 1) {
    const started = performance.now();
    const session = await load();
    loadMs.push(performance.now() - started);
    await session.release();
  }

  const session = await load();
  const latencyMs: Record<string, number[]> = {};
  for (const size of batchSizes) {
    const times: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const started = performance.now();
      await runOnce(session, size);
      times.push(performance.now() - started);
    }
    latencyMs[String(size)] = times;
  }
  await session.release();
  return { application, role, loadMs, latencyMs };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
