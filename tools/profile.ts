/**
 * `npm run profile`: turns an application's ONNX variants, an optional SneakPeek model and labelled
 * validation data into a manifest entry that the runtime accepts, and writes or updates the
 * manifest. docs/bring-your-own-models.md walks through it; `--help` lists the options.
 *
 * Exit status: 0 on success, 2 for bad options, data or models (the message names the file and the
 * fix), 1 for anything unexpected.
 */

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-web';

import type { DeviceProfile } from '../src/core/device-profile.js';
import { ManifestValidationError, MANIFEST_SCHEMA } from '../src/core/manifest-schema.js';
import { DATA_FORMATS, DataFileError, type DataFiles, type DataFormat } from '../src/profiler/labelled-data.js';
import { formatManifest, mergeApplication, readManifestIfPresent } from '../src/profiler/manifest-file.js';
import { UnservableModelError } from '../src/profiler/model-runner.js';
import { OnnxFormatError } from '../src/profiler/onnx-model.js';
import { writeTestSet } from '../src/profiler/test-set-files.js';
import { profileApplication, type ModelSpec, type OutputKindChoice, type ProfileRequest } from '../src/profiler/profile-application.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COMMAND = 'npm run profile';
/** Relative paths start where the user ran the command: npm run moves to the package root but sets INIT_CWD. */
const workingDirectory = process.env['INIT_CWD'] ?? process.cwd();
const fromWorkingDirectory = (path: string): string => resolve(workingDirectory, path);

const HELP = `Usage: ${COMMAND} -- --app ID --classes A,B,... --variant FILE.onnx [--variant ...] --validation FILE [options]

Runs every model with onnxruntime-web's WASM backend in Node on labelled validation data, records
confusion matrices and accuracy, fits the SneakPeek model's temperature, estimates footprints,
times loads and batches on this machine, hashes the files, and writes the application's entry into
the manifest (replacing an entry with the same id). Also available as npx sneakpeek-profile.

Application:
  --app ID                 application id used in requests (letters, digits, . _ -)       required
  --name TEXT              human-readable name                                  default: the id
  --classes A,B,...        class names in the models' output order          required unless --classes-file
  --classes-file FILE      class names, one per line
  --weight N               utility weight of each request                           default: 1
  --deadline-ms N          default relative deadline in milliseconds                 default: 500

Models:
  --variant FILE[=ID]      an ONNX variant; repeat for each. ID defaults to <app>-<file name>
  --sneakpeek FILE[=ID]    the cheap SneakPeek model. Without it, the cheapest variant serves as
                           one, and the output says so
  --input-name NAME        graph input to feed                    default: the graph's only input
  --output-name NAME       graph output with the class scores    default: each graph's first output
  --output-kind KIND       logits, probabilities or auto (detected from the validation outputs)
                                                                                default: auto
  --input-shape D,D,...    record shape without the batch axis, for graphs that leave it symbolic
  --max-batch N            largest batch the runtime may send a variant with a dynamic batch axis
                                                                                  default: 32

Data (formats: csv, json, npy, idx; see docs/bring-your-own-models.md):
  --validation FILE        labelled validation inputs                                  required
  --validation-labels FILE labels of NumPy or IDX validation inputs
  --test FILE              labelled test inputs, for testAccuracy                      optional
  --test-labels FILE       labels of NumPy or IDX test inputs
  --format FORMAT          data format when the file name does not tell
  --label-column NAME      CSV column with the labels                             default: label
  --scale N                multiplier for raw 8-bit inputs (uint8 .npy, IDX type 0x08)  default: 1
  --preprocessing TEXT     how raw data becomes the input tensor, in words

Provenance (stored in the manifest):
  --dataset-name TEXT      default: the validation file's name
  --licence TEXT           licence of the data                             default: "not stated"
  --source TEXT            where the data came from                 default: the validation path
  --split TEXT             how the validation split was made                default: "not stated"

Output:
  --manifest FILE          manifest to write or update                default: models/manifest.json
                           Models outside its folder are copied into <folder>/<app>/.
  --profile-out FILE       measured costs (src/core/device-profile.ts format)
                                                      default: <manifest folder>/profiles/<app>-node-wasm.json
  --loads N                timed loads per model                                    default: 3
  --runs N                 timed runs per batch size                               default: 10
  --dry-run                print the entry and write nothing
  --write-schema           write schema/manifest.schema.json from the runtime's schema and exit
  --help                   print this text`;

/** An error in the options, the data or the models; printed without a stack and exits with 2. */
class UsageError extends Error {}

