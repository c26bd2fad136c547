/**
 * Reading, merging and writing a manifest file. Every manifest read or written is checked with
 * the runtime's own validator, so the profiler never writes one the runtime rejects.
 */

import { existsSync, readFileSync } from 'node:fs';

import { MANIFEST_FORMAT_VERSION, type ApplicationManifest, type Manifest } from '../core/manifest.js';
import { validateManifest } from '../core/manifest-schema.js';

/** Reads and validates the manifest at `path`, or returns undefined when there is no file. */
export function readManifestIfPresent(path: string): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SyntaxError(`${path} is not valid JSON (${(error as Error).message}); fix it, or pass another --manifest.`, { cause: error });
  }
  validateManifest(parsed, path);
  return parsed;
}

/**
 * Returns a manifest with `application` replacing the entry of the same id, or added after the
 * others, and checks the result. Other applications are kept as they are.
 */
export function mergeApplication(existing: Manifest | undefined, application: ApplicationManifest, generatedAt: string, source: string): Manifest {
  const applications = [...(existing?.applications ?? [])];
  const index = applications.findIndex((entry) => entry.id === application.id);
  if (index >= 0) applications[index] = application;
  else applications.push(application);

  const manifest: Manifest = { formatVersion: MANIFEST_FORMAT_VERSION, generatedAt, applications };
  validateManifest(manifest, source);
  return manifest;
}

/** JSON with two-space indentation, but arrays of numbers (matrix rows, shapes) on one line. */
export function formatManifest(manifest: Manifest): string {
  const text = JSON.stringify(manifest, null, 2);
  return `${text.replace(/\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]/g, (_match, inner: string) => `[${inner.replace(/\s+/g, '')}]`)}\n`;
}
