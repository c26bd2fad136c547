// Checks that the specialist study family in models/study/ serves the shipped product models
// unchanged: the same files, manifest entries and recorded outputs, with the specialists added.
// reference.test.ts checks the study's own files and models against PyTorch.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import type { ApplicationManifest, Manifest, RecordedOutputs } from '../../src/core/manifest';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');
const STUDY_DIR = path.join(MODELS_DIR, 'study');
const SPECIALIST_IDS = ['product-cnn-upper', 'product-cnn-shoes-bags'];

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function productOf(manifest: Manifest, file: string, trainingCommand: string): ApplicationManifest {
  const application = manifest.applications.find((candidate) => candidate.id === 'product');
  if (application === undefined) throw new Error(`${file} has no product application. Write it with ${trainingCommand}.`);
  return application;
}

const shippedPath = path.join(MODELS_DIR, 'manifest.json');
const studyPath = path.join(STUDY_DIR, 'manifest.json');
const shipped = productOf(readJson<Manifest>(shippedPath), shippedPath, 'npm run train -- --app product');
const study = productOf(readJson<Manifest>(studyPath), studyPath, 'npm run train -- --app product --study specialists');
const shippedModels = [...shipped.variants, shipped.sneakpeek];
const studyModels = new Map([...study.variants, study.sneakpeek].map((entry) => [entry.id, entry]));

describe('specialist study family', () => {
  it('has the shipped variants and the specialists', () => {
    expect(study.variants.map((entry) => entry.id)).toEqual([...shipped.variants.map((entry) => entry.id), ...SPECIALIST_IDS]);
    expect(study.sneakpeek.id).toBe(shipped.sneakpeek.id);
  });

  it.each(shippedModels.map((entry) => [entry.id, entry] as const))('entry of %s points at the shipped file', (id, entry) => {
    const copy = studyModels.get(id);
    expect(copy, `${studyPath} has no model ${id}`).toBeDefined();
    expect(path.resolve(STUDY_DIR, copy?.file ?? '')).toBe(path.resolve(MODELS_DIR, entry.file));
    expect({ ...copy, file: entry.file }).toEqual(entry);
  });

  it('shares the shipped test images and input', () => {
    expect(study.input).toEqual(shipped.input);
    expect(path.resolve(STUDY_DIR, study.testSet?.inputsFile ?? '')).toBe(path.resolve(MODELS_DIR, shipped.testSet?.inputsFile ?? ''));
    expect(path.resolve(STUDY_DIR, study.testSet?.labelsFile ?? '')).toBe(path.resolve(MODELS_DIR, shipped.testSet?.labelsFile ?? ''));
  });

  it.each(['validation', 'test'] as const)('recorded %s split repeats the shipped records', (split) => {
    const shippedRecorded = readJson<RecordedOutputs>(path.join(MODELS_DIR, shipped.recordedFile ?? ''))[split];
    const studyRecorded = readJson<RecordedOutputs>(path.join(STUDY_DIR, study.recordedFile ?? ''))[split];
    expect(studyRecorded.labels).toEqual(shippedRecorded.labels);
    expect(studyRecorded.sneakpeekLogits).toEqual(shippedRecorded.sneakpeekLogits);
    for (const entry of shippedModels) expect(studyRecorded.predictions[entry.id], entry.id).toEqual(shippedRecorded.predictions[entry.id]);
  });
});
