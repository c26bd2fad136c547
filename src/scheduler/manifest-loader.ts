/**
 * Fetching and checking the manifest before anything reaches onnxruntime-web. The checks here
 * cover what the runtime relies on; errors name the field path and what is expected.
 */
import { MANIFEST_FORMAT_VERSION, type Manifest } from '../core/manifest.js';

export async function fetchManifest(url: string): Promise<Manifest> {
  const response = await fetch(url).catch((error: unknown) => {
    throw new Error(`Could not fetch the manifest from ${url}: ${String(error)}; check manifestUrl.`, { cause: error });
  });
  if (!response.ok) throw new Error(`Fetching the manifest from ${url} failed with HTTP ${response.status}; check manifestUrl.`);

  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`The manifest at ${url} is not JSON (${String(error)}); check manifestUrl points at manifest.json.`, { cause: error });
  }
  checkManifest(parsed, url);
  return parsed;
}

/** Throws a TypeError or RangeError naming the first field that does not match the format. */
export function checkManifest(value: unknown, source: string): asserts value is Manifest {
  const fail = (path: string, expected: string, actual: unknown): never => {
    throw new TypeError(`Manifest ${source}: ${path} must be ${expected}, got ${JSON.stringify(actual)}.`);
  };
  const record = (item: unknown, path: string): Record<string, unknown> =>
    typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : fail(path, 'an object', item);
  const string = (item: unknown, path: string): void => {
    if (typeof item !== 'string' || item === '') fail(path, 'a non-empty string', item);
  };
  const positive = (item: unknown, path: string): void => {
    if (typeof item !== 'number' || !Number.isFinite(item) || item <= 0) fail(path, 'a positive number', item);
  };

  const root = record(value, '(root)');
  if (root['formatVersion'] !== MANIFEST_FORMAT_VERSION) fail('formatVersion', String(MANIFEST_FORMAT_VERSION), root['formatVersion']);
  const applications = root['applications'];
  if (!Array.isArray(applications) || applications.length === 0) fail('applications', 'a non-empty array', applications);

  (applications as unknown[]).forEach((appValue, appIndex) => {
    const appPath = `applications[${appIndex}]`;
    const app = record(appValue, appPath);
    string(app['id'], `${appPath}.id`);
    const classes = app['classes'];
    if (!Array.isArray(classes) || classes.length < 2 || !classes.every((name) => typeof name === 'string')) {
      fail(`${appPath}.classes`, 'an array of at least two class names', classes);
    }
    const classCount = (classes as string[]).length;
    const input = record(app['input'], `${appPath}.input`);
    string(input['name'], `${appPath}.input.name`);
    const shape = input['shape'];
    if (!Array.isArray(shape) || shape[0] !== -1 || !shape.slice(1).every((size) => Number.isInteger(size) && size > 0)) {
      fail(`${appPath}.input.shape`, 'an array starting with -1 (the batch axis) followed by positive integers', shape);
    }
    positive(record(input['preprocessing'], `${appPath}.input.preprocessing`)['scale'], `${appPath}.input.preprocessing.scale`);
    positive(app['defaultDeadlineMs'], `${appPath}.defaultDeadlineMs`);
    positive(app['weight'], `${appPath}.weight`);

    const checkModel = (modelValue: unknown, path: string): void => {
      const model = record(modelValue, path);
      string(model['id'], `${path}.id`);
      string(model['file'], `${path}.file`);
      string(model['outputName'], `${path}.outputName`);
      positive(model['bytes'], `${path}.bytes`);
      if (typeof model['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(model['sha256'])) {
        fail(`${path}.sha256`, '64 lowercase hexadecimal digits', model['sha256']);
      }
      const confusion = model['confusion'];
      if (
        !Array.isArray(confusion) ||
        confusion.length !== classCount ||
        !confusion.every((row) => Array.isArray(row) && row.length === classCount)
      ) {
        fail(`${path}.confusion`, `a ${classCount}×${classCount} matrix (one row and column per class)`, '(other shape)');
      }
    };

    const variants = app['variants'];
    if (!Array.isArray(variants) || variants.length === 0) fail(`${appPath}.variants`, 'a non-empty array', variants);
    (variants as unknown[]).forEach((variantValue, variantIndex) => {
      const path = `${appPath}.variants[${variantIndex}]`;
      checkModel(variantValue, path);
      const variant = record(variantValue, path);
      if (!Number.isInteger(variant['maxBatch']) || (variant['maxBatch'] as number) < 1) fail(`${path}.maxBatch`, 'a positive integer', variant['maxBatch']);
      positive(record(variant['footprint'], `${path}.footprint`)['bytes'], `${path}.footprint.bytes`);
    });
    checkModel(app['sneakpeek'], `${appPath}.sneakpeek`);
    positive(record(app['sneakpeek'], `${appPath}.sneakpeek`)['temperature'], `${appPath}.sneakpeek.temperature`);
  });
}
