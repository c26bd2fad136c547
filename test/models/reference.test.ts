// Checks the committed models in models/ against their manifest and against PyTorch: file sizes
// and hashes, onnxruntime-web (WASM backend, in Node) logits against the reference logits that
// tools/train/train_product.py wrote, and the recorded accuracies against the shipped predictions.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

import {
  MANIFEST_FORMAT_VERSION,
  type ApplicationManifest,
  type Manifest,
  type ModelFile,
  type TestSetEntry,
} from '../../src/core/manifest';

// In Node, onnxruntime-web 1.31 needs no setup: it loads its WASM binary from node_modules. Left
// unset, numThreads defaults there to min(4, ceil(CPUs / 2)) and the backend starts worker
// threads, so one thread keeps the test independent of the machine.
ort.env.wasm.numThreads = 1;

/**
 * Largest allowed absolute difference between an onnxruntime-web logit and PyTorch's. Both
 * compute in float32 but sum in different orders. The logits reach about 30 in magnitude, where
 * one float32 step is about 2e-6, and sums over hundreds of terms differ by several steps: the
 * largest difference measured for these models was 2.2e-5 (product-cnn-small).
 */
const LOGIT_TOLERANCE = 1e-4;
/** Batch size for the reference records when a model declares no `maxBatch`. */
const DEFAULT_BATCH = 32;
/** Manifest accuracies are rounded to 6 decimals. */
const ACCURACY_TOLERANCE = 5e-7;
const SESSION_TIMEOUT_MS = 60_000;

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');
const MANIFEST_PATH = path.join(MODELS_DIR, 'manifest.json');

type ServedModel = ModelFile & { id: string; maxBatch?: number };

function readManifest(): Manifest {
  if (!existsSync(MANIFEST_PATH)) {
    throw new Error(`${MANIFEST_PATH} not found: run \`npm run train\` to train the models and write it.`);
  }
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

function readModelsFile(relative: string): Buffer {
  return readFileSync(path.join(MODELS_DIR, relative));
}

function readJson<T>(relative: string): T {
  return JSON.parse(readModelsFile(relative).toString('utf8')) as T;
}

function servedModels(application: ApplicationManifest): ServedModel[] {
  return [...application.variants, application.sneakpeek];
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) {
    if ((values[index] as number) > (values[best] as number)) best = index;
  }
  return best;
}

/** Builds the float32 input batch of records [start, start + count) as the manifest prescribes. */
function inputBatch(application: ApplicationManifest, testSet: TestSetEntry, images: Buffer, start: number, count: number) {
  const { recordBytes } = testSet;
  const data = new Float32Array(count * recordBytes);
  const scale = application.input.preprocessing.scale;
  for (let index = 0; index < data.length; index += 1) {
    data[index] = (images[start * recordBytes + index] as number) * scale;
  }
  const recordShape = application.input.shape.slice(1);
  return new ort.Tensor('float32', data, [count, ...recordShape]);
}

const manifest = readManifest();

describe('models/manifest.json', () => {
  it('has the supported format version', () => {
    expect(manifest.formatVersion).toBe(MANIFEST_FORMAT_VERSION);
  });

  it('contains the product application', () => {
    expect(manifest.applications.map((application) => application.id)).toContain('product');
  });
});

