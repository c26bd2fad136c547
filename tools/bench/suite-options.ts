/**
 * Options of `npm run bench`: the help text, the defaults of the full suite and of `--smoke`, and
 * the parser that validates every value.
 */

import { parseArgs } from 'node:util';

import { LIVE_POLICY_NAMES, PolicyName } from '../../src/core/baselines/catalog.js';
import { UsageError } from '../sim/options.js';
import { choiceList, nameList, nonEmpty, numberList, singleNumber } from './option-values.js';
import { PROVIDERS, type BenchProvider } from './runtime-options.js';

export const SUITE_SCENARIOS = ['single-stream', 'server', 'burst', 'mixed'] as const;
export type SuiteScenario = (typeof SUITE_SCENARIOS)[number];

/** Most requests of the calibration probe: all are open at once, below the runtime's default queue bound of 2,000. */
export const MAX_PROBE_REQUESTS = 1800;

export const SUITE_DEFAULTS = Object.freeze({
  providers: PROVIDERS as readonly BenchProvider[],
  policies: [PolicyName.SneakPeek, PolicyName.Profiled, PolicyName.EdfAccurate, PolicyName.EdfFastest, PolicyName.ClipperAimd] as readonly PolicyName[],
  scenarios: SUITE_SCENARIOS as readonly SuiteScenario[],
  /** Undefined: every application of the manifest with recorded outputs. */
  apps: undefined as readonly string[] | undefined,
  serverLoads: [0.5, 1, 2] as readonly number[],
  burstLoad: 1,
  seconds: 10,
  maxRequests: 5000,
  singleStream: 50,
  deadlineRange: [2, 8] as readonly [number, number],
  burstRatio: 4,
  memoryBudgetMiB: 64,
  seed: 1,
  overheadBatches: 10,
  probeRequests: 600,
  out: 'results/bench',
  docs: 'docs/benchmarks.md' as string | undefined,
  port: 4194,
  buildDir: 'dist',
});

/** Defaults of `--smoke`: a few seconds of each scenario, on WASM, for CI. */
export const SMOKE_DEFAULTS = Object.freeze({
  providers: ['wasm'] as readonly BenchProvider[],
  policies: [PolicyName.SneakPeek, PolicyName.EdfAccurate] as readonly PolicyName[],
  serverLoads: [1] as readonly number[],
  seconds: 1.5,
  maxRequests: 300,
  singleStream: 10,
  overheadBatches: 3,
  probeRequests: 150,
  out: 'results/bench-smoke',
  docs: undefined as string | undefined,
});

