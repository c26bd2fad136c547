// The manifest's JSON Schema and its validator: the bundled manifests pass, the committed schema
// file is the schema the runtime uses, Ajv reads the same schema the same way, and every kind of
// bad field gets an error with its path and what is expected.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';

import { MANIFEST_SCHEMA, ManifestValidationError, manifestIssues, validateManifest } from '../../src/core/manifest-schema';
import { checkManifest } from '../../src/scheduler/manifest-loader';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(resolve(root, path), 'utf8'));

// Manifests are edited freely here to break them, so they are untyped.
type Json = Record<string, any>;
const bundled = (): Json => readJson('models/manifest.json') as Json;

/** Bad manifests: a change to the bundled one, the path the error must name and words it must contain. */
const BROKEN: { name: string; change: (manifest: Json) => void; path: string; words: string }[] = [
  { name: 'wrong format version', change: (m) => (m.formatVersion = 2), path: 'formatVersion', words: 'must be 1' },
  { name: 'no applications', change: (m) => (m.applications = []), path: 'applications', words: 'at least 1 items' },
  { name: 'misspelt field', change: (m) => (m.applications[0].variants[0].outputname = 'logits'), path: 'applications[0].variants[0].outputname', words: 'check the spelling' },
  { name: 'missing temperature', change: (m) => delete m.applications[1].sneakpeek.temperature, path: 'applications[1].sneakpeek.temperature', words: 'is missing' },
  { name: 'uppercase hash', change: (m) => (m.applications[0].variants[1].sha256 = 'A'.repeat(64)), path: 'applications[0].variants[1].sha256', words: 'hexadecimal' },
  { name: 'unknown output kind', change: (m) => (m.applications[2].variants[0].outputKind = 'scores'), path: 'applications[2].variants[0].outputKind', words: '"logits", "probabilities"' },
  { name: 'fractional max batch', change: (m) => (m.applications[0].variants[0].maxBatch = 2.5), path: 'applications[0].variants[0].maxBatch', words: 'an integer' },
  { name: 'zero deadline', change: (m) => (m.applications[0].defaultDeadlineMs = 0), path: 'applications[0].defaultDeadlineMs', words: 'above 0' },
  { name: 'accuracy above 1', change: (m) => (m.applications[1].variants[2].validationAccuracy = 88.5), path: 'applications[1].variants[2].validationAccuracy', words: 'at most 1' },
  { name: 'string in a matrix', change: (m) => (m.applications[2].variants[1].confusion[0][1] = '7'), path: 'applications[2].variants[1].confusion[0][1]', words: 'an integer' },
  { name: 'input element type', change: (m) => (m.applications[0].input.elementType = 'uint8'), path: 'applications[0].input.elementType', words: '"float32"' },
];

/** Manifests that pass the schema but break a rule across fields. */
const CROSS_FIELD: typeof BROKEN = [
  { name: 'matrix of the wrong size', change: (m) => m.applications[2].variants[0].confusion.push([1, 1]), path: 'applications[2].variants[0].confusion', words: 'a 2×2 matrix' },
  { name: 'class without records', change: (m) => (m.applications[2].sneakpeek.confusion[1] = [0, 0]), path: 'applications[2].sneakpeek.confusion[1]', words: 'recall of class "spam" is undefined' },
  { name: 'duplicate model id', change: (m) => (m.applications[1].variants[1].id = m.applications[1].variants[0].id), path: 'applications[1].variants[1].id', words: 'must be unique' },
  { name: 'duplicate application id', change: (m) => (m.applications[2].id = 'product'), path: 'applications[2].id', words: 'an earlier application uses' },
  { name: 'batch axis not first', change: (m) => (m.applications[0].input.shape = [1, -1, 28, 28]), path: 'applications[0].input.shape', words: '-1 (the batch axis)' },
  { name: 'fixed batch above 1', change: (m) => (m.applications[0].variants[0].batchAxis = 'fixed'), path: 'applications[0].variants[0].maxBatch', words: 'set maxBatch to 1' },
];

describe('manifest schema', () => {
  it.each(['models/manifest.json', 'models/study/manifest.json'])('accepts %s', (path) => {
    expect(manifestIssues(readJson(path))).toEqual([]);
  });

  it('matches schema/manifest.schema.json', () => {
    // On a mismatch, run `npm run profile -- --write-schema` and commit the file.
    expect(readJson('schema/manifest.schema.json')).toEqual(JSON.parse(JSON.stringify(MANIFEST_SCHEMA)));
  });

  it.each(BROKEN)('rejects $name with its path', ({ change, path, words }) => {
    const manifest = bundled();
    change(manifest);
    const issues = manifestIssues(manifest);

    expect(issues.map((issue) => issue.path)).toContain(path);
    expect(issues.find((issue) => issue.path === path)?.problem).toContain(words);
  });

  it.each(CROSS_FIELD)('rejects $name across fields', ({ change, path, words }) => {
    const manifest = bundled();
    change(manifest);
    const issues = manifestIssues(manifest);

    expect(issues.map((issue) => issue.path)).toEqual([path]);
    expect(issues[0]?.problem).toContain(words);
  });

  it('agrees with Ajv on every case', () => {
    // Ajv compiles with new Function, which is fine in Node and is why the runtime does not use it.
    const ajv = new Ajv({ allErrors: true, strict: true });
    const ajvValidate = ajv.compile(JSON.parse(JSON.stringify(MANIFEST_SCHEMA)) as object);

    expect(ajvValidate(bundled()), JSON.stringify(ajvValidate.errors)).toBe(true);
    for (const { name, change } of BROKEN) {
      const manifest = bundled();
      change(manifest);
      expect(ajvValidate(manifest), name).toBe(false);
    }
    for (const { name, change } of CROSS_FIELD) {
      const manifest = bundled();
      change(manifest);
      // Ajv passes these, because JSON Schema cannot compare a matrix with the class count or ids
      // across entries; the validator's own checks catch them.
      expect(ajvValidate(manifest), name).toBe(true);
    }
  });

  it('throws one error naming the source and the fields', () => {
    const manifest = bundled();
    manifest.applications[0].variants[0].sha256 = 'no';
    manifest.applications[0].weight = -1;

    expect(() => validateManifest(manifest, 'models/manifest.json')).toThrow(ManifestValidationError);
    expect(() => checkManifest(manifest, 'models/manifest.json')).toThrow(
      /^Manifest models\/manifest\.json is invalid: applications\[0\]\.weight must be above 0, got -1 .*; applications\[0\]\.variants\[0\]\.sha256 must match/,
    );
  });

  it('rejects a document that is not an object', () => {
    expect(manifestIssues([])).toEqual([{ path: '(root)', problem: expect.stringContaining('must be an object, got []') }]);
  });
});
