// Checks the committed models in models/ against their manifest and against PyTorch. It compares
// file sizes and hashes, onnxruntime-web (WASM backend, in Node) logits with the reference logits
// that the training scripts in tools/train/ wrote, and the recorded accuracies with the shipped
// predictions. It also checks each application's recorded outputs against its manifest entry.
// Every manifest of `MANIFESTS` gets the same checks: the shipped one and the study family's.

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
  type RecordedOutputs,
  type RecordedSplit,
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
/**
 * recorded.json rounds SneakPeek logits to 5 significant digits, a relative error of at most
 * 5e-5, so the logit of the recorded SneakPeek prediction may trail the rounded maximum by that.
 */
const ROUNDED_LOGIT_RELATIVE_TOLERANCE = 1e-4;
const FLOAT32_BYTES = 4;

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

/** Each manifest under models/, the applications it must contain and the command that writes it. */
const MANIFESTS = [
  { file: 'manifest.json', applicationIds: ['product', 'weather', 'spam'], trainingCommand: 'npm run train' },
  { file: 'study/manifest.json', applicationIds: ['product'], trainingCommand: 'npm run train -- --app product --study specialists' },
];

type ServedModel = ModelFile & { id: string; maxBatch?: number };

function readManifest(manifestPath: string, trainingCommand: string): Manifest {
  if (!existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: run \`${trainingCommand}\` to train the models and write it.`);
  }
  return JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
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

function recordElements(application: ApplicationManifest): number {
  return application.input.shape.slice(1).reduce((product, size) => product * size, 1);
}

/**
 * Builds the float32 input batch of records [start, start + count) as the manifest prescribes:
 * a record of one byte per element contains raw 8-bit values to multiply by the preprocessing
 * scale, and a record of four bytes per element contains little-endian float32 values that are
 * already scaled.
 */
function inputBatch(application: ApplicationManifest, testSet: TestSetEntry, inputs: Buffer, start: number, count: number) {
  const { recordBytes } = testSet;
  const elements = recordElements(application);
  const data = new Float32Array(count * elements);
  const offset = start * recordBytes;
  if (recordBytes === elements) {
    const scale = application.input.preprocessing.scale;
    for (let index = 0; index < data.length; index += 1) {
      data[index] = (inputs[offset + index] as number) * scale;
    }
  } else if (recordBytes === FLOAT32_BYTES * elements) {
    for (let index = 0; index < data.length; index += 1) {
      data[index] = inputs.readFloatLE(offset + FLOAT32_BYTES * index);
    }
  } else {
    throw new RangeError(
      `${application.id}: recordBytes ${recordBytes} is neither the ${elements} input elements (bytes) nor ${FLOAT32_BYTES * elements} (float32). Retrain with npm run train.`,
    );
  }
  return new ort.Tensor('float32', data, [count, ...application.input.shape.slice(1)]);
}

function argmaxWithin(row: readonly number[], predicted: number): boolean {
  const largest = Math.max(...row);
  const tolerance = ROUNDED_LOGIT_RELATIVE_TOLERANCE * Math.max(1, ...row.map(Math.abs));
  return (row[predicted] as number) >= largest - tolerance;
}

for (const { file, applicationIds, trainingCommand } of MANIFESTS) describeManifest(file, applicationIds, trainingCommand);