export const SUITE_HELP = `Usage: npm run bench -- [options]

Runs the live runtime in headless Chromium on the simulator's workloads (the same traces, from
the same seeds) for each policy, on WebGPU (SwiftShader here, a fallback adapter: software
rendering, not GPU speed) and on WASM. For every run it also simulates the same trace with the
device profile the live runtime measured, and reports the difference.

Scenarios:
  single-stream  one request after another, each submitted when the previous one has its
                 outcome (MLPerf SingleStream); latency percentiles are the figure of merit
  server         Poisson arrivals at each of --loads (MLPerf Server)
  burst          bursty arrivals (a two-state MMPP) at --burst-load
  mixed          every application together, bursty, under each application's label shift,
                 at --burst-load
Loads are relative to the device: load 1 keeps it busy all the time if every request runs on its
application's most accurate variant at that variant's best throughput, as measured at start.

Per provider the suite also measures cold start (page load to first answer with nothing cached)
and warm start (the same with models and profiles in IndexedDB), and the runtime's overhead
against raw onnxruntime-web at batch 8 for the most accurate variant of each application.

Writes results.json, runs.csv and starts.csv to --out, and the report to --docs. With two or
more server loads it also draws one SVG chart per figure against load, into --out and into a
folder beside the report.

Options:
  --providers LIST      providers, comma-separated, of webgpu, wasm
                        default: webgpu,wasm (--smoke: wasm)
  --policies LIST       policies, comma-separated, of ${LIVE_POLICY_NAMES.join(', ')}
                        default: ${SUITE_DEFAULTS.policies.join(',')} (--smoke: ${SMOKE_DEFAULTS.policies.join(',')})
  --scenarios LIST      scenarios, comma-separated, of ${SUITE_SCENARIOS.join(', ')}
                        default: all
  --apps LIST           applications to serve together, comma-separated
                        default: every application in models/manifest.json
  --loads LIST          load factors of the server scenario, comma-separated, each in (0, 100]
                        default: ${SUITE_DEFAULTS.serverLoads.join(',')} (--smoke: ${SMOKE_DEFAULTS.serverLoads.join(',')})
  --burst-load L        load factor of the burst and mixed scenarios
                        default: ${SUITE_DEFAULTS.burstLoad}
  --seconds S           planned length of each open-loop run: each application gets its
                        arrival rate times S requests, at most --max-requests
                        default: ${SUITE_DEFAULTS.seconds} (--smoke: ${SMOKE_DEFAULTS.seconds})
  --max-requests N      most requests per application in one open-loop run
                        default: ${SUITE_DEFAULTS.maxRequests} (--smoke: ${SMOKE_DEFAULTS.maxRequests})
  --single-stream N     requests in each single-stream run, spread over the applications
                        default: ${SUITE_DEFAULTS.singleStream} (--smoke: ${SMOKE_DEFAULTS.singleStream})
  --deadline-range A,B  relative deadlines are uniform between A and B times the device's
                        reference latency (as in npm run sim)
                        default: ${SUITE_DEFAULTS.deadlineRange.join(',')}
  --burst-ratio R       arrival rate in a burst divided by the calm rate
                        default: ${SUITE_DEFAULTS.burstRatio}
  --memory-budget MIB   memory budget of every runtime and simulation, in MiB
                        default: ${SUITE_DEFAULTS.memoryBudgetMiB}
  --seed N              seed of every trace; the same seed gives the same traces
                        default: ${SUITE_DEFAULTS.seed}
  --overhead-batches N  timed batches per path in the overhead measurement
                        default: ${SUITE_DEFAULTS.overheadBatches} (--smoke: ${SMOKE_DEFAULTS.overheadBatches})
  --probe-requests N    requests of the calibration probe: all submitted at once with long
                        deadlines, served by edf-fastest. The runtime's own cost per request
                        is the one that makes the simulated probe last as long as the live
                        one; a second prediction of every run charges it. 0 skips the probe
                        and that prediction. At most ${MAX_PROBE_REQUESTS}, below the runtime's
                        queue bound.
                        default: ${SUITE_DEFAULTS.probeRequests} (--smoke: ${SMOKE_DEFAULTS.probeRequests})
  --render FILE         write the report and charts again from a results.json of an earlier
                        run, without running anything; --out and --docs say where
  --smoke               a few seconds of each scenario, for CI; changes the defaults above
  --out DIR             folder for the results
                        default: ${SUITE_DEFAULTS.out} (--smoke: ${SMOKE_DEFAULTS.out})
  --keep FILE           results.json of an earlier run: its figures for the providers not
                        measured now are kept in the output, so one provider can be measured
                        again alone
                        default: none
  --docs FILE           Markdown report to write, with its SVG charts in a folder named
                        benchmarks beside it; "none" writes none
                        default: ${SUITE_DEFAULTS.docs} (--smoke: none)
  --port N              port of the preview server on 127.0.0.1
                        default: ${SUITE_DEFAULTS.port}
  --build-dir DIR       production build to serve
                        default: ${SUITE_DEFAULTS.buildDir}
  --skip-build          serve the existing build instead of building first
  --help                print this text`;

export interface SuiteOptions {
  providers: BenchProvider[];
  policies: PolicyName[];
  scenarios: SuiteScenario[];
  apps: string[] | undefined;
  serverLoads: number[];
  burstLoad: number;
  seconds: number;
  maxRequests: number;
  singleStream: number;
  deadlineRange: [number, number];
  burstRatio: number;
  memoryBudgetBytes: number;
  seed: number;
  overheadBatches: number;
  probeRequests: number;
  smoke: boolean;
  out: string;
  docs: string | undefined;
  keep: string | undefined;
  render: string | undefined;
  port: number;
  buildDir: string;
  skipBuild: boolean;
}

