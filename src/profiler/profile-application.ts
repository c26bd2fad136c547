/**
 * Profiling one application's models into a manifest entry. Stages, in order:
 *   1. read and check every ONNX file, and check that all of them share one input;
 *   2. read the labelled validation data (and the test data, when given);
 *   3. run every model on the validation records: confusion matrix, accuracy, output kind;
 *   4. fit the SneakPeek model's temperature, or use the cheapest variant as the SneakPeek model
 *      when none is given, with a note that states it;
 *   5. estimate footprints and time loads and batches on this machine;
 *   6. hash the files and assemble the `ApplicationManifest`.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import * as ort from 'onnxruntime-web';

import type { DeviceProfile } from '../core/device-profile.js';
import type { ApplicationManifest, DatasetProvenance, ModelEntry, SneakPeekEntry } from '../core/manifest.js';
import { PROFILED_BATCH_SIZES, profileBatchSizes } from '../core/padding.js';
import { countParameters, describeFootprint, estimateFootprint, measureCost, median, type TimingOptions } from './cost.js';
import { DataFileError, readLabelledData, type DataFiles, type LabelledData } from './labelled-data.js';
import {
  accuracyOf,
  argmaxRows,
  confusionMatrix,
  expectedCalibrationError,
  fitTemperature,
  rowsAreProbabilities,
  softmaxRows,
} from './metrics.js';
import { checkModel, createSession, runRecords, UnservableModelError, type CheckedModel, type ModelChoices } from './model-runner.js';

/** Largest batch the runtime's SneakPeek lane runs at once (`maxBatch` in the scheduler's lane spec). */
export const SNEAKPEEK_LANE_MAX_BATCH = 64;

/** |log T| beyond which a fitted temperature counts as stuck at the edge of the search range (±5). */
const TEMPERATURE_EDGE = 4.9;

export type OutputKindChoice = 'logits' | 'probabilities' | 'auto';

export interface ModelSpec {
  /** Path of the ONNX file. */
  path: string;
  /** Default: `<application>-<file name without .onnx>`. */
  id?: string;
  description?: string;
}

export interface ProfileRequest {
  application: string;
  name: string;
  classes: string[];
  variants: ModelSpec[];
  sneakpeek?: ModelSpec;
  validation: DataFiles;
  test?: DataFiles;
  choices: ModelChoices;
  outputKind: OutputKindChoice;
  /** Multiplier for raw 8-bit inputs. */
  scale: number;
  preprocessingDescription: string;
  maxBatch: number;
  weight: number;
  defaultDeadlineMs: number;
  dataset: DatasetProvenance;
  timing: TimingOptions;
  /** Turns a model path into the `file` field: a path relative to the manifest. */
  manifestPath: (modelPath: string) => string;
  log: (line: string) => void;
}

export interface ProfileResult {
  application: ApplicationManifest;
  /** Measured costs per model id, for a device profile. */
  costs: DeviceProfile['models'];
  /** Statements the user must read, such as a SneakPeek model derived from a variant. */
  notes: string[];
  /** Each model id's validation predictions, in record order. */
  predictions: Record<string, number[]>;
  /** The test records with every model's outputs on them, when test data was given. */
  test?: { data: LabelledData; outputs: Record<string, Float32Array> };
}

interface ProfiledModel {
  spec: ModelSpec;
  id: string;
  model: CheckedModel;
  outputKind: 'logits' | 'probabilities';
  validationOutputs: Float32Array;
  confusion: number[][];
  validationAccuracy: number;
  testAccuracy?: number;
  testOutputs?: Float32Array;
}

function readModelFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UnservableModelError(`${path}: could not read the model (${(error as Error).message}); check the path.`, { cause: error });
  }
}

function defaultId(application: string, path: string): string {
  return `${application}-${basename(path).replace(/\.onnx$/i, '')}`;
}