function positiveNumber(option: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${option} is "${text}", which is not a ${integer ? 'whole number >= 1' : 'number above 0'}. Pass for example --${option} ${integer ? '10' : '1'}.`);
  }
  return value;
}

function modelSpec(text: string): ModelSpec {
  const separator = text.lastIndexOf('=');
  if (separator > 0 && !text.slice(separator + 1).includes(sep)) return { path: fromWorkingDirectory(text.slice(0, separator)), id: text.slice(separator + 1) };
  return { path: fromWorkingDirectory(text) };
}

interface CommandOptions {
  request: Omit<ProfileRequest, 'manifestPath' | 'log'>;
  manifestFile: string;
  profileFile: string;
  dryRun: boolean;
}

function parseOptions(argv: string[]): CommandOptions | 'help' | 'write-schema' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        app: { type: 'string' },
        name: { type: 'string' },
        classes: { type: 'string' },
        'classes-file': { type: 'string' },
        weight: { type: 'string', default: '1' },
        'deadline-ms': { type: 'string', default: '500' },
        variant: { type: 'string', multiple: true },
        sneakpeek: { type: 'string' },
        'input-name': { type: 'string' },
        'output-name': { type: 'string' },
        'output-kind': { type: 'string', default: 'auto' },
        'input-shape': { type: 'string' },
        'max-batch': { type: 'string', default: '32' },
        validation: { type: 'string' },
        'validation-labels': { type: 'string' },
        test: { type: 'string' },
        'test-labels': { type: 'string' },
        format: { type: 'string' },
        'label-column': { type: 'string' },
        scale: { type: 'string', default: '1' },
        preprocessing: { type: 'string' },
        'dataset-name': { type: 'string' },
        licence: { type: 'string', default: 'not stated' },
        source: { type: 'string' },
        split: { type: 'string', default: 'not stated' },
        manifest: { type: 'string', default: 'models/manifest.json' },
        'profile-out': { type: 'string' },
        loads: { type: 'string', default: '3' },
        runs: { type: 'string', default: '10' },
        'dry-run': { type: 'boolean', default: false },
        'write-schema': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run ${COMMAND} -- --help for the options.`);
  }
  if (values.help) return 'help';
  if (values['write-schema']) return 'write-schema';

  const app = values.app ?? '';
  if (app === '') throw new UsageError('--app is missing; name the application, for example --app plants.');
  const classes = readClasses(values.classes, values['classes-file']);
  const variants = (values.variant ?? []).map(modelSpec);
  if (variants.length === 0) throw new UsageError('--variant is missing; pass each ONNX variant with --variant FILE.onnx.');
  if (values.validation === undefined) throw new UsageError('--validation is missing; pass the labelled validation data (csv, json, npy or idx).');

  const format = values.format;
  if (format !== undefined && !(DATA_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format is "${format}"; use one of ${DATA_FORMATS.join(', ')}.`);
  }
  const outputKind = values['output-kind'];
  if (outputKind !== 'logits' && outputKind !== 'probabilities' && outputKind !== 'auto') {
    throw new UsageError(`--output-kind is "${outputKind}"; use logits, probabilities or auto.`);
  }
  const recordShape = values['input-shape']?.split(',').map((size) => positiveNumber('input-shape', size.trim(), true));
  const dataFiles = (inputs: string, labels: string | undefined): DataFiles => ({
    inputs: fromWorkingDirectory(inputs),
    ...(labels === undefined ? {} : { labels: fromWorkingDirectory(labels) }),
    ...(format === undefined ? {} : { format: format as DataFormat }),
    ...(values['label-column'] === undefined ? {} : { labelColumn: values['label-column'] }),
  });

  const manifestFile = fromWorkingDirectory(values.manifest);
  const sneakpeek = values.sneakpeek === undefined ? undefined : modelSpec(values.sneakpeek);
  return {
    manifestFile,
    profileFile: fromWorkingDirectory(values['profile-out'] ?? join(dirname(manifestFile), 'profiles', `${app}-node-wasm.json`)),
    dryRun: values['dry-run'],
    request: {
      application: app,
      name: values.name ?? app,
      classes,
      variants,
      ...(sneakpeek === undefined ? {} : { sneakpeek }),
      validation: dataFiles(values.validation, values['validation-labels']),
      ...(values.test === undefined ? {} : { test: dataFiles(values.test, values['test-labels']) }),
      choices: {
        ...(values['input-name'] === undefined ? {} : { inputName: values['input-name'] }),
        ...(values['output-name'] === undefined ? {} : { outputName: values['output-name'] }),
        ...(recordShape === undefined ? {} : { recordShape }),
      },
      outputKind: outputKind as OutputKindChoice,
      scale: positiveNumber('scale', values.scale, false),
      preprocessingDescription: values.preprocessing ?? `Raw 8-bit values times ${values.scale}; other inputs as given.`,
      maxBatch: positiveNumber('max-batch', values['max-batch'], true),
      weight: positiveNumber('weight', values.weight, false),
      defaultDeadlineMs: positiveNumber('deadline-ms', values['deadline-ms'], false),
      dataset: {
        name: values['dataset-name'] ?? basename(values.validation),
        licence: values.licence,
        source: values.source ?? values.validation,
        split: values.split,
        trainingCommand: `${COMMAND} -- ${argv.map((argument) => (/[\s"'\\]/.test(argument) ? JSON.stringify(argument) : argument)).join(' ')}`,
      },
      timing: { loads: positiveNumber('loads', values.loads, true), runs: positiveNumber('runs', values.runs, true) },
    },
  };
}

function readClasses(list: string | undefined, file: string | undefined): string[] {
  if (list !== undefined && file !== undefined) throw new UsageError('--classes and --classes-file are both given; pass one of them.');
  let names: string[];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(fromWorkingDirectory(file), 'utf8');
    } catch (error) {
      throw new UsageError(`--classes-file ${file} could not be read (${(error as Error).message}); check the path.`);
    }
    names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  } else {
    names = (list ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  }
  if (names.length < 2) throw new UsageError('The classes are missing or fewer than two; pass them in output order with --classes A,B,... or --classes-file.');
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new UsageError(`Class "${duplicate}" appears twice in the classes; give each class once, in output order.`);
  return names;
}

/** Returns a model's path relative to the manifest, copying the file into `<folder>/<app>/` first when it lies outside. */
function placeModel(modelPath: string, manifestFile: string, application: string, copy: boolean): string {
  const folder = dirname(manifestFile);
  const inside = relative(folder, modelPath);
  if (!inside.startsWith('..') && !isAbsolute(inside)) return inside.split(sep).join('/');

  const target = join(folder, application, basename(modelPath));
  if (copy) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(modelPath, target);
  }
  return relative(folder, target).split(sep).join('/');
}

