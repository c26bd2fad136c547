/**
 * `npm run bench:runtime`: measures the browser runtime in headless Chromium on each provider.
 * The scenarios are runtime overhead against raw onnxruntime-web, a long soak with heap
 * checkpoints, and swap costs. The command prints the figures with the machine, browser, adapter
 * and onnxruntime-web version, and writes them as JSON and CSV. `--help` lists the options.
 *
 * Stages:
 *   1. install what is missing and build the app and the benchmark page (`bench/runtime.html`);
 *   2. serve the build on 127.0.0.1 and launch Chromium;
 *   3. per provider, run the chosen scenarios, each in a fresh page (`bench/runtime-driver.ts`);
 *   4. summarise, print and write the figures (`bench/runtime-report.ts`).
 */

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Manifest } from '../src/core/manifest.js';
import { ensureAll, root, run } from './ensure.mjs';
import { currentLoadAverage, machineInfo } from './bench/machine.js';
import { measureRuntime, selectVariants } from './bench/runtime-driver.js';
import { HELP, OVERHEAD_TARGET, parseRuntimeBenchOptions, UsageError, type RuntimeBenchOptions } from './bench/runtime-options.js';
import {
  formatReport,
  overheadCsv,
  overheadRows,
  soakCsv,
  soakSummaries,
  swapCsv,
  swapRows,
  type RuntimeBenchReport,
} from './bench/runtime-report.js';

/**
 * Lets `performance.measureUserAgentSpecificMemory()` measure at once instead of waiting up to
 * 20 s for the next garbage collection, so the soak's checkpoints stay short.
 */
const EAGER_MEMORY_FLAG = '--enable-blink-features=ForceEagerMeasureMemory';

async function main(argv: readonly string[]): Promise<void> {
  const options = parseRuntimeBenchOptions(argv);
  if (options === undefined) {
    console.log(HELP);
    return;
  }
  const out = resolve(root, options.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${options.out} is a file. Give a folder for the results.`);
  const manifest = JSON.parse(readFileSync(join(root, 'models', 'manifest.json'), 'utf8')) as Manifest;
  const selection = selectVariants(manifest, options);

  ensureAll();
  if (!options.skipBuild) build(options);
  const buildDir = resolve(root, options.buildDir);
  if (!existsSync(join(buildDir, 'bench', 'runtime.html'))) {
    throw new UsageError(`--build-dir ${options.buildDir} has no bench/runtime.html. Build it (leave out --skip-build) or point --build-dir at a build.`);
  }

  const { servePreview, launchChromium } = await import('./headless.mjs');
  const machine = machineInfo(root);
  const startedAt = new Date().toISOString();
  const server = await servePreview(options.port, buildDir);
  const browser = await launchChromium([EAGER_MEMORY_FLAG]);
  const clock = Date.now();
  const log = (line: string): void => console.log(`[${((Date.now() - clock) / 1000).toFixed(0).padStart(4)} s] ${line}`);

  let report: RuntimeBenchReport;
  try {
    console.log(`Benchmarking the runtime at ${server.url} in Chromium ${browser.version()}; load average ${machine.loadAverage.map((value) => value.toFixed(2)).join(', ')}.`);
    const measurements = await measureRuntime(browser, server.url, options, selection, log);
    report = {
      benchmark: 'runtime',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, os: operatingSystem(), loadAverageAtEnd: currentLoadAverage() },
      browser: `Chromium ${browser.version()} headless`,
      ortVersion: (JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as { version: string }).version,
      environment: measurements.environment,
      options,
      target: OVERHEAD_TARGET,
      overhead: overheadRows(measurements.overhead),
      soak: soakSummaries(measurements.soak),
      swap: swapRows(measurements.swap, measurements.soak),
      measurements,
    };
  } finally {
    await browser.close();
    await server.close();
  }

  console.log(`\n${formatReport(report)}\n`);
  mkdirSync(out, { recursive: true });
  const files = {
    'bench-runtime.json': `${JSON.stringify(report, null, 1)}\n`,
    'bench-runtime-overhead.csv': overheadCsv(report.overhead),
    'bench-runtime-soak.csv': soakCsv(report.soak),
    'bench-runtime-swap.csv': swapCsv(report.swap),
    'bench-runtime.md': `${formatReport(report, 'markdown')}\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  console.log(`Wrote ${Object.keys(files).map((name) => join(options.out, name)).join(', ')}.`);
}

function build(options: RuntimeBenchOptions): void {
  const args = ['vite', 'build', '--logLevel', 'warn', '--outDir', options.buildDir];
  // Vite does not empty an output folder outside the repository without --emptyOutDir.
  if (options.buildDir !== 'dist') args.push('--emptyOutDir');
  run('npx', args);
}

/** Returns `PRETTY_NAME` of /etc/os-release, with Debian's point release when it is known. */
function operatingSystem(): string {
  const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(read('/etc/os-release') ?? '')?.[1] ?? process.platform;
  const debian = read('/etc/debian_version')?.trim();
  return debian === undefined ? pretty : `${pretty}, ${debian}`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`npm run bench:runtime: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
