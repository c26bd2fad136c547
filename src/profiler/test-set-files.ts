/**
 * Writing an application's test split beside the manifest in the layout of `TestSetEntry`, so that
 * the kiosk's request view can offer test samples of a profiled application and replays can run.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TestSetEntry } from '../core/manifest.js';
import type { LabelledData } from './labelled-data.js';
import { argmaxRows } from './metrics.js';

/** Leading test records whose full outputs go into the reference file. */
export const REFERENCE_RECORDS = 64;

/**
 * Writes inputs, labels, predictions and reference outputs into `<manifestFolder>/<application>/`
 * and returns the entry with paths relative to the manifest. Raw 8-bit inputs stay one byte per
 * value; others become little-endian float32. Returns undefined when a label does not fit in the
 * one byte per record that the format stores.
 */
export function writeTestSet(
  manifestFolder: string,
  application: string,
  data: LabelledData,
  outputs: Record<string, Float32Array>,
  classCount: number,
  description: string,
): TestSetEntry | undefined {
  if (classCount > 256) return undefined;
  const folder = join(manifestFolder, application);
  mkdirSync(folder, { recursive: true });
  const count = data.labels.length;

  const inputsName = data.rawBytes ? 'test-inputs.u8' : 'test-inputs.f32';
  const inputs = data.rawBytes ? Uint8Array.from(data.values) : new Uint8Array(Float32Array.from(data.values).buffer);
  writeFileSync(join(folder, inputsName), inputs);
  writeFileSync(join(folder, 'test-labels.u8'), Uint8Array.from(data.labels));

  const predictions: Record<string, number[]> = {};
  const reference: Record<string, number[][]> = {};
  const referenceCount = Math.min(REFERENCE_RECORDS, count);
  for (const [id, values] of Object.entries(outputs)) {
    predictions[id] = argmaxRows(values, classCount);
    reference[id] = Array.from({ length: referenceCount }, (_, record) => Array.from(values.subarray(record * classCount, (record + 1) * classCount)));
  }
  writeFileSync(join(folder, 'predictions.json'), `${JSON.stringify(predictions)}\n`);
  writeFileSync(join(folder, 'reference.json'), `${JSON.stringify(reference)}\n`);

  return {
    inputsFile: `${application}/${inputsName}`,
    labelsFile: `${application}/test-labels.u8`,
    count,
    recordBytes: data.rawBytes ? data.recordSize : data.recordSize * 4,
    predictionsFile: `${application}/predictions.json`,
    referenceFile: `${application}/reference.json`,
    referenceCount,
    description,
  };
}
