/**
 * Models and inputs for the benchmark page: the manifest served beside the app, each variant's
 * bytes, and real test records, scaled as the runtime scales them.
 */
import * as Comlink from 'comlink';
import type { ApplicationManifest, Manifest, ModelEntry } from '../core/manifest.js';
import type { InferenceApi, Provider } from '../protocol/messages.js';
import { loadTestSet, type TestSet } from '../ui/test-set.js';

/** URL of the manifest as the app serves it, relative to the benchmark page in `bench/`. */
export const MANIFEST_URL = new URL('../models/manifest.json', document.baseURI).href;

export interface VariantSource {
  entry: ModelEntry;
  application: ApplicationManifest;
  bytes: ArrayBuffer;
}

export async function fetchManifest(): Promise<Manifest> {
  return (await fetchOk(MANIFEST_URL)).json() as Promise<Manifest>;
}

/** Finds a variant in the manifest and downloads its bytes; throws naming the known ids if it is missing. */
export async function fetchVariant(manifest: Manifest, variantId: string): Promise<VariantSource> {
  for (const application of manifest.applications) {
    const entry = application.variants.find((variant) => variant.id === variantId);
    if (entry === undefined) continue;
    const bytes = await (await fetchOk(new URL(entry.file, MANIFEST_URL).href)).arrayBuffer();
    return { entry, application, bytes };
  }
  const known = manifest.applications.flatMap((application) => application.variants.map((variant) => variant.id));
  throw new RangeError(`Variant "${variantId}" is not in ${MANIFEST_URL}; known variants: ${known.join(', ')}.`);
}

export function loadRecords(application: string): Promise<TestSet> {
  return loadTestSet(MANIFEST_URL, application);
}

/**
 * Returns `count` consecutive test records from `first` as one float tensor body, scaled as the
 * runtime's `submit()` scales raw 8-bit input.
 */
export function scaledBatch(testSet: TestSet, application: ApplicationManifest, first: number, count: number): Float32Array {
  const recordSize = application.input.shape.slice(1).reduce((product, size) => product * size, 1);
  const batch = new Float32Array(count * recordSize);
  for (let index = 0; index < count; index++) {
    const record = testSet.record((first + index) % testSet.count);
    const scale = record instanceof Float32Array ? 1 : application.input.preprocessing.scale;
    for (let element = 0; element < recordSize; element++) batch[index * recordSize + element] = record[element]! * scale;
  }
  return batch;
}

/** A bare inference worker, the one the runtime's scheduler starts, driven from the page. */
export interface BareInferenceWorker {
  api: Comlink.Remote<InferenceApi>;
  providerNote: string;
  terminate(): void;
}

/** Starts an inference worker on `provider`; throws when it chose another provider. */
export async function startInferenceWorker(provider: Provider): Promise<BareInferenceWorker> {
  const worker = new Worker(new URL('../inference/worker.ts', import.meta.url), { type: 'module', name: 'bench-inference' });
  const api = Comlink.wrap<InferenceApi>(worker);
  try {
    const info = await api.init(provider, undefined);
    if (info.provider !== provider) throw new Error(`The inference worker was requested on ${provider} but chose ${info.provider}: ${info.note}`);
    return { api, providerNote: info.note, terminate: () => worker.terminate() };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Fetching ${url} failed with HTTP ${response.status}; serve the production build (npx vite build).`);
  return response;
}