/** Registers every check of one manifest; model files are relative to the manifest's folder. */
function describeManifest(file: string, applicationIds: readonly string[], trainingCommand: string): void {
  const manifestPath = path.join(MODELS_DIR, file);
  const readModelsFile = (relative: string): Buffer => readFileSync(path.join(path.dirname(manifestPath), relative));
  const readJson = <T>(relative: string): T => JSON.parse(readModelsFile(relative).toString('utf8')) as T;
  const manifest = readManifest(manifestPath, trainingCommand);

  describe(`models/${file}`, () => {
    it('has the supported format version', () => {
      expect(manifest.formatVersion).toBe(MANIFEST_FORMAT_VERSION);
    });

    it.each(applicationIds)('contains the %s application', (id) => {
      expect(manifest.applications.map((application) => application.id)).toContain(id);
    });
  });

  describe.each(manifest.applications.map((application) => [application.id, application] as const))(
    `models/${file} application %s`,
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

      if (application.recordedFile !== undefined) {
        const recordedFile = application.recordedFile;
        const recorded = readJson<RecordedOutputs>(recordedFile);
        const splits = [
          ['validation', recorded.validation],
          ['test', recorded.test],
        ] as const;

        it('recorded outputs belong to the application', () => {
          expect(recorded.application).toBe(application.id);
        });

        it.each(splits)('recorded %s split is complete', (_split, split: RecordedSplit) => {
          const records = split.labels.length;
          expect(Object.keys(split.predictions).sort()).toEqual(models.map((model) => model.id).sort());
          for (const model of models) expect(split.predictions[model.id], model.id).toHaveLength(records);
          expect(split.sneakpeekLogits).toHaveLength(records);
          const widths = new Set(split.sneakpeekLogits.map((row) => row.length));
          expect([...widths]).toEqual([application.classes.length]);
          if (split.groups !== undefined) expect(split.groups).toHaveLength(records);
          expect(split.labels.every((label) => Number.isInteger(label) && label >= 0 && label < application.classes.length)).toBe(true);
        });

        it.each(models.map((model) => [model.id, model] as const))(
          'recorded validation predictions of %s give its confusion matrix',
          (modelId, model) => {
            const entry = model as ServedModel & { confusion: number[][] };
            const confusion = application.classes.map(() => application.classes.map(() => 0));
            const predicted = recorded.validation.predictions[modelId] ?? [];
            recorded.validation.labels.forEach((label, record) => {
              const row = confusion[label] as number[];
              const column = predicted[record] as number;
              row[column] = (row[column] ?? 0) + 1;
            });
            expect(confusion).toEqual(entry.confusion);
          },
        );

        it.each(splits)('recorded SneakPeek logits of the %s split agree with its predictions', (_split, split: RecordedSplit) => {
          const predicted = split.predictions[application.sneakpeek.id] ?? [];
          const disagreeing = split.sneakpeekLogits
            .map((row, record) => [row, record] as const)
            .filter(([row, record]) => !argmaxWithin(row, predicted[record] as number))
            .map(([row, record]) => `record ${record}: [${row.join(', ')}] vs class ${predicted[record]}`);
          expect(disagreeing).toEqual([]);
        });
      }

      const testSet = application.testSet;
      if (testSet === undefined) return;

      const inputs = readModelsFile(testSet.inputsFile);
      const labels = readModelsFile(testSet.labelsFile);
      const predictions = readJson<Record<string, number[]>>(testSet.predictionsFile);
      const reference = readJson<Record<string, number[][]>>(testSet.referenceFile);

      it('test set files have the declared sizes', () => {
        expect(inputs.length).toBe(testSet.count * testSet.recordBytes);
        expect(labels.length).toBe(testSet.count);
        const elements = recordElements(application);
        expect([elements, FLOAT32_BYTES * elements]).toContain(testSet.recordBytes);
        if (testSet.recordBytes === FLOAT32_BYTES * elements) expect(application.input.preprocessing.scale).toBe(1);
      });

      if (application.recordedFile !== undefined) {
        const recorded = readJson<RecordedOutputs>(application.recordedFile);

        it('recorded test split matches the test set files', () => {
          expect(recorded.test.labels).toEqual([...labels]);
          for (const model of models) expect(recorded.test.predictions[model.id], model.id).toEqual(predictions[model.id]);
        });
      }

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
              const outputs = await session.run({ [application.input.name]: inputBatch(application, testSet, inputs, start, count) });
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
}
