/**
 * `npm run measure:node`: measures every model of models/manifest.json with onnxruntime-web's WASM
 * backend inside Node and writes a device profile (the format of src/core/device-profile.ts) for
 * the simulator, without a browser.
 *
 * Stages, in order:
 *   1. read the manifest and each application's test records (zeros when it ships none);
 *   2. create one untimed session, because the first session in a process also compiles the WASM
 *      module, which no later load pays;
 *   3. per model: time `--loads` loads (session creation plus one warm-up run at every measured
 *      batch size, as the live runtime's start-up profiling does), then `--runs` runs at every
 *      measured batch size;
 *   4. write the profile with every sample kept.
 *
 * The figures are Node's, not a browser's. The profile's browser field states that, and
 * `npm run measure` measures the same models in headless Chromium.
 */

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-web';

import type { DeviceProfile, ModelCost } from '../src/core/device-profile.js';
import type { ApplicationManifest, Manifest } from '../src/core/manifest.js';
import { PROFILED_BATCH_SIZES, profileBatchSizes } from '../src/scheduler/profiler.js';

/** Largest batch the live SneakPeek lane runs at once (`maxBatch` in the scheduler's lane spec). */
const SNEAKPEEK_MAX_BATCH = 64;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run measure:node -- [options]

Measures the load cost and the service time per batch size of every model in the manifest with
onnxruntime-web's WASM backend in Node (one thread), and writes a device profile for the simulator.

Options:
  --manifest PATH   manifest to read                      default: models/manifest.json
  --out PATH        profile to write                      default: models/profiles/node-wasm.json
  --runs N          timed runs per batch size             default: 30
  --loads N         timed loads per model                 default: 5
  --machine TEXT    machine description stored with the figures
                                                          default: "<cores>-core <CPU model>, no GPU; <load average>"
  --help            print this text`;

interface MeasureOptions {
  manifestPath: string;
  outPath: string;
  runs: number;
  loads: number;
  machine: string;
}

function parseOptions(argv: string[]): MeasureOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      manifest: { type: 'string', default: 'models/manifest.json' },
      out: { type: 'string', default: 'models/profiles/node-wasm.json' },
      runs: { type: 'string', default: '30' },
      loads: { type: 'string', default: '5' },
      machine: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;

  return {
    manifestPath: resolve(root, values.manifest),
    outPath: resolve(root, values.out),
    runs: positiveInteger('--runs', values.runs),
    loads: positiveInteger('--loads', values.loads),
    machine: values.machine ?? describeMachine(),
  };
}

/** Cores, CPU model and the load average, because other processes on a shared machine slow every run. */
function describeMachine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  return `${cores.length}-core ${model}, no GPU; 1-minute load average ${loadavg()[0]?.toFixed(2) ?? 'unknown'} when measuring began`;
}

function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${option} is "${text}", which is not a whole number >= 1. Pass for example ${option} 10.`);
  }
  return value;
}

/** One model to measure, with the records its input batches are built from. */
interface ModelJob {
  id: string;
  role: ModelCost['role'];
  application: ApplicationManifest;
  bytes: Uint8Array;
  outputName: string;
  batchSizes: number[];
  records: Float32Array;
  recordSize: number;
  recordCount: number;
}

function readRecords(application: ApplicationManifest, manifestDir: string): { records: Float32Array; count: number } {
  const recordSize = recordSizeOf(application);
  const testSet = application.testSet;
  if (testSet === undefined) return { records: new Float32Array(recordSize), count: 1 };

  // Real inputs: the first records of the shipped test set. A record of one byte per element is
  // scaled as the manifest prescribes, and one of four bytes per element is float32, already scaled.
  const raw = readFileSync(join(manifestDir, testSet.inputsFile));
  const count = Math.min(testSet.count, SNEAKPEEK_MAX_BATCH * 2);
  const records = new Float32Array(count * recordSize);
  if (testSet.recordBytes === recordSize * 4) {
    for (let index = 0; index < records.length; index += 1) records[index] = raw.readFloatLE(index * 4);
    return { records, count };
  }
  if (testSet.recordBytes !== recordSize) {
    throw new RangeError(
      `Test set of application "${application.id}" has recordBytes ${testSet.recordBytes}, but its input has ${recordSize} elements. Use ${recordSize} (bytes) or ${recordSize * 4} (float32).`,
    );
  }
  const scale = application.input.preprocessing.scale;
  for (let index = 0; index < records.length; index += 1) records[index] = (raw[index] ?? 0) * scale;
  return { records, count };
}

function recordSizeOf(application: ApplicationManifest): number {
  return application.input.shape.slice(1).reduce((product, size) => product * size, 1);
}

