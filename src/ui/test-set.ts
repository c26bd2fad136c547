/** The test split shipped beside the manifest: raw records, labels and recorded predictions. */
import type { Manifest, TestSetEntry } from '../core/manifest.js';

export interface TestSet {
  application: string;
  count: number;
  recordBytes: number;
  inputs: Uint8Array;
  labels: Uint8Array;
  /** Model id mapped to the class each model predicted for every record at training time. */
  predictions: Record<string, number[]>;
  record(index: number): Uint8Array;
}

export async function loadTestSet(manifestUrl: string, application: string): Promise<TestSet> {
  const manifest = (await fetchOk(manifestUrl).then((response) => response.json())) as Manifest;
  const entry: TestSetEntry | undefined = manifest.applications.find((candidate) => candidate.id === application)?.testSet;
  if (entry === undefined) {
    throw new RangeError(`The manifest at ${manifestUrl} has no test set for application "${application}"; retrain with npm run train.`);
  }

  const resolve = (file: string): string => new URL(file, manifestUrl).href;
  const [inputs, labels, predictions] = await Promise.all([
    fetchOk(resolve(entry.inputsFile)).then(async (response) => new Uint8Array(await response.arrayBuffer())),
    fetchOk(resolve(entry.labelsFile)).then(async (response) => new Uint8Array(await response.arrayBuffer())),
    fetchOk(resolve(entry.predictionsFile)).then((response) => response.json() as Promise<Record<string, number[]>>),
  ]);
  if (inputs.length !== entry.count * entry.recordBytes || labels.length !== entry.count) {
    throw new RangeError(
      `Test set of "${application}" has ${inputs.length} input bytes and ${labels.length} labels; the manifest promises ${entry.count} records of ${entry.recordBytes} bytes. Retrain with npm run train.`,
    );
  }

  return {
    application,
    count: entry.count,
    recordBytes: entry.recordBytes,
    inputs,
    labels,
    predictions,
    record: (index) => inputs.subarray(index * entry.recordBytes, (index + 1) * entry.recordBytes),
  };
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Fetching ${url} failed with HTTP ${response.status}; check that the models folder is served.`);
  return response;
}
