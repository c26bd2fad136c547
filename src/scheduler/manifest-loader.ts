/**
 * Fetching and checking the manifest before anything reaches onnxruntime-web. The checks are
 * the manifest's JSON Schema (src/core/manifest-schema.ts) and the rules across fields beside
 * it; errors name the field path and what is expected.
 */
import type { Manifest } from '../core/manifest.js';
import { validateManifest } from '../core/manifest-schema.js';

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

/**
 * Throws a ManifestValidationError (a TypeError) naming every field that does not match the
 * manifest's JSON Schema or the checks across fields, each with what is expected.
 */
export function checkManifest(value: unknown, source: string): asserts value is Manifest {
  validateManifest(value, source);
}