function describeMachine(): string {
  const cores = cpus();
  return `${cores.length}-core ${cores[0]?.model.trim() ?? 'unknown CPU'}; 1-minute load average ${loadavg()[0]?.toFixed(2) ?? 'unknown'} when profiling began`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  if (options === 'write-schema') {
    const target = join(root, 'schema', 'manifest.schema.json');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(MANIFEST_SCHEMA, null, 2)}\n`);
    console.log(`Wrote ${target}.`);
    return;
  }

  const existing = readManifestIfPresent(options.manifestFile);
  const startedAt = new Date().toISOString();
  const result = await profileApplication({
    ...options.request,
    manifestPath: (modelPath) => placeModel(modelPath, options.manifestFile, options.request.application, false),
    log: (line) => console.log(line),
  });
  for (const note of result.notes) console.log(`Note: ${note}`);
  if (options.dryRun) {
    mergeApplication(existing, result.application, startedAt, options.manifestFile);
    console.log(JSON.stringify(result.application, null, 2));
    return;
  }

  // The test split goes beside the manifest, where the kiosk's request view finds its samples.
  const test = result.test;
  if (test !== undefined) {
    const entry = writeTestSet(
      dirname(options.manifestFile),
      result.application.id,
      test.data,
      test.outputs,
      result.application.classes.length,
      `Test records from ${test.data.source}; predictions and reference outputs computed by onnxruntime-web ${ort.env.versions.web ?? ''} in Node.`,
    );
    if (entry === undefined) console.log('Note: the test split is not written beside the manifest, because its format stores each label in one byte and there are more than 256 classes.');
    else result.application.testSet = entry;
  }
  const manifest = mergeApplication(existing, result.application, startedAt.replace(/\.\d+Z$/, 'Z'), options.manifestFile);

  const models = [...options.request.variants, ...(options.request.sneakpeek === undefined ? [] : [options.request.sneakpeek])];
  for (const model of models) {
    const placed = placeModel(model.path, options.manifestFile, options.request.application, true);
    if (!model.path.startsWith(dirname(options.manifestFile) + sep)) console.log(`Copied ${model.path} to ${join(dirname(options.manifestFile), placed)}.`);
  }
  mkdirSync(dirname(options.manifestFile), { recursive: true });
  writeFileSync(options.manifestFile, formatManifest(manifest));
  console.log(`Wrote application "${result.application.id}" into ${options.manifestFile}.`);

  const profile: DeviceProfile = {
    measuredAt: startedAt,
    machine: describeMachine(),
    browser: `Node ${process.versions.node} (onnxruntime-web WASM in Node, not a browser)`,
    provider: 'wasm',
    adapter: 'none (WASM, 1 thread)',
    ortVersion: ort.env.versions.web ?? 'unknown',
    models: result.costs,
  };
  mkdirSync(dirname(options.profileFile), { recursive: true });
  writeFileSync(options.profileFile, `${JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value), 1)}\n`);
  console.log(`Wrote the measured costs to ${options.profileFile}. The runtime measures again in the browser at its first start.`);
}

const KNOWN_ERRORS = [UsageError, DataFileError, UnservableModelError, OnnxFormatError, ManifestValidationError, SyntaxError];

main().catch((error: unknown) => {
  const known = KNOWN_ERRORS.some((kind) => error instanceof kind);
  console.error(`${COMMAND}: ${error instanceof Error ? error.message : String(error)}`);
  if (!known && error instanceof Error && error.stack !== undefined) console.error(error.stack);
  process.exit(known ? 2 : 1);
});
