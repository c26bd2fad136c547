/**
 * Options of `npm run sim` in three parts: the help text, one frozen defaults object, and the
 * parser that validates every value. Each error quotes the option, the value and the fix.
 */

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { POLICY_NAMES, POLICY_DESCRIPTIONS, isPolicyName, type PolicyName } from '../../src/core/baselines/catalog.js';
import { DEFAULT_POLICY_OPTIONS } from '../../src/core/policy-options.js';
import { PROFILED_BATCH_SIZES } from '../../src/core/padding.js';
import { DEFAULT_BURST_OPTIONS } from '../../src/core/workloads/arrivals.js';
import { isBursty, WORKLOAD_KINDS, type WorkloadKind } from '../../src/core/workloads/workload-plan.js';

/** Largest accepted load factor. Far above 1 nearly every request is dropped, so higher loads add run time, not information. */
export const MAX_LOAD = 100;

export const SIM_DEFAULTS = Object.freeze({
  workloads: ['control', 'shift'] as readonly WorkloadKind[],
  loads: [0.5, 1, 2, 3] as readonly number[],
  /** Every policy, baselines and ablations included, as the evaluation runs them. */
  policies: POLICY_NAMES,
  seeds: [1, 2, 3, 4, 5] as readonly number[],
  requests: 2000,
  profile: 'models/profiles/node-wasm.json',
  manifest: 'models/manifest.json',
  out: 'results/sim',
  memoryBudgetMiB: 64,
  swapMargin: DEFAULT_POLICY_OPTIONS.swapMargin,
  maxQueueDelayMs: DEFAULT_POLICY_OPTIONS.maxQueueDelayMs,
  deadlineRange: [2, 8] as readonly [number, number],
  burstRatio: DEFAULT_BURST_OPTIONS.rateRatio,
  jobs: Math.max(1, Math.min(availableParallelism(), 4)),
  /** The sizes the live scheduler profiles and plans with; undefined would mean every size. */
  batchSizes: PROFILED_BATCH_SIZES as readonly number[] | undefined,
});

export const HELP = `Usage: npm run sim -- [options]

Simulates the scheduling policy and its baselines on recorded model outputs and a measured device
profile, and prints one table per workload. Results are written as JSON and CSV.

Options:
  --apps LIST            applications to serve together on one device, comma-separated
                         default: every application in the manifest with a recordedFile
  --workload LIST        workloads, comma-separated, of:
                           control  Poisson arrivals, validation label mix
                           shift    Poisson arrivals, each application's label shift
                                    (store profiles, calendar order or subset waves)
                           burst    bursty arrivals (two-state MMPP), validation mix
                           mixed    bursty arrivals and label shift
                         default: ${SIM_DEFAULTS.workloads.join(',')}
  --load LIST            load factors in (0, ${MAX_LOAD}], comma-separated; 1 keeps the device busy all
                         the time if every request runs on its application's most accurate
                         variant at that variant's best throughput over batch sizes
                         (applications served together arrive at equal rates)
                         default: ${SIM_DEFAULTS.loads.join(',')}
  --policies LIST        policies, comma-separated, or "all"
                         default: all (every policy listed below)
  --seeds LIST           seeds, comma-separated whole numbers; each gives one trace per
                         workload and load, shared by every policy
                         default: ${SIM_DEFAULTS.seeds.join(',')}
  --requests N           requests per application per trace
                         default: ${SIM_DEFAULTS.requests}
  --trace FILE           replay the arrivals of FILE (CSV or JSON, see "Trace files" below)
                         instead of generated ones; --load, --requests and --burst-ratio
                         do not apply, and --workload may only be control or shift
                         default: none (generated Poisson or burst arrivals)
  --profile PATH         device profile (models/profiles/*.json) to plan with and draw
                         batch times from
                         default: ${SIM_DEFAULTS.profile}
  --manifest PATH        manifest naming the applications and their recorded outputs
                         default: ${SIM_DEFAULTS.manifest}
  --out DIR              folder for results.json, runs.csv, summary.csv, estimators.csv
                         default: ${SIM_DEFAULTS.out}
  --memory-budget MIB    device memory resident variants may fill together, in MiB
                         default: ${SIM_DEFAULTS.memoryBudgetMiB}
  --swap-margin U        expected utility (in requests) a load must gain over the best
                         resident choice
                         default: ${SIM_DEFAULTS.swapMargin}
  --batch-sizes LIST     batch sizes every policy may run, comma-separated, including 1, or
                         "all" for every size up to each variant's maxBatch
                         default: ${SIM_DEFAULTS.batchSizes?.join(',') ?? 'all'} (the sizes the live scheduler
                         profiles and plans with; with "all", a batch runs padded to the next
                         of them and is planned with that size's latency)
  --max-queue-delay MS   longest time the oldest request may wait for a fuller batch, in ms
                         default: ${SIM_DEFAULTS.maxQueueDelayMs}
  --deadline-range A,B   relative deadlines are uniform between A and B times the reference
                         latency: the largest, over the served applications, of the most
                         accurate variant's median latency at its best-throughput batch size
                         default: ${SIM_DEFAULTS.deadlineRange.join(',')}
  --burst-ratio R        arrival rate in a burst divided by the calm rate (burst, mixed)
                         default: ${SIM_DEFAULTS.burstRatio}
  --jobs N               worker threads that simulate grid cells in parallel; results do
                         not depend on it
                         default: ${SIM_DEFAULTS.jobs} (the available cores, at most 4)
  --quiet                print the tables only, no progress
  --help                 print this text

Trace files (--trace):
  CSV: a header line, then one request per line. Columns, in any order:
    arrival_ms    required; arrival time in ms from the start of the trace, >= 0
    application   required; id of a served application
    record        optional; index of a recorded test record of that application, from 0;
                  when absent or empty, drawn as the workload's label mix draws records
                  (control: validation mix; shift: the application's label shift)
    deadline_ms   optional; relative deadline in ms after the arrival, > 0; when absent or
                  empty, drawn uniformly from --deadline-range
  Blank lines and lines starting with # are skipped. Example:
    arrival_ms,application,record,deadline_ms
    0,product,17,40
    2.5,spam,,
  JSON: an array of objects with the same keys, for example
    [{"arrival_ms": 0, "application": "product", "record": 17, "deadline_ms": 40}]
  A file whose first character other than whitespace is [ or { is read as JSON, any other as
  CSV.
  Rows may come in any order. Without --apps, the applications the trace names are served.
  Each seed still draws the missing records and deadlines, SneakPeek times and batch times.
  The tables' load column shows the trace's offered load: the sum over applications of
  requests per ms, over the span from the first to the last arrival, divided by capacity
  (0 when every request arrives at one instant).

Policies:
${POLICY_NAMES.map((name) => `  ${name.padEnd(22)} ${POLICY_DESCRIPTIONS[name]}`).join('\n')}`;

