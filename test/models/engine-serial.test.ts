// The inference engine on onnxruntime-web's WASM backend in Node, with the committed product
// models: runs from many concurrent callers reach onnxruntime-web one at a time, across sessions.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InferenceEngine } from '../../src/inference/engine';

ort.env.wasm.numThreads = 1;

const MODELS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../models');
const VARIANTS = ['product-mlp', 'product-cnn-small'];
const RECORD_SIZE = 28 * 28;

/** The engine's sessions, reached for counting the runs in flight around the real `run()`. */
type SessionMap = Map<string, { session: ort.InferenceSession }>;

describe('InferenceEngine run serialisation', () => {
  const engine = new InferenceEngine();
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;

  beforeAll(async () => {
    await engine.init('wasm', undefined);
    for (const id of VARIANTS) {
      const file = readFileSync(path.join(MODELS, 'product', `${id}.onnx`));
      const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
      await engine.load({ modelId: id, bytes, inputName: 'input', outputName: 'logits', recordShape: [1, 28, 28], warmupBatchSizes: [1] });
    }

    for (const loaded of (engine as unknown as { sessions: SessionMap }).sessions.values()) {
      const run = loaded.session.run.bind(loaded.session) as (...args: unknown[]) => Promise<ort.InferenceSession.OnnxValueMapType>;
      (loaded.session as { run: unknown }).run = async (...args: unknown[]) => {
        calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await run(...args);
        } finally {
          inFlight--;
        }
      };
    }
  });

  afterAll(async () => {
    for (const id of VARIANTS) await engine.evict(id);
  });

  it('keeps one run in flight across sessions', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => engine.run(VARIANTS[index % 2]!, new Float32Array(4 * RECORD_SIZE).fill(index / 40), 4)),
    );

    expect(calls).toBe(40);
    expect(maxInFlight).toBe(1);
    for (const result of results) {
      expect(result.classCount).toBe(10);
      expect(result.output).toHaveLength(40);
    }
  });

  it('lets a failed run not block the next', async () => {
    const wrongSize = engine.run('product-mlp', new Float32Array(3), 1);
    const good = engine.run('product-cnn-small', new Float32Array(RECORD_SIZE), 1);

    await expect(wrongSize).rejects.toThrow('Batch for "product-mlp" contains 3 values, expected batchSize 1 × 784');
    await expect(good).resolves.toMatchObject({ classCount: 10 });
  });

  it('evicts only after the session finished its queued run', async () => {
    const running = engine.run('product-mlp', new Float32Array(2 * RECORD_SIZE), 2);
    const evicted = engine.evict('product-mlp');

    await expect(running).resolves.toMatchObject({ classCount: 10 });
    await evicted;
    expect(engine.resident()).toEqual(['product-cnn-small']);
    await expect(engine.run('product-mlp', new Float32Array(RECORD_SIZE), 1)).rejects.toThrow('Model "product-mlp" is not loaded');
    // Loaded again for the other tests' clean-up.
    const file = readFileSync(path.join(MODELS, 'product', 'product-mlp.onnx'));
    await engine.load({
      modelId: 'product-mlp',
      bytes: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength),
      inputName: 'input',
      outputName: 'logits',
      recordShape: [1, 28, 28],
      warmupBatchSizes: [1],
    });
  });
});
