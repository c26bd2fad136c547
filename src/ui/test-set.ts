/** The test split shipped beside the manifest: raw records, labels and recorded predictions. */
import type { Manifest, TestSetEntry } from '../core/manifest.js';

export interface TestSet {
  application: string;
  count: number;
  recordBytes: number;
  /** Raw records: bytes, or little-endian float32 values when a record has 4 bytes per element. */
  inputs: Uint8Array | Float32Array;
  labels: Uint8Array;
  /** Model id mapped to the class each model predicted for every record at training time. */
  predictions: Record<string, number[]>;
  record(index: number): Uint8Array | Float32Array;
}

export async function loadTestSet(manifestUrl: string, application: string): Promise<TestSet> {
  const manifest = (await fetchOk(manifestUrl).then((response) => response.json())) as Manifest;
  const spec = manifest.applications.find((candidate) => candidate.id === application);
  const entry: TestSetEntry | undefined = spec?.testSet;
  if (spec === undefined || entry === undefined) {
    throw new RangeError(`The manifest at ${manifestUrl} has no test set for application "${application}"; retrain with npm run train.`);
  }

  const resolve = (file: string): string => new URL(file, manifestUrl).href;
  const [inputs, labels, predictions] = await Promise.all([
    fetchOk(resolve(entry.inputsFile)).then(async (response) => new Uint8Array(await response.arrayBuffer())),
    fetchOk(resolve(entry.labelsFile)).then(async (response) => new Uint8Array(await response.arrayBuffer())),
    fetchOk(resolve(entry.predictionsFile)).then((response) => response.json() as Promise<Record<string, number[]>>),
  ]);
  if (inputs.byteLength !== entry.count * entry.recordBytes || labels.length !== entry.count) {
    throw new RangeError(
      `Test set of "${application}" has ${inputs.length} input bytes and ${labels.length} labels; the manifest promises ${entry.count} records of ${entry.recordBytes} bytes. Retrain with npm run train.`,
    );
  }

  // A record of 4 bytes per input element contains float32 values, otherwise one byte per element.
  const elements = spec.input.shape.slice(1).reduce((product, size) => product * size, 1);
  const records = entry.recordBytes === 4 * elements ? new Float32Array(inputs.buffer, inputs.byteOffset, inputs.byteLength / 4) : inputs;
  return {
    application,
    count: entry.count,
    recordBytes: entry.recordBytes,
    inputs: records,
    labels,
    predictions,
    record: (index) => records.subarray(index * elements, (index + 1) * elements),
  };
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Fetching ${url} failed with HTTP ${response.status}; check that the models folder is served.`);
  return response;
}
