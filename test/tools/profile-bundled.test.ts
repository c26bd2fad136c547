// Profiling the bundled applications' models on their own data reproduces what the training
// scripts recorded in PyTorch: the validation confusion matrices, accuracies, temperatures,
// calibration errors, footprints and hashes of models/manifest.json. The product validation
// split needs the Debian package dataset-fashion-mnist; without it only the product test split runs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import type { ApplicationManifest, Manifest, ModelEntry, RecordedOutputs, SneakPeekEntry } from '../../src/core/manifest';
import type { DataFiles } from '../../src/profiler/labelled-data';
import { mergeApplication } from '../../src/profiler/manifest-file';
import { confusionMatrix } from '../../src/profiler/metrics';
import { profileApplication, type ProfileResult } from '../../src/profiler/profile-application';
import {
  writeProductTestIdx,
  writeProductValidationIdx,
  writeSpamValidationNpy,
  writeWeatherValidationCsv,
} from '../fixtures/byom/bundled-data';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8')) as Manifest;
const folder = mkdtempSync(join(tmpdir(), 'profile-bundled-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * Largest difference allowed from the recorded temperature and calibration error. PyTorch fitted
 * the temperature with L-BFGS on its own float32 logits. The profiler searches on
 * onnxruntime-web's logits, which differ from those by up to about 2e-5, and the two optimisers
 * stop at different points of a flat minimum. The measured differences were below 6e-5.
 */
const CALIBRATION_TOLERANCE = 2e-4;

function application(id: string): ApplicationManifest {
  const found = manifest.applications.find((entry) => entry.id === id);
  if (found === undefined) throw new Error(`models/manifest.json has no application "${id}".`);
  return found;
}

async function profileBundled(id: string, validation: DataFiles): Promise<ProfileResult> {
  const app = application(id);
  return profileApplication({
    application: app.id,
    name: app.name,
    classes: app.classes,
    variants: app.variants.map((variant) => ({ path: join(root, 'models', variant.file), id: variant.id })),
    sneakpeek: { path: join(root, 'models', app.sneakpeek.file), id: app.sneakpeek.id },
    validation,
    choices: {},
    outputKind: 'auto',
    scale: app.input.preprocessing.scale,
    preprocessingDescription: app.input.preprocessing.description,
    maxBatch: app.variants[0]?.maxBatch ?? 32,
    weight: app.weight,
    defaultDeadlineMs: app.defaultDeadlineMs,
    dataset: app.dataset,
    timing: { loads: 1, runs: 1 },
    manifestPath: (path) => path.slice(join(root, 'models').length + 1),
    log: () => undefined,
  });
}

/** Checks every field the profiler derives from the data and the files against the manifest. */
function expectReproduced(result: ProfileResult, recorded: ApplicationManifest): void {
  const pairs: [ModelEntry | SneakPeekEntry, ModelEntry | SneakPeekEntry | undefined][] = [
    ...result.application.variants.map((variant, index): [ModelEntry, ModelEntry | undefined] => [variant, recorded.variants[index]]),
    [result.application.sneakpeek, recorded.sneakpeek],
  ];
  for (const [profiled, expected] of pairs) {
    expect(profiled.id).toBe(expected?.id);
    expect(profiled.confusion, profiled.id).toEqual(expected?.confusion);
    expect(profiled.validationAccuracy, profiled.id).toBe(expected?.validationAccuracy);
    expect(profiled.sha256, profiled.id).toBe(expected?.sha256);
    expect(profiled.bytes, profiled.id).toBe(expected?.bytes);
    expect(profiled.file, profiled.id).toBe(expected?.file);
    expect(profiled.opset, profiled.id).toBe(expected?.opset);
    expect(profiled.outputKind, profiled.id).toBe(expected?.outputKind);
  }
  result.application.variants.forEach((variant, index) => {
    expect(variant.footprint.bytes, variant.id).toBe(recorded.variants[index]?.footprint.bytes);
    expect(variant.maxBatch, variant.id).toBe(recorded.variants[index]?.maxBatch);
  });
  expect(Math.abs(result.application.sneakpeek.temperature - recorded.sneakpeek.temperature)).toBeLessThan(CALIBRATION_TOLERANCE);
  expect(Math.abs(result.application.sneakpeek.calibrationError - recorded.sneakpeek.calibrationError)).toBeLessThan(CALIBRATION_TOLERANCE);
  expect(result.application.input).toEqual(recorded.input);
  expect(() => mergeApplication(manifest, result.application, manifest.generatedAt, 'the profiled entry')).not.toThrow();
}

describe('profiling the bundled models', () => {
  it('reproduces the weather validation profile', async () => {
    const result = await profileBundled('weather', { inputs: writeWeatherValidationCsv(folder) });
    expectReproduced(result, application('weather'));
  }, 120_000);

  it('reproduces the spam validation profile', async () => {
    const result = await profileBundled('spam', writeSpamValidationNpy(folder));
    expectReproduced(result, application('spam'));
  }, 180_000);

  const productValidation = writeProductValidationIdx(folder);
  it.skipIf(productValidation === undefined)('reproduces the product validation profile', async () => {
    const result = await profileBundled('product', productValidation as DataFiles);
    expectReproduced(result, application('product'));
  }, 300_000);

  it('reproduces the recorded product test outputs', async () => {
    // Profiling the test split as if it were validation data must give the confusion matrices of
    // PyTorch's recorded test predictions and the manifest's test accuracies.
    const result = await profileBundled('product', writeProductTestIdx(folder));
    const app = application('product');
    const recorded = JSON.parse(readFileSync(join(root, 'models', app.recordedFile ?? ''), 'utf8')) as RecordedOutputs;
    for (const model of [...result.application.variants, result.application.sneakpeek]) {
      const expected = app.variants.find((variant) => variant.id === model.id) ?? app.sneakpeek;
      const predictions = recorded.test.predictions[model.id] ?? [];
      expect(model.confusion, model.id).toEqual(confusionMatrix(recorded.test.labels, predictions, app.classes.length));
      expect(model.validationAccuracy, model.id).toBe(expected.testAccuracy);
    }
  }, 300_000);
});