function collectJobs(manifest: Manifest, manifestDir: string): ModelJob[] {
  const jobs: ModelJob[] = [];
  for (const application of manifest.applications) {
    const { records, count } = readRecords(application, manifestDir);
    const shared = { application, records, recordSize: recordSizeOf(application), recordCount: count };
    for (const variant of application.variants) {
      jobs.push({
        ...shared,
        id: variant.id,
        role: 'variant',
        bytes: readFileSync(join(manifestDir, variant.file)),
        outputName: variant.outputName,
        batchSizes: profileBatchSizes(variant.maxBatch),
      });
    }
    const sneakpeek = application.sneakpeek;
    jobs.push({
      ...shared,
      id: sneakpeek.id,
      role: 'sneakpeek',
      bytes: readFileSync(join(manifestDir, sneakpeek.file)),
      outputName: sneakpeek.outputName,
      batchSizes: PROFILED_BATCH_SIZES.filter((size) => size <= SNEAKPEEK_MAX_BATCH),
    });
  }
  return jobs;
}

function inputTensor(job: ModelJob, batchSize: number): ort.Tensor {
  const data = new Float32Array(batchSize * job.recordSize);
  for (let row = 0; row < batchSize; row += 1) {
    const record = row % job.recordCount;
    data.set(job.records.subarray(record * job.recordSize, (record + 1) * job.recordSize), row * job.recordSize);
  }
  return new ort.Tensor('float32', data, [batchSize, ...job.application.input.shape.slice(1)]);
}

async function runOnce(session: ort.InferenceSession, job: ModelJob, batchSize: number): Promise<void> {
  const input = inputTensor(job, batchSize);
  const outputs = await session.run({ [job.application.input.name]: input });
  const output = outputs[job.outputName];
  if (output === undefined) {
    throw new Error(`Model "${job.id}" has no output "${job.outputName}". Check outputName in the manifest.`);
  }
  for (const value of Object.values(outputs)) value.dispose();
  input.dispose();
}

/** Creates a session and runs one warm-up batch at every measured size, as a live load does. */
async function load(job: ModelJob): Promise<ort.InferenceSession> {
  try {
    const session = await ort.InferenceSession.create(job.bytes, { executionProviders: ['wasm'] });
    for (const batchSize of job.batchSizes) await runOnce(session, job, batchSize);
    return session;
  } catch (error) {
    throw new Error(`onnxruntime-web failed to load model "${job.id}" on wasm in Node: ${String(error)}`, { cause: error });
  }
}

async function measure(job: ModelJob, options: MeasureOptions): Promise<ModelCost> {
  const loadMs: number[] = [];
  for (let attempt = 0; attempt < options.loads; attempt += 1) {
    const started = performance.now();
    const session = await load(job);
    loadMs.push(performance.now() - started);
    await session.release();
  }

  const session = await load(job);
  const latencyMs: Record<string, number[]> = {};
  for (const batchSize of job.batchSizes) {
    const times: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const started = performance.now();
      await runOnce(session, job, batchSize);
      times.push(performance.now() - started);
    }
    latencyMs[String(batchSize)] = times;
  }
  await session.release();

  return { application: job.application.id, role: job.role, loadMs, latencyMs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(HELP);
    return;
  }

  // One thread keeps the figures independent of how many cores the machine has.
  ort.env.wasm.numThreads = 1;
  const manifest = JSON.parse(readFileSync(options.manifestPath, 'utf8')) as Manifest;
  const jobs = collectJobs(manifest, dirname(options.manifestPath));
  const first = jobs[0];
  if (first === undefined) throw new RangeError(`${options.manifestPath} lists no models. Train the applications first (npm run train).`);

  // The first session compiles the WASM module, so it stays out of every timed load.
  await (await load(first)).release();

  const profile: DeviceProfile = {
    measuredAt: new Date().toISOString(),
    machine: options.machine,
    browser: `Node ${process.versions.node} (onnxruntime-web WASM in Node, not a browser)`,
    provider: 'wasm',
    adapter: 'none (WASM, 1 thread)',
    ortVersion: ort.env.versions.web ?? 'unknown',
    models: {},
  };
  for (const job of jobs) {
    const cost = await measure(job, options);
    profile.models[job.id] = cost;
    const sizes = job.batchSizes.map((size) => `b${size} ${median(cost.latencyMs[String(size)] ?? []).toFixed(2)}`).join(', ');
    console.log(`${job.id}: load ${median(cost.loadMs).toFixed(1)} ms; median ms ${sizes}`);
  }

  mkdirSync(dirname(options.outPath), { recursive: true });
  const rounded = JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value), 1);
  writeFileSync(options.outPath, `${rounded}\n`);
  console.log(`Wrote ${options.outPath}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