/** Checks every model and that they all take the same input, named and shaped alike. */
function checkModels(request: ProfileRequest): { spec: ModelSpec; id: string; model: CheckedModel }[] {
  const specs = [...request.variants, ...(request.sneakpeek === undefined ? [] : [request.sneakpeek])];
  const checked = specs.map((spec) => ({
    spec,
    id: spec.id ?? defaultId(request.application, spec.path),
    model: checkModel(spec.path, readModelFile(spec.path), request.choices),
  }));

  const seen = new Map<string, string>();
  for (const { id, spec } of checked) {
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new UnservableModelError(`${spec.path}: model id "${id}" is also the id of ${earlier}; give each model its own id with path=ID or another file name.`);
    }
    seen.set(id, spec.path);
  }

  const first = checked[0];
  if (first === undefined) throw new RangeError('No variant was given; pass at least one ONNX file with --variant.');
  for (const { model } of checked.slice(1)) {
    if (model.inputName !== first.model.inputName) {
      throw new UnservableModelError(
        `${model.file}: input "${model.inputName}" differs from input "${first.model.inputName}" of ${first.model.file}, but the runtime feeds every model of an application through one input name. Re-export the models with the same input name.`,
      );
    }
    if (model.recordShape.join(',') !== first.model.recordShape.join(',')) {
      throw new UnservableModelError(
        `${model.file}: input records have shape [${model.recordShape.join(', ')}], but ${first.model.file} takes [${first.model.recordShape.join(', ')}]; the runtime sends every model of an application the same records.`,
      );
    }
  }
  return checked;
}

function checkEveryClassPresent(data: LabelledData, classes: readonly string[]): void {
  const counts = new Array<number>(classes.length).fill(0);
  for (const label of data.labels) counts[label] = (counts[label] ?? 0) + 1;
  const missing = classes.filter((_, index) => counts[index] === 0);
  if (missing.length > 0) {
    throw new DataFileError(
      `${data.source}: no validation record of class ${missing.map((name) => `"${name}"`).join(', ')}, so its recall would be undefined. Add validation records of every class, or leave the class out of --classes if no model predicts it.`,
    );
  }
}

