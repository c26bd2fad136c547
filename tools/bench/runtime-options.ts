/**
 * Options of `npm run bench:runtime`: the help text, one frozen defaults object, the `--quick`
 * defaults, and the parser that validates every value. Each error quotes the option, the value
 * and the fix.
 */

import { parseArgs } from 'node:util';

import { UsageError } from '../sim/options.js';
import { choiceList, nameList, nonEmpty, numberList, singleNumber } from './option-values.js';

export { UsageError };

export const SCENARIOS = ['overhead', 'soak', 'swap'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const PROVIDERS = ['webgpu', 'wasm'] as const;
export type BenchProvider = (typeof PROVIDERS)[number];

/** Batch service time through the runtime may be at most this many times the raw time at batch size 8. */
export const OVERHEAD_TARGET = Object.freeze({ batchSize: 8, ratio: 1.15 });

export const RUNTIME_BENCH_DEFAULTS = Object.freeze({
  scenarios: SCENARIOS as readonly Scenario[],
  providers: PROVIDERS as readonly BenchProvider[],
  /** Undefined: every variant of the manifest. */
  variants: undefined as readonly string[] | undefined,
  batchSizes: [1, 8] as readonly number[],
  batches: 30,
  warmup: 3,
  soakRequests: 10_000,
  soakRate: 40,
  soakCheckpoint: 2000,
  soakBudgetMiB: 64,
  /** Undefined: each application's default deadline from the manifest. */
  soakDeadlineMs: undefined as number | undefined,
  /** Undefined: every variant of the manifest. */
  soakVariants: undefined as readonly string[] | undefined,
  swapRepetitions: 5,
  seed: 1,
  out: 'results',
  port: 4193,
  buildDir: 'dist',
});

/** Defaults of `--quick`: a short run for smoke tests. */
export const QUICK_DEFAULTS = Object.freeze({
  batches: 3,
  warmup: 1,
  soakRequests: 100,
  soakRate: 50,
  soakCheckpoint: 50,
  swapRepetitions: 1,
});

export const HELP = `Usage: npm run bench:runtime -- [options]

Measures the browser runtime in headless Chromium, on WebGPU (SwiftShader here, a fallback
adapter: software rendering, not GPU speed) and on WASM, and prints and writes the figures:
  overhead  batch service time through both workers (submit to outcome, one batch of exactly
            b requests on a pinned variant) against session.run() of the same batch in the
            same page, and against a bare inference worker; target: at most
            ${OVERHEAD_TARGET.ratio} times the raw time at batch size ${OVERHEAD_TARGET.batchSize}
  soak      a long run at a steady Poisson rate over every application, with every thread's
            JS heap (after garbage collection), the resident set and the outcome counts at
            checkpoints
  swap      load, evict and reload of each variant on a bare inference worker
Writes bench-runtime.json, one CSV per scenario, and bench-runtime.md (the tables in Markdown)
to --out.

Options:
  --scenarios LIST       scenarios to run, comma-separated, of ${SCENARIOS.join(', ')}
                         default: ${RUNTIME_BENCH_DEFAULTS.scenarios.join(',')}
  --providers LIST       providers, comma-separated, of ${PROVIDERS.join(', ')}
                         default: ${RUNTIME_BENCH_DEFAULTS.providers.join(',')}
  --variants LIST        variant ids for overhead and swap, comma-separated
                         default: every variant of models/manifest.json
  --batch-sizes LIST     overhead batch sizes, comma-separated whole numbers >= 1
                         default: ${RUNTIME_BENCH_DEFAULTS.batchSizes.join(',')}
  --batches N            timed batches per variant, batch size and path
                         default: ${RUNTIME_BENCH_DEFAULTS.batches} (--quick: ${QUICK_DEFAULTS.batches})
  --warmup N             untimed batches before them
                         default: ${RUNTIME_BENCH_DEFAULTS.warmup} (--quick: ${QUICK_DEFAULTS.warmup})
  --soak-requests N      requests in the soak, per provider
                         default: ${RUNTIME_BENCH_DEFAULTS.soakRequests} (--quick: ${QUICK_DEFAULTS.soakRequests})
  --soak-rate R          mean Poisson arrival rate over all applications, in requests per
                         second; keep it below the device's capacity
                         default: ${RUNTIME_BENCH_DEFAULTS.soakRate} (--quick: ${QUICK_DEFAULTS.soakRate})
  --soak-checkpoint N    requests between two heap checkpoints (one more at start, one at end)
                         default: ${RUNTIME_BENCH_DEFAULTS.soakCheckpoint} (--quick: ${QUICK_DEFAULTS.soakCheckpoint})
  --soak-budget MIB      memory budget of the soak's runtime, in MiB
                         default: ${RUNTIME_BENCH_DEFAULTS.soakBudgetMiB}
  --soak-deadline MS     relative deadline of every soak request, in milliseconds
                         default: each application's default deadline in the manifest
  --soak-variants LIST   variant ids the soak's runtime serves, comma-separated
                         default: every variant (--quick: the first variant of each application)
  --swap-repetitions N   evict-and-reload cycles per variant after the first load
                         default: ${RUNTIME_BENCH_DEFAULTS.swapRepetitions} (--quick: ${QUICK_DEFAULTS.swapRepetitions})
  --seed N               seed of the soak's arrivals and records, a whole number
                         default: ${RUNTIME_BENCH_DEFAULTS.seed}
  --quick                small defaults (shown above) and, without --variants and
                         --soak-variants, only the first variant of the first application:
                         a smoke run of under a minute on two idle cores
  --out DIR              folder for bench-runtime.json, bench-runtime-*.csv and bench-runtime.md
                         default: ${RUNTIME_BENCH_DEFAULTS.out}
  --port N               port of the preview server on 127.0.0.1 (the next free one if taken)
                         default: ${RUNTIME_BENCH_DEFAULTS.port}
  --build-dir DIR        folder of the production build to build into and serve
                         default: ${RUNTIME_BENCH_DEFAULTS.buildDir}
  --skip-build           serve the existing build in --build-dir instead of building
  --help                 print this text`;

export interface RuntimeBenchOptions {
  scenarios: Scenario[];
  providers: BenchProvider[];
  /** Undefined: every variant of the manifest (with `quick`, the first variant of the first application). */
  variants: string[] | undefined;
  batchSizes: number[];
  batches: number;
  warmup: number;
  soakRequests: number;
  soakRate: number;
  soakCheckpoint: number;
  soakBudgetBytes: number;
  soakDeadlineMs: number | undefined;
  /** Undefined: every variant (with `quick`, the first variant of each application). */
  soakVariants: string[] | undefined;
  swapRepetitions: number;
  seed: number;
  quick: boolean;
  out: string;
  port: number;
  buildDir: string;
  skipBuild: boolean;
}

/** Parses and validates the arguments; returns undefined when `--help` was given. */
export function parseRuntimeBenchOptions(argv: readonly string[]): RuntimeBenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scenarios: { type: 'string' },
        providers: { type: 'string' },
        variants: { type: 'string' },
        'batch-sizes': { type: 'string' },
        batches: { type: 'string' },
        warmup: { type: 'string' },
        'soak-requests': { type: 'string' },
        'soak-rate': { type: 'string' },
        'soak-checkpoint': { type: 'string' },
        'soak-budget': { type: 'string' },
        'soak-deadline': { type: 'string' },
        'soak-variants': { type: 'string' },
        'swap-repetitions': { type: 'string' },
        seed: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
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
    throw new UsageError(`${message.replace(/\.+$/, '')}. Run npm run bench:runtime -- --help for the options.`);
  }
  if (values.help === true) return undefined;

  const quick = values.quick === true;
  const defaults = quick ? { ...RUNTIME_BENCH_DEFAULTS, ...QUICK_DEFAULTS } : RUNTIME_BENCH_DEFAULTS;
  const whole = (minimum: number) => (value: number) => Number.isInteger(value) && value >= minimum;

  const options: RuntimeBenchOptions = {
    scenarios: choiceList('--scenarios', values.scenarios, SCENARIOS, defaults.scenarios),
    providers: choiceList('--providers', values.providers, PROVIDERS, defaults.providers),
    variants: values.variants === undefined ? undefined : nameList('--variants', values.variants),
    batchSizes: numberList('--batch-sizes', values['batch-sizes'], defaults.batchSizes, whole(1), 'whole batch sizes >= 1'),
    batches: singleNumber('--batches', values.batches, defaults.batches, whole(1), 'a whole number of batches >= 1'),
    warmup: singleNumber('--warmup', values.warmup, defaults.warmup, whole(0), 'a whole number of batches >= 0'),
    soakRequests: singleNumber('--soak-requests', values['soak-requests'], defaults.soakRequests, whole(1), 'a whole number of requests >= 1'),
    soakRate: singleNumber('--soak-rate', values['soak-rate'], defaults.soakRate, (value) => value > 0, 'a positive number of requests per second'),
    soakCheckpoint: singleNumber('--soak-checkpoint', values['soak-checkpoint'], defaults.soakCheckpoint, whole(1), 'a whole number of requests >= 1'),
    soakBudgetBytes:
      singleNumber('--soak-budget', values['soak-budget'], defaults.soakBudgetMiB, (value) => value > 0, 'a positive number of MiB') * 2 ** 20,
    soakDeadlineMs:
      values['soak-deadline'] === undefined
        ? undefined
        : singleNumber('--soak-deadline', values['soak-deadline'], 1000, (value) => value > 0, 'a positive number of milliseconds'),
    soakVariants: values['soak-variants'] === undefined ? undefined : nameList('--soak-variants', values['soak-variants']),
    swapRepetitions: singleNumber('--swap-repetitions', values['swap-repetitions'], defaults.swapRepetitions, whole(1), 'a whole number >= 1'),
    seed: singleNumber('--seed', values.seed, defaults.seed, (value) => Number.isSafeInteger(value), 'a whole number'),
    quick,
    out: nonEmpty('--out', values.out, defaults.out),
    port: singleNumber('--port', values.port, defaults.port, (value) => Number.isInteger(value) && value >= 1 && value <= 65535, 'a port number from 1 to 65535'),
    buildDir: nonEmpty('--build-dir', values['build-dir'], defaults.buildDir),
    skipBuild: values['skip-build'] === true,
  };
  return options;
}
