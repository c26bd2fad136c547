// The profiler on models as people export them and on every data format, and its errors: each bad
// data file, class count, output size or non-ONNX file gets an error naming the file and the fix.
// The models are small real ONNX classifiers written by test/fixtures/byom/onnx-writer.ts and run
// in onnxruntime-web.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import type { DeviceProfile } from '../../src/core/device-profile';
import type { Manifest } from '../../src/core/manifest';
import { manifestIssues } from '../../src/core/manifest-schema';
import { encodeNpy, type DataFiles } from '../../src/profiler/labelled-data';
import { profileApplication, type ProfileRequest } from '../../src/profiler/profile-application';
import { separableRecords, writeClassifier, type ClassifierOptions } from '../fixtures/byom/onnx-writer';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const folder = mkdtempSync(join(tmpdir(), 'profile-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const FEATURES = 4;
const CLASSES = ['red', 'green', 'blue'];
const RECORDS = 40;

let fileCounter = 0;
function file(name: string, content: string | Uint8Array): string {
  fileCounter += 1;
  const path = join(folder, `${fileCounter}-${name}`);
  writeFileSync(path, content);
  return path;
}

function model(name: string, options: Partial<ClassifierOptions> = {}): string {
  return file(`${name}.onnx`, writeClassifier({ features: FEATURES, classes: CLASSES.length, ...options }));
}

function jsonData(count = RECORDS, features = FEATURES, classes = CLASSES.length): string {
  const { inputs, labels } = separableRecords(count, features, classes);
  return file('data.json', JSON.stringify({ inputs, labels }));
}

function request(variants: string[], validation: DataFiles, overrides: Partial<ProfileRequest> = {}): ProfileRequest {
  return {
    application: 'colours',
    name: 'Colours',
    classes: CLASSES,
    variants: variants.map((path) => ({ path })),
    validation,
    choices: {},
    outputKind: 'auto',
    scale: 1,
    preprocessingDescription: 'four readings',
    maxBatch: 4,
    weight: 1,
    defaultDeadlineMs: 100,
    dataset: { name: 'generated', licence: 'none', source: 'generated', split: 'generated', trainingCommand: 'none' },
    timing: { loads: 1, runs: 1 },
    manifestPath: (path) => path.slice(folder.length + 1),
    log: () => undefined,
    ...overrides,
  };
}

/** Returns the confusion matrix of a perfect classifier on `separableRecords(RECORDS, ...)`. */
function perfectConfusion(): number[][] {
  const { labels } = separableRecords(RECORDS, FEATURES, CLASSES.length);
  return CLASSES.map((_, row) => CLASSES.map((__, column) => (row === column ? labels.filter((label) => label === row).length : 0)));
}

describe('profiler data formats', () => {
  const { inputs, labels } = separableRecords(RECORDS, FEATURES, CLASSES.length);
  const csv = [['a', 'b', 'c', 'd', 'colour'].join(','), ...inputs.map((record, index) => [...record, CLASSES[labels[index] ?? 0]].join(','))].join('\n');
  const idx = (values: number[], shape: number[], type: number, size: number): Uint8Array => {
    const out = Buffer.alloc(4 + 4 * shape.length + values.length * size);
    out[2] = type;
    out[3] = shape.length;
    shape.forEach((dim, index) => out.writeUInt32BE(dim, 4 + 4 * index));
    values.forEach((value, index) => (size === 4 ? out.writeFloatBE(value, 4 + 4 * shape.length + 4 * index) : out.writeUInt8(value, 4 + 4 * shape.length + index)));
    return out;
  };
  const bytes = inputs.flat().map((value) => Math.round(value * 255));

  const cases: [string, () => DataFiles, number][] = [
    ['CSV with class names', () => ({ inputs: file('data.csv', csv), labelColumn: 'colour' }), 1],
    ['JSON object', () => ({ inputs: jsonData() }), 1],
    ['JSON records', () => ({ inputs: file('records.json', JSON.stringify(inputs.map((input, index) => ({ input, label: CLASSES[labels[index] ?? 0] })))) }), 1],
    ['float32 NumPy', () => ({ inputs: file('x.npy', encodeNpy(inputs.flat(), [RECORDS, FEATURES], '<f4')), labels: file('y.npy', encodeNpy(labels, [RECORDS], '<i8')) }), 1],
    ['uint8 NumPy with a scale', () => ({ inputs: file('x.npy', encodeNpy(bytes, [RECORDS, FEATURES], '|u1')), labels: file('y.npy', encodeNpy(labels, [RECORDS], '<i8')) }), 1 / 255],
    ['float IDX', () => ({ inputs: file('x.idx', idx(inputs.flat(), [RECORDS, FEATURES], 0x0d, 4)), labels: file('y.idx', idx(labels, [RECORDS], 0x08, 1)) }), 1],
  ];

  it.each(cases)('reads %s', async (_name, data, scale) => {
    const result = await profileApplication(request([model('perfect')], data(), { scale }));

    expect(result.application.variants[0]?.confusion).toEqual(perfectConfusion());
    expect(result.application.variants[0]?.validationAccuracy).toBe(1);
  }, 60_000);
});

describe('profiler on exported models', () => {
  it.each([11, 13, 17])('accepts opset %i', async (opset) => {
    const result = await profileApplication(request([model(`opset${opset}`, { opset })], { inputs: jsonData() }));

    expect(result.application.variants[0]?.opset).toBe(opset);
    expect(result.application.variants[0]?.validationAccuracy).toBe(1);
  }, 60_000);

  it('serves a fixed batch of 1 alone', async () => {
    const sneakpeek = { path: model('dynamic-sneakpeek') };
    const result = await profileApplication({ ...request([model('fixed', { batch: 1 })], { inputs: jsonData() }), sneakpeek });
    const variant = result.application.variants[0];

    expect(variant?.maxBatch).toBe(1);
    expect(variant?.batchAxis).toBe('fixed');
    expect(variant?.confusion).toEqual(perfectConfusion());
    expect(Object.keys(result.costs[variant?.id ?? '']?.latencyMs ?? {})).toEqual(['1']);
    expect(result.notes.join(' ')).toContain('one request at a time');
  }, 60_000);

  it('detects probabilities', async () => {
    const sneakpeek = model('softmax', { probabilities: true });
    const result = await profileApplication({ ...request([model('plain')], { inputs: jsonData() }), sneakpeek: { path: sneakpeek } });

    expect(result.application.variants[0]?.outputKind).toBe('logits');
    expect(result.application.sneakpeek.outputKind).toBe('probabilities');
    expect(result.application.sneakpeek.temperature).toBe(1);
    expect(result.notes.join(' ')).toContain('outputs probabilities');
  }, 60_000);

  it('ignores an extra output', async () => {
    const result = await profileApplication(request([model('extra', { extraOutput: true })], { inputs: jsonData() }));

    expect(result.application.variants[0]?.outputName).toBe('logits');
    expect(result.application.variants[0]?.validationAccuracy).toBe(1);
  }, 60_000);

  it('picks the scores output by name', async () => {
    const path = model('extra-first', { extraOutput: true, extraOutputFirst: true });
    const result = await profileApplication(request([path], { inputs: jsonData() }, { choices: { outputName: 'logits' } }));

    expect(result.application.variants[0]?.outputName).toBe('logits');
    expect(result.application.variants[0]?.validationAccuracy).toBe(1);
  }, 60_000);

  it('takes a symbolic record shape from --input-shape', async () => {
    const path = model('symbolic', { recordDimension: 'features' });
    const result = await profileApplication(request([path], { inputs: jsonData() }, { choices: { recordShape: [FEATURES] } }));

    expect(result.application.input.shape).toEqual([-1, FEATURES]);
    expect(result.application.variants[0]?.validationAccuracy).toBe(1);
  }, 60_000);

  it('derives a SneakPeek model and says so', async () => {
    const result = await profileApplication(request([model('one'), model('two')], { inputs: jsonData() }));

    expect(result.application.sneakpeek.id).toMatch(/^colours-\d+-(one|two)-as-sneakpeek$/);
    expect(result.application.sneakpeek.description).toContain('No SneakPeek model was given');
    expect(result.notes.join(' ')).toContain('the cheapest variant');
    expect(result.application.sneakpeek.temperature).toBeGreaterThan(0);
    // These variants classify the validation data perfectly, so the fit runs to the smallest temperature.
    expect(result.notes.join(' ')).toContain('lies at the edge of the search range');
  }, 60_000);

  it('writes an entry the runtime accepts', async () => {
    const result = await profileApplication(request([model('valid')], { inputs: jsonData() }));
    const manifest: Manifest = { formatVersion: 1, generatedAt: '2026-01-01T00:00:00Z', applications: [result.application] };

    expect(manifestIssues(manifest)).toEqual([]);
  }, 60_000);
});

describe('profiler errors', () => {
  const { inputs, labels } = separableRecords(RECORDS, FEATURES, CLASSES.length);
  const goodModel = (): string => model('good');

  /** Each case: what to profile, then words the message must contain besides the file's path. */
  const cases: { name: string; setup: () => { request: ProfileRequest; file: string }; words: string[] }[] = [
    {
      name: 'CSV row with a missing cell',
      setup: () => {
        const path = file('short.csv', 'a,b,c,d,label\n1,2,3,4,red\n1,2,3,blue\n');
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['line 3', 'one value per column'],
    },
    {
      name: 'CSV cell that is not a number',
      setup: () => {
        const path = file('text.csv', 'a,b,c,d,label\n1,2,x,4,red\n');
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['column "c"', 'not a finite number'],
    },
    {
      name: 'CSV without the label column',
      setup: () => {
        const path = file('nolabel.csv', 'a,b,c,d,e\n1,2,3,4,5\n');
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['no column "label"', '--label-column'],
    },
    {
      name: 'JSON that does not parse',
      setup: () => {
        const path = file('broken.json', '{"inputs": [[1, 2, 3, 4]], "labels": [0');
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['not valid JSON', 'fix the syntax'],
    },
    {
      name: 'JSON records of unequal size',
      setup: () => {
        const path = file('ragged.json', JSON.stringify({ inputs: [[1, 2, 3, 4], [1, 2, 3]], labels: [0, 1] }));
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['record 1', 'same number of values'],
    },
    {
      name: 'truncated NumPy file',
      setup: () => {
        const path = file('cut.npy', encodeNpy(inputs.flat(), [RECORDS, FEATURES], '<f4').subarray(0, 200));
        return { request: request([goodModel()], { inputs: path, labels: file('y.npy', encodeNpy(labels, [RECORDS], '<i8')) }), file: path };
      },
      words: ['truncated or corrupt', 'numpy.save'],
    },
    {
      name: 'IDX file with a bad header',
      setup: () => {
        const path = file('bad.idx', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
        return { request: request([goodModel()], { inputs: path, labels: path }), file: path };
      },
      words: ['not a readable IDX file'],
    },
    {
      name: 'fewer labels than records',
      setup: () => {
        const path = file('few.npy', encodeNpy(labels.slice(0, 3), [3], '<i8'));
        return { request: request([goodModel()], { inputs: file('x.npy', encodeNpy(inputs.flat(), [RECORDS, FEATURES], '<f4')), labels: path }), file: path };
      },
      words: [`3 labels for the ${RECORDS} records`, 'one label per record'],
    },
    {
      name: 'label beyond the class count',
      setup: () => {
        const path = file('label7.json', JSON.stringify({ inputs: [[1, 2, 3, 4]], labels: [7] }));
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['label 7 is not one of the 3 classes', '--classes'],
    },
    {
      name: 'class without validation records',
      setup: () => {
        const path = jsonData(RECORDS, FEATURES, 2);
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['no validation record of class "blue"', 'Add validation records'],
    },
    {
      name: 'output size unlike the class count',
      setup: () => {
        const path = model('three-outputs');
        return { request: request([path], { inputs: jsonData(RECORDS, FEATURES, 2) }, { classes: ['red', 'green'] }), file: path };
      },
      words: ['3 values per record, but 2 classes were given', '--classes', '--output-name'],
    },
    {
      name: 'records of another size',
      setup: () => {
        const path = jsonData(RECORDS, FEATURES + 1);
        return { request: request([goodModel()], { inputs: path }), file: path };
      },
      words: ['records have 5 values', 'takes a record of shape [4] = 4 values'],
    },
    {
      name: 'text file as a model',
      setup: () => {
        const path = file('notes.onnx', 'These are not the weights you are looking for.\n');
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['is not an ONNX model', 'Pass the .onnx file itself'],
    },
    {
      name: 'empty file as a model',
      setup: () => {
        const path = file('empty.onnx', '');
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['is not an ONNX model: the file is empty'],
    },
    {
      name: 'missing model file',
      setup: () => {
        const path = join(folder, 'absent.onnx');
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['could not read the model', 'check the path'],
    },
    {
      name: 'fixed batch of 8',
      setup: () => {
        const path = model('batch8', { batch: 8 });
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['fixed batch size of 8', 'dynamic batch axis'],
    },
    {
      name: 'uint8 graph input',
      setup: () => {
        const path = model('bytes-in', { inputElementType: 2 });
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['element type uint8', 'float32 input'],
    },
    {
      name: 'two graph inputs',
      setup: () => {
        const path = model('two-inputs', { secondInput: true });
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['has 2 inputs ("input", "mask")', 'single input'],
    },
    {
      name: 'unknown output name',
      setup: () => {
        const path = goodModel();
        return { request: request([path], { inputs: jsonData() }, { choices: { outputName: 'scores' } }), file: path };
      },
      words: ['no output "scores"', '"logits"', '--output-name'],
    },
    {
      name: 'variants with different input names',
      setup: () => {
        const path = model('other-input', { inputName: 'pixels' });
        return { request: request([goodModel(), path], { inputs: jsonData() }), file: path };
      },
      words: ['input "pixels" differs from input "input"', 'same input name'],
    },
    {
      name: 'symbolic record shape without --input-shape',
      setup: () => {
        const path = model('symbolic-record', { recordDimension: 'features' });
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['unnamed or symbolic dimensions', '--input-shape'],
    },
    {
      name: 'operator onnxruntime-web lacks',
      setup: () => {
        const path = model('unknown-operator', { scoringOperator: 'GemmPlusPlus' });
        return { request: request([path], { inputs: jsonData() }), file: path };
      },
      words: ['onnxruntime-web 1.31.1 failed to load the model (opset 13, IR version 8)', 'GemmPlusPlus', 'Re-export it'],
    },
    {
      name: 'SneakPeek model with a fixed batch',
      setup: () => {
        const path = model('fixed-sneakpeek', { batch: 1 });
        return { request: { ...request([goodModel()], { inputs: jsonData() }), sneakpeek: { path } }, file: path };
      },
      words: ['batches of up to 64', 'dynamic batch axis'],
    },
  ];

  it.each(cases)('rejects $name', async ({ setup, words }) => {
    const { request: profileRequest, file: named } = setup();
    const error = await profileApplication(profileRequest).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );

    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain(named);
    for (const word of words) expect(error?.message).toContain(word);
  }, 60_000);
});

describe('profile command', () => {
  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/profile.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('writes and updates a manifest', () => {
    const manifestFile = join(folder, 'site', 'manifest.json');
    const common = ['--classes', CLASSES.join(','), '--validation', jsonData(), '--manifest', manifestFile, '--loads', '1', '--runs', '1', '--max-batch', '4'];
    const first = run(['--app', 'colours', '--variant', `${model('small')}=colours-small`, '--test', jsonData(), ...common]);
    const second = run(['--app', 'shades', '--variant', model('shade'), '--sneakpeek', `${model('peek')}=shades-peek`, ...common]);

    expect(first.status, first.stderr).toBe(0);
    expect(second.status, second.stderr).toBe(0);
    expect(first.stdout).toContain('Note: No SneakPeek model was given');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    expect(manifestIssues(manifest)).toEqual([]);
    expect(manifest.applications.map((application) => application.id)).toEqual(['colours', 'shades']);
    expect(manifest.applications[0]?.variants[0]?.id).toBe('colours-small');
    expect(manifest.applications[1]?.sneakpeek.id).toBe('shades-peek');
    for (const application of manifest.applications) {
      for (const entry of [...application.variants, application.sneakpeek]) expect(existsSync(join(folder, 'site', entry.file)), entry.file).toBe(true);
    }
    const testSet = manifest.applications[0]?.testSet;
    expect(testSet?.count).toBe(RECORDS);
    expect(testSet?.recordBytes).toBe(FEATURES * 4);
    expect(readFileSync(join(folder, 'site', testSet?.inputsFile ?? '')).length).toBe(RECORDS * FEATURES * 4);
    expect([...readFileSync(join(folder, 'site', testSet?.labelsFile ?? ''))]).toEqual(separableRecords(RECORDS, FEATURES, CLASSES.length).labels);
    const testPredictions = JSON.parse(readFileSync(join(folder, 'site', testSet?.predictionsFile ?? ''), 'utf8')) as Record<string, number[]>;
    expect(testPredictions['colours-small']).toEqual(separableRecords(RECORDS, FEATURES, CLASSES.length).labels);
    expect(manifest.applications[1]?.testSet).toBeUndefined();
    const profile = JSON.parse(readFileSync(join(folder, 'site', 'profiles', 'colours-node-wasm.json'), 'utf8')) as DeviceProfile;
    expect(Object.keys(profile.models).sort()).toEqual(['colours-small', 'colours-small-as-sneakpeek']);
    expect(profile.models['colours-small']?.latencyMs['4']).toHaveLength(1);
  }, 240_000);

  it('exits with 2 naming a non-ONNX file', () => {
    const notOnnx = file('picture.onnx', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const result = run(['--app', 'colours', '--classes', CLASSES.join(','), '--variant', notOnnx, '--validation', jsonData(), '--manifest', join(folder, 'none', 'manifest.json')]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run profile: ${notOnnx} is not an ONNX model`);
    expect(existsSync(join(folder, 'none', 'manifest.json'))).toBe(false);
  }, 120_000);

  it('rejects a single class', () => {
    const result = run(['--app', 'colours', '--classes', 'red', '--variant', 'x.onnx', '--validation', 'x.json']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('fewer than two; pass them in output order with --classes');
  });
});