async function profileModel(
  request: ProfileRequest,
  checked: { spec: ModelSpec; id: string; model: CheckedModel },
  validation: LabelledData,
  test: LabelledData | undefined,
): Promise<ProfiledModel> {
  const classCount = request.classes.length;
  const session = await createSession(checked.model, checked.model.bytes);
  try {
    const feed = (data: LabelledData) => ({ ...data, count: data.labels.length });
    const validationOutputs = await runRecords(checked.model, session, feed(validation), request.scale, classCount, request.maxBatch);
    const predictions = argmaxRows(validationOutputs, classCount);
    const confusion = confusionMatrix(validation.labels, predictions, classCount);

    let testAccuracy: number | undefined;
    let testOutputs: Float32Array | undefined;
    if (test !== undefined) {
      testOutputs = await runRecords(checked.model, session, feed(test), request.scale, classCount, request.maxBatch);
      testAccuracy = accuracyOf(confusionMatrix(test.labels, argmaxRows(testOutputs, classCount), classCount));
    }

    const outputKind = request.outputKind === 'auto' ? (rowsAreProbabilities(validationOutputs, classCount) ? 'probabilities' : 'logits') : request.outputKind;
    return { ...checked, outputKind, validationOutputs, confusion, validationAccuracy: accuracyOf(confusion), testAccuracy, testOutputs };
  } finally {
    await session.release();
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

function modelFileFields(request: ProfileRequest, profiled: ProfiledModel, description: string) {
  return {
    id: profiled.id,
    description,
    file: request.manifestPath(profiled.spec.path),
    bytes: profiled.model.bytes.length,
    sha256: sha256(profiled.model.bytes),
    outputName: profiled.model.outputName,
    outputKind: profiled.outputKind,
    parameters: countParameters(profiled.model),
    opset: profiled.model.opset,
    confusion: profiled.confusion,
    validationAccuracy: round6(profiled.validationAccuracy),
    ...(profiled.testAccuracy === undefined ? {} : { testAccuracy: round6(profiled.testAccuracy) }),
  };
}

/** Runs every stage and returns the application's manifest entry and the measured costs. */
export async function profileApplication(request: ProfileRequest): Promise<ProfileResult> {
  ort.env.wasm.numThreads = 1;
  const notes: string[] = [];
  const classCount = request.classes.length;

  // 1-2. Models and data.
  const checked = checkModels(request);
  const validation = readLabelledData(request.validation, request.classes);
  checkEveryClassPresent(validation, request.classes);
  const test = request.test === undefined ? undefined : readLabelledData(request.test, request.classes);
  request.log(`Read ${validation.labels.length} validation records from ${validation.source}${test === undefined ? '' : ` and ${test.labels.length} test records from ${test.source}`}.`);

  // 3. Accuracy of every model.
  const profiled: ProfiledModel[] = [];
  for (const item of checked) {
    const result = await profileModel(request, item, validation, test);
    profiled.push(result);
    request.log(`${result.id}: validation accuracy ${result.validationAccuracy.toFixed(4)}${result.testAccuracy === undefined ? '' : `, test accuracy ${result.testAccuracy.toFixed(4)}`}, ${result.outputKind}, batch axis ${result.model.batchAxis}, opset ${result.model.opset}.`);
  }
  const variants = profiled.slice(0, request.variants.length);

  // 5 (first part). Costs of the variants, because the cheapest one may become the SneakPeek model.
  const costs: DeviceProfile['models'] = {};
  const sample = validation.values.slice(0, Math.min(validation.labels.length, SNEAKPEEK_LANE_MAX_BATCH) * validation.recordSize);
  if (validation.rawBytes) for (let index = 0; index < sample.length; index += 1) sample[index] = (sample[index] ?? 0) * request.scale;
  const variantEntries: ModelEntry[] = [];
  for (const variant of variants) {
    const maxBatch = variant.model.batchAxis === 'fixed' ? 1 : request.maxBatch;
    const footprint = await estimateFootprint(variant.model, maxBatch);
    const cost = await measureCost(variant.model, 'variant', request.application, profileBatchSizes(maxBatch), sample, request.timing);
    costs[variant.id] = cost;
    request.log(`${variant.id}: footprint estimate ${footprint.bytes} bytes at batch ${maxBatch}; median load ${median(cost.loadMs).toFixed(1)} ms; median batch-1 latency ${median(cost.latencyMs['1'] ?? []).toFixed(3)} ms.`);
    variantEntries.push({
      ...modelFileFields(request, variant, variant.spec.description ?? `Variant profiled from ${basename(variant.spec.path)}.`),
      maxBatch,
      ...(variant.model.batchAxis === 'fixed' ? { batchAxis: 'fixed' as const } : {}),
      footprint: { bytes: footprint.bytes, method: describeFootprint(footprint, maxBatch) },
    });
    if (maxBatch === 1 && variant.model.batchAxis === 'fixed') {
      notes.push(`${variant.id} has a fixed batch size of 1, so the runtime serves it one request at a time (maxBatch 1, batchAxis "fixed").`);
    }
  }

  // 4. The SneakPeek model: given, or the cheapest variant with a dynamic batch axis.
  let sneakpeek = request.sneakpeek === undefined ? undefined : profiled[profiled.length - 1];
  let sneakpeekDescription = request.sneakpeek?.description ?? `SneakPeek model profiled from ${basename(request.sneakpeek?.path ?? '')}.`;
  if (sneakpeek === undefined) {
    const dynamic = variants.filter((variant) => variant.model.batchAxis === 'dynamic');
    const batch1 = (variant: ProfiledModel): number => median(costs[variant.id]?.latencyMs['1'] ?? []);
    const cheapest = [...dynamic].sort((left, right) => batch1(left) - batch1(right))[0];
    if (cheapest === undefined) {
      throw new UnservableModelError('No SneakPeek model was given and every variant has a fixed batch size, but the runtime batches SneakPeek inputs. Pass a SneakPeek model with --sneakpeek, exported with a dynamic batch axis.');
    }
    sneakpeek = { ...cheapest, id: `${cheapest.id}-as-sneakpeek` };
    sneakpeekDescription = `No SneakPeek model was given, so the cheapest variant (${cheapest.id}, lowest measured batch-1 latency here) serves as one. It costs as much as that variant, not less.`;
    notes.push(`No SneakPeek model was given: the cheapest variant, ${cheapest.id} (median batch-1 latency ${batch1(cheapest).toFixed(3)} ms), serves as the SneakPeek model "${sneakpeek.id}" with a temperature fitted on the validation split.`);
  } else if (sneakpeek.model.batchAxis === 'fixed') {
    throw new UnservableModelError(`${sneakpeek.model.file}: the SneakPeek model has a fixed batch size of 1, but the runtime runs SneakPeek inputs in batches of up to ${SNEAKPEEK_LANE_MAX_BATCH}. Re-export it with a dynamic batch axis (dynamic_axes in torch.onnx.export).`);
  }

  let temperature = 1;
  let probabilities: Float64Array;
  if (sneakpeek.outputKind === 'logits') {
    temperature = fitTemperature(sneakpeek.validationOutputs, validation.labels, classCount);
    probabilities = softmaxRows(sneakpeek.validationOutputs, classCount, temperature);
    if (Math.abs(Math.log(temperature)) > TEMPERATURE_EDGE) {
      notes.push(
        `${sneakpeek.id}: the fitted temperature ${temperature.toPrecision(3)} lies at the edge of the search range, which happens when the validation data is too easy or too hard for the model (all correct or no better than chance), so its posterior is poorly calibrated. Use more varied validation data, or a SneakPeek model that makes some mistakes on it.`,
      );
    }
  } else {
    probabilities = Float64Array.from(sneakpeek.validationOutputs);
    notes.push(`${sneakpeek.id} outputs probabilities, so the runtime uses them as they are and its temperature is 1.`);
  }
  const calibrationError = expectedCalibrationError(probabilities, validation.labels, classCount);
  request.log(`${sneakpeek.id}: temperature ${temperature.toFixed(4)}, expected calibration error ${calibrationError.toFixed(4)} (15 bins) on the validation split.`);

  const sneakpeekEntry: SneakPeekEntry = {
    ...modelFileFields(request, sneakpeek, sneakpeekDescription),
    temperature: round6(temperature),
    calibrationError: round6(calibrationError),
  };
  const sneakpeekBatches = PROFILED_BATCH_SIZES.filter((size) => size <= SNEAKPEEK_LANE_MAX_BATCH);
  costs[sneakpeek.id] = await measureCost(sneakpeek.model, 'sneakpeek', request.application, sneakpeekBatches, sample, request.timing);

  // 6. The entry.
  const application: ApplicationManifest = {
    id: request.application,
    name: request.name,
    classes: request.classes,
    input: {
      name: checked[0]?.model.inputName ?? '',
      shape: [-1, ...(checked[0]?.model.recordShape ?? [])],
      elementType: 'float32',
      preprocessing: { description: request.preprocessingDescription, scale: request.scale },
    },
    weight: request.weight,
    defaultDeadlineMs: request.defaultDeadlineMs,
    variants: variantEntries,
    sneakpeek: sneakpeekEntry,
    dataset: request.dataset,
  };
  const predictions = Object.fromEntries(profiled.map((item) => [item.id, argmaxRows(item.validationOutputs, classCount)]));
  if (request.sneakpeek === undefined) predictions[sneakpeek.id] = argmaxRows(sneakpeek.validationOutputs, classCount);

  const testOutputs: Record<string, Float32Array> = {};
  for (const item of [...variants, sneakpeek]) if (item.testOutputs !== undefined) testOutputs[item.id] = item.testOutputs;
  return { application, costs, notes, predictions, ...(test === undefined ? {} : { test: { data: test, outputs: testOutputs } }) };
}