export interface SimOptions {
  /** Undefined: every application with recorded outputs. */
  apps: string[] | undefined;
  workloads: WorkloadKind[];
  /** Empty with `trace`: the trace's offered load labels its cells instead. */
  loads: number[];
  policies: PolicyName[];
  seeds: number[];
  requests: number;
  profile: string;
  manifest: string;
  out: string;
  memoryBudgetBytes: number;
  swapMargin: number;
  maxQueueDelayMs: number;
  /** Undefined: every size up to each variant's maxBatch. */
  batchSizes: number[] | undefined;
  deadlineRange: [number, number];
  burstRatio: number;
  jobs: number;
  quiet: boolean;
  /** Trace file to replay, as given; undefined for generated arrivals. */
  trace: string | undefined;
}

/** Thrown for invalid command-line input; the CLI prints its message and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses and validates the arguments; returns undefined when `--help` was given. */
export function parseSimOptions(argv: readonly string[]): SimOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        apps: { type: 'string' },
        workload: { type: 'string' },
        load: { type: 'string' },
        policies: { type: 'string' },
        seeds: { type: 'string' },
        requests: { type: 'string' },
        profile: { type: 'string' },
        manifest: { type: 'string' },
        out: { type: 'string' },
        'memory-budget': { type: 'string' },
        'swap-margin': { type: 'string' },
        'max-queue-delay': { type: 'string' },
        'batch-sizes': { type: 'string' },
        'deadline-range': { type: 'string' },
        'burst-ratio': { type: 'string' },
        jobs: { type: 'string' },
        trace: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.replace(/\.+$/, '')}. Run npm run sim -- --help for the options.`);
  }
  if (values.help === true) return undefined;

  const deadlineRange = numberList('--deadline-range', values['deadline-range'], [...SIM_DEFAULTS.deadlineRange], (value) => value > 0, 'positive multiples');
  if (deadlineRange.length !== 2 || (deadlineRange[0] as number) > (deadlineRange[1] as number)) {
    throw new UsageError(`--deadline-range is "${values['deadline-range']}". Give two multiples A,B with 0 < A <= B, for example 2,8.`);
  }

  const trace = values.trace;
  const workloads = workloadList(values.workload);
  if (trace !== undefined) checkTraceCombination(trace, values, workloads);

  return {
    apps: values.apps === undefined ? undefined : nameList('--apps', values.apps),
    workloads,
    loads: trace === undefined ? numberList('--load', values.load, [...SIM_DEFAULTS.loads], (value) => value > 0 && value <= MAX_LOAD, `load factors in (0, ${MAX_LOAD}]`) : [],
    policies: policyList(values.policies),
    seeds: numberList('--seeds', values.seeds, [...SIM_DEFAULTS.seeds], (value) => Number.isSafeInteger(value) && value >= 0, `whole numbers from 0 to ${Number.MAX_SAFE_INTEGER}`),
    requests: singleNumber('--requests', values.requests, SIM_DEFAULTS.requests, (value) => Number.isInteger(value) && value >= 1, 'a whole number >= 1'),
    profile: values.profile ?? SIM_DEFAULTS.profile,
    manifest: values.manifest ?? SIM_DEFAULTS.manifest,
    out: values.out ?? SIM_DEFAULTS.out,
    memoryBudgetBytes:
      singleNumber('--memory-budget', values['memory-budget'], SIM_DEFAULTS.memoryBudgetMiB, (value) => value > 0, 'a positive number of MiB') * 2 ** 20,
    swapMargin: singleNumber('--swap-margin', values['swap-margin'], SIM_DEFAULTS.swapMargin, (value) => value >= 0, 'a number >= 0'),
    maxQueueDelayMs: singleNumber('--max-queue-delay', values['max-queue-delay'], SIM_DEFAULTS.maxQueueDelayMs, (value) => value >= 0, 'milliseconds >= 0'),
    batchSizes: batchSizeList(values['batch-sizes']),
    deadlineRange: [deadlineRange[0] as number, deadlineRange[1] as number],
    burstRatio: singleNumber('--burst-ratio', values['burst-ratio'], SIM_DEFAULTS.burstRatio, (value) => value >= 1, 'a ratio >= 1'),
    jobs: singleNumber('--jobs', values.jobs, SIM_DEFAULTS.jobs, (value) => Number.isInteger(value) && value >= 1, 'a whole number of threads >= 1'),
    quiet: values.quiet === true,
    trace,
  };
}

/** Rejects options that a trace file replaces, and workloads whose arrivals it would replace. */
function checkTraceCombination(trace: string, values: Record<string, unknown>, workloads: readonly WorkloadKind[]): void {
  if (trace.trim() === '') throw new UsageError('--trace is empty. Give the path of a CSV or JSON trace file.');
  for (const option of ['load', 'requests', 'burst-ratio']) {
    if (values[option] !== undefined) {
      throw new UsageError(
        `--${option} is "${String(values[option])}", but --trace ${trace} fixes the arrivals and their number. Remove --${option}, or leave out --trace to generate arrivals.`,
      );
    }
  }
  const bursty = workloads.filter((kind) => isBursty(kind));
  if (bursty.length > 0) {
    throw new UsageError(
      `--workload contains "${bursty[0]}", whose burst arrivals --trace ${trace} would replace. Use control or shift with --trace: they choose the label mix of records the trace leaves out.`,
    );
  }
}

function nameList(option: string, text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new UsageError(`${option} is "${text}", which has an empty entry. Give values separated by single commas.`);
  }
  return [...new Set(names)];
}

function batchSizeList(text: string | undefined): number[] | undefined {
  if (text === undefined) return SIM_DEFAULTS.batchSizes === undefined ? undefined : [...SIM_DEFAULTS.batchSizes];
  if (text.trim() === 'all') return undefined;
  const sizes = numberList('--batch-sizes', text, [1, 2, 4, 8], (value) => Number.isInteger(value) && value >= 1, 'whole batch sizes >= 1');
  if (!sizes.includes(1)) {
    throw new UsageError(`--batch-sizes is "${text}" without 1, so a lone request could never run. Add 1, for example 1,2,4.`);
  }
  return sizes;
}

function workloadList(text: string | undefined): WorkloadKind[] {
  if (text === undefined) return [...SIM_DEFAULTS.workloads];
  return nameList('--workload', text).map((name) => {
    const known = WORKLOAD_KINDS.find((kind) => kind === name);
    if (known === undefined) {
      throw new UsageError(`--workload contains "${name}". Use one or more of ${WORKLOAD_KINDS.join(', ')}, comma-separated.`);
    }
    return known;
  });
}

function policyList(text: string | undefined): PolicyName[] {
  if (text === undefined) return [...SIM_DEFAULTS.policies];
  if (text.trim() === 'all') return [...POLICY_NAMES];
  return nameList('--policies', text).map((name) => {
    if (!isPolicyName(name)) {
      throw new UsageError(`--policies contains "${name}". Use "all" or names from: ${POLICY_NAMES.join(', ')}.`);
    }
    return name;
  });
}

function numberList(option: string, text: string | undefined, fallback: number[], valid: (value: number) => boolean, expected: string): number[] {
  if (text === undefined) return fallback;
  const values = nameList(option, text).map((entry) => {
    const value = decimalNumber(entry);
    if (!Number.isFinite(value) || !valid(value)) {
      throw new UsageError(`${option} contains "${entry}". Give ${expected}, comma-separated, for example ${fallback.join(',')}.`);
    }
    return value;
  });
  return values;
}

function singleNumber(option: string, text: string | undefined, fallback: number, valid: (value: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const value = decimalNumber(text);
  if (!Number.isFinite(value) || !valid(value)) {
    throw new UsageError(`${option} is "${text}". Give ${expected} (default ${fallback}).`);
  }
  return value;
}

/** Parses a decimal number such as 2, 0.5 or 1e3; anything else, hexadecimal included, gives NaN. */
function decimalNumber(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}