/** Parses the arguments after `npm run bench --`; returns undefined for `--help`. */
export function parseSuiteOptions(argv: readonly string[]): SuiteOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        providers: { type: 'string' },
        policies: { type: 'string' },
        scenarios: { type: 'string' },
        apps: { type: 'string' },
        loads: { type: 'string' },
        'burst-load': { type: 'string' },
        seconds: { type: 'string' },
        'max-requests': { type: 'string' },
        'single-stream': { type: 'string' },
        'deadline-range': { type: 'string' },
        'burst-ratio': { type: 'string' },
        'memory-budget': { type: 'string' },
        seed: { type: 'string' },
        'overhead-batches': { type: 'string' },
        'probe-requests': { type: 'string' },
        smoke: { type: 'boolean', default: false },
        out: { type: 'string' },
        docs: { type: 'string' },
        keep: { type: 'string' },
        render: { type: 'string' },
        port: { type: 'string' },
        'build-dir': { type: 'string' },
        'skip-build': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.replace(/\.+$/, '')}. Run npm run bench -- --help for the options.`);
  }
  if (values.help === true) return undefined;

  const smoke = values.smoke === true;
  const defaults = smoke ? { ...SUITE_DEFAULTS, ...SMOKE_DEFAULTS } : SUITE_DEFAULTS;
  const whole = (minimum: number) => (value: number) => Number.isInteger(value) && value >= minimum;
  const load = (value: number) => value > 0 && value <= 100;

  const deadlineRange = numberList('--deadline-range', values['deadline-range'], defaults.deadlineRange, (value) => value > 0, 'positive multiples');
  if (deadlineRange.length !== 2 || deadlineRange[0]! > deadlineRange[1]!) {
    throw new UsageError(`--deadline-range is "${values['deadline-range']}". Give two multiples A,B with 0 < A <= B, for example 2,8.`);
  }
  const docs = values.docs === undefined ? defaults.docs : nonEmpty('--docs', values.docs, 'none');

  return {
    providers: choiceList('--providers', values.providers, PROVIDERS, defaults.providers),
    policies: choiceList('--policies', values.policies, LIVE_POLICY_NAMES, defaults.policies),
    scenarios: choiceList('--scenarios', values.scenarios, SUITE_SCENARIOS, defaults.scenarios),
    apps: values.apps === undefined ? undefined : nameList('--apps', values.apps),
    serverLoads: numberList('--loads', values.loads, defaults.serverLoads, load, 'load factors in (0, 100]'),
    burstLoad: singleNumber('--burst-load', values['burst-load'], defaults.burstLoad, load, 'a load factor in (0, 100]'),
    seconds: singleNumber('--seconds', values.seconds, defaults.seconds, (value) => value > 0, 'a positive number of seconds'),
    maxRequests: singleNumber('--max-requests', values['max-requests'], defaults.maxRequests, whole(1), 'a whole number of requests >= 1'),
    singleStream: singleNumber('--single-stream', values['single-stream'], defaults.singleStream, whole(1), 'a whole number of requests >= 1'),
    deadlineRange: [deadlineRange[0]!, deadlineRange[1]!],
    burstRatio: singleNumber('--burst-ratio', values['burst-ratio'], defaults.burstRatio, (value) => value >= 1, 'a ratio >= 1'),
    memoryBudgetBytes: singleNumber('--memory-budget', values['memory-budget'], defaults.memoryBudgetMiB, (value) => value > 0, 'a positive number of MiB') * 2 ** 20,
    seed: singleNumber('--seed', values.seed, defaults.seed, (value) => Number.isSafeInteger(value), 'a whole number'),
    overheadBatches: singleNumber('--overhead-batches', values['overhead-batches'], defaults.overheadBatches, whole(1), 'a whole number of batches >= 1'),
    probeRequests: singleNumber(
      '--probe-requests',
      values['probe-requests'],
      defaults.probeRequests,
      (value) => Number.isInteger(value) && value >= 0 && value <= MAX_PROBE_REQUESTS,
      `a whole number of requests from 0 to ${MAX_PROBE_REQUESTS}`,
    ),
    smoke,
    out: nonEmpty('--out', values.out, defaults.out),
    docs: docs === 'none' ? undefined : docs,
    keep: values.keep === undefined ? undefined : nonEmpty('--keep', values.keep, 'none'),
    render: values.render === undefined ? undefined : nonEmpty('--render', values.render, 'none'),
    port: singleNumber('--port', values.port, defaults.port, (value) => Number.isInteger(value) && value >= 1 && value <= 65535, 'a port number from 1 to 65535'),
    buildDir: nonEmpty('--build-dir', values['build-dir'], defaults.buildDir),
    skipBuild: values['skip-build'] === true,
  };
}