describe.each(manifest.applications.map((application) => [application.id, application] as const))(
  'application %s',
  (_id, application) => {
    const models = servedModels(application);

    it.each(models.map((model) => [model.id, model] as const))('model file %s matches size and hash', (_modelId, model) => {
      const bytes = readModelsFile(model.file);
      expect(bytes.length).toBe(model.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(model.sha256);
    });

    it.each(models.map((model) => [model.id, model] as const))(
      'validation accuracy of %s matches its confusion matrix',
      (_modelId, model) => {
        const entry = model as ServedModel & { confusion: number[][]; validationAccuracy: number };
        const total = entry.confusion.flat().reduce((sum, count) => sum + count, 0);
        const correct = entry.confusion.reduce((sum, row, index) => sum + (row[index] as number), 0);
        expect(Math.abs(entry.validationAccuracy - correct / total)).toBeLessThanOrEqual(ACCURACY_TOLERANCE);
      },
    );

    const testSet = application.testSet;
    if (testSet === undefined) return;

    const images = readModelsFile(testSet.inputsFile);
    const labels = readModelsFile(testSet.labelsFile);
    const predictions = readJson<Record<string, number[]>>(testSet.predictionsFile);
    const reference = readJson<Record<string, number[][]>>(testSet.referenceFile);

    it('test set files have the declared sizes', () => {
      expect(images.length).toBe(testSet.count * testSet.recordBytes);
      expect(labels.length).toBe(testSet.count);
      const recordElements = application.input.shape.slice(1).reduce((product, size) => product * size, 1);
      expect(recordElements).toBe(testSet.recordBytes);
    });

    it.each(models.map((model) => [model.id, model] as const))(
      'recorded test accuracy of %s matches its predictions',
      (modelId, model) => {
        const predicted = predictions[modelId];
        expect(predicted, `${testSet.predictionsFile} has no entry for ${modelId}`).toBeDefined();
        expect(predicted).toHaveLength(testSet.count);
        const correct = (predicted as number[]).filter((label, index) => label === labels[index]).length;
        const entry = model as ServedModel & { testAccuracy: number };
        expect(Math.abs(entry.testAccuracy - correct / testSet.count)).toBeLessThanOrEqual(ACCURACY_TOLERANCE);
      },
    );

    it.each(models.map((model) => [model.id, model] as const))(
      'onnxruntime-web logits of %s match the PyTorch reference',
      async (modelId, model) => {
        const expectedRows = reference[modelId];
        expect(expectedRows, `${testSet.referenceFile} has no entry for ${modelId}`).toBeDefined();
        expect(expectedRows).toHaveLength(testSet.referenceCount);

        const session = await ort.InferenceSession.create(readModelsFile(model.file), {
          executionProviders: ['wasm'],
        });
        try {
          expect(session.inputNames).toEqual([application.input.name]);
          expect(session.outputNames).toContain(model.outputName);

          const batchSize = Math.min(model.maxBatch ?? DEFAULT_BATCH, testSet.referenceCount);
          const logitMismatches: string[] = [];
          const argmaxMismatches: string[] = [];
          let largestDifference = 0;

          for (let start = 0; start < testSet.referenceCount; start += batchSize) {
            const count = Math.min(batchSize, testSet.referenceCount - start);
            const outputs = await session.run({ [application.input.name]: inputBatch(application, testSet, images, start, count) });
            const logits = outputs[model.outputName] as ort.Tensor;
            expect(logits.dims).toEqual([count, application.classes.length]);
            const values = logits.data as Float32Array;

            for (let row = 0; row < count; row += 1) {
              const record = start + row;
              const actual = values.subarray(row * application.classes.length, (row + 1) * application.classes.length);
              const expected = (expectedRows as number[][])[record] as number[];
              for (let column = 0; column < actual.length; column += 1) {
                const difference = Math.abs((actual[column] as number) - (expected[column] as number));
                // A NaN difference fails the tolerance check below as well as this maximum.
                largestDifference = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : Math.max(largestDifference, difference);
                if (!(difference <= LOGIT_TOLERANCE)) {
                  logitMismatches.push(`record ${record} class ${column}: ${actual[column]} vs ${expected[column]}`);
                }
              }
              const predictedClass = (predictions[modelId] as number[])[record];
              if (argmax(actual) !== predictedClass) {
                argmaxMismatches.push(`record ${record}: argmax ${argmax(actual)} vs ${predictedClass}`);
              }
            }
          }

          console.info(
            `${modelId}: largest |onnxruntime-web - PyTorch| logit difference ${largestDifference.toExponential(2)} ` +
              `over ${testSet.referenceCount} records (tolerance ${LOGIT_TOLERANCE})`,
          );
          expect(logitMismatches).toEqual([]);
          expect(argmaxMismatches).toEqual([]);
        } finally {
          await session.release();
        }
      },
      SESSION_TIMEOUT_MS,
    );
  },
);
