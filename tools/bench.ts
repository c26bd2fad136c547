/**
 * `npm run bench`: the benchmark suite. Drives the live runtime in headless Chromium through the
 * simulator's workloads for each policy and provider, and compares every run with the simulator's
 * prediction for the same trace. `--help` lists the options; `--smoke` is the short run CI uses.
 *
 * Stages, per provider, in one fresh browser context (empty IndexedDB):
 *   1. cold start: open the benchmark page, start a runtime, answer one request (models are
 *      downloaded and profiled); warm start: the same again, with models and profiles stored;
 *   2. plan each scenario's trace on the device profile the warm runtime read;
 *   3. calibration probe: fit the runtime's own cost per request (`fitRequestCost`);
 *   4. per scenario and policy, replay the trace through a fresh runtime in a fresh page, and
 *      simulate the same trace with that runtime's profile, and again charging that cost;
 *   5. runtime overhead at batch 8 for each application's most accurate variant.
 * Then it prints the tables and writes JSON, CSV, SVG charts and the Markdown report.
 */

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import type { BrowserContext, Page } from '@playwright/test';

import type { OverheadResult, PageEnvironment } from '../src/bench/results.js';
import { ReplayMode, type FirstAnswer, type SuiteRunRequest, type SuiteRunResult } from '../src/bench/suite-types.js';
import { accuracyFromEntry } from '../src/core/estimators.js';
import { ensureAll, root, run } from './ensure.mjs';
import { cpuTicks, machineInfo, stealShare } from './bench/machine.js';
import type { BenchProvider } from './bench/runtime-options.js';
import { parseSuiteOptions, SUITE_HELP, type SuiteOptions } from './bench/suite-options.js';
import {
  createCostModel,
  deviceProfileOf,
  loadSuiteApplications,
  pageTrace,
  planRuns,
  predictRun,
  simApplicationsOn,
  fitRequestCost,
  planProbe,
  PROBE_POLICY,
  simulatedArrivals,
  type SuiteApplication,
} from './bench/suite-plan.js';
import {
  differencePoints,
  formatSuite,
  liveFigures,
  runsCsv,
  simulatedFigures,
  startsCsv,
  suiteCharts,
  suiteMarkdown,
  type StartRecord,
  type RequestCostRecord,
  type SuiteOverheadRecord,
  type SuiteReport,
  type SuiteRunRecord,
} from './bench/suite-report.js';
import { UsageError } from './sim/options.js';

const PAGE = 'bench/runtime.html';
/** A cold start on the fallback adapter measures every variant; allow it. */
const START_TIMEOUT_MS = 15 * 60 * 1000;

async function main(argv: readonly string[]): Promise<void> {
  const options = parseSuiteOptions(argv);
  if (options === undefined) {
    console.log(SUITE_HELP);
    return;
  }
  const out = resolve(root, options.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${options.out} is a file. Give a folder for the results.`);
  if (options.render !== undefined) {
    const report = readSuiteReport(resolve(root, options.render), '--render', options.render);
    const missing = (['options', 'environment', 'machine', 'starts', 'overhead'] as const).filter((field) => report[field] === undefined);
    if (missing.length > 0) {
      throw new UsageError(`--render ${options.render} has no ${missing.join(', ')}. Give a complete results.json that npm run bench wrote.`);
    }
    writeResults(report, options, out);
    return;
  }
  const applications = loadSuiteApplications(root, options.apps);
  if (options.probeRequests > 0 && options.probeRequests < applications.length) {
    throw new UsageError(`--probe-requests is ${options.probeRequests}, fewer than the ${applications.length} applications served. Give at least ${applications.length}, or 0 to skip the probe.`);
  }
  // Read before anything runs, so a wrong --keep fails at once rather than after the whole suite.
  const kept = options.keep === undefined ? undefined : keptRecords(resolve(root, options.keep), options);

  ensureAll();
  if (!options.skipBuild) run('npx', ['vite', 'build', '--logLevel', 'warn']);
  const buildDir = resolve(root, options.buildDir);
  if (!existsSync(join(buildDir, PAGE))) {
    throw new UsageError(`--build-dir ${options.buildDir} has no ${PAGE}. Build it (leave out --skip-build) or point --build-dir at a build.`);
  }

  const { servePreview, launchChromium } = await import('./headless.mjs');
  const machine = machineInfo(root);
  const suiteTicks = cpuTicks();
  const startedAt = new Date().toISOString();
  const clock = Date.now();
  const log = (line: string): void => console.log(`[${((Date.now() - clock) / 1000).toFixed(0).padStart(5)} s] ${line}`);
  const server = await servePreview(options.port, buildDir);
  const browser = await launchChromium();
  const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version as string;
  try {
    log(`Serving ${server.url}; Chromium ${browser.version()}; load average ${machine.loadAverage.map((value) => value.toFixed(2)).join(', ')}.`);
    const facts = { machine: `${machine.cores}-core ${machine.cpuModel}`, browser: `Chromium ${browser.version()} headless`, ortVersion };
    const starts: StartRecord[] = [];
    const overhead: SuiteOverheadRecord[] = [];
    const runs: SuiteRunRecord[] = [];
    const requestCosts: RequestCostRecord[] = [];
    let environment: PageEnvironment | undefined;

    for (const provider of options.providers) {
      const context = await browser.newContext();
      try {
        const store = `bench-suite-${provider}`;
        const variants = applications.flatMap((application) => application.manifest.variants.map((variant) => variant.id));
        log(`${provider}: cold start (downloads and measures every model)...`);
        const cold = await firstAnswer(context, server.url, provider, store, variants);
        log(`${provider}: cold start ${(cold.firstAnswerMs / 1000).toFixed(1)} s; warm start...`);
        const warm = await firstAnswer(context, server.url, provider, store, variants);
        log(`${provider}: warm start ${(warm.firstAnswerMs / 1000).toFixed(1)} s.`);
        starts.push(startRecord(provider, cold, warm));
        environment ??= await withPage(context, server.url, (page) => page.evaluate(() => window.sneakpeekRuntimeBench!.environment()));

        const deviceCosts = createCostModel(deviceProfileOf(warm.ready, facts));
        const deviceApplications = simApplicationsOn(applications, deviceCosts);
        const replay = async (policy: SuiteRunRequest['policy'], mode: SuiteRunRequest['mode'], arrivals: Parameters<typeof pageTrace>[0]) => {
          const request: SuiteRunRequest = { provider, policy, variants, memoryBudgetBytes: options.memoryBudgetBytes, storeName: store, mode, trace: pageTrace(arrivals) };
          const before = cpuTicks();
          const result = await withPage(context, server.url, (page) => page.evaluate((request) => window.sneakpeekSuite!.run(request), request));
          const cpuSteal = stealShare(before, cpuTicks());
          checkRun(result, request);
          return { ...result, ...(cpuSteal === undefined ? {} : { cpuSteal }) };
        };

        let requestCostMs: number | undefined;
        if (options.probeRequests > 0) {
          const probe = planProbe(options, deviceApplications);
          const result = await replay(PROBE_POLICY, ReplayMode.Open, probe);
          const costs = createCostModel(deviceProfileOf(result.ready, facts));
          const fit = fitRequestCost(simApplicationsOn(applications, costs), costs, probe, result.rows, options);
          requestCosts.push({ provider, ...fit, ...(result.cpuSteal === undefined ? {} : { cpuSteal: result.cpuSteal }) });
          requestCostMs = fit.requestCostMs;
          log(
            `${provider}: calibration probe of ${fit.requests} requests took ${fit.liveMs.toFixed(0)} ms live and ${fit.simulatedWithoutCostMs.toFixed(0)} ms simulated; fitted to it, the runtime's own cost per request is ${requestCostMs.toFixed(3)} ms.`,
          );
        }

        for (const plannedRun of planRuns(options, deviceApplications)) {
          for (const policy of options.policies) {
            const result = await replay(policy, plannedRun.mode, plannedRun.arrivals);
            const costs = createCostModel(deviceProfileOf(result.ready, facts));
            const simApplications = simApplicationsOn(applications, costs);
            const arrivals = simulatedArrivals(plannedRun, result.rows);
            const live = liveFigures(result.rows, result.afterWarmup, result.stats);
            const simulated = simulatedFigures(predictRun(simApplications, costs, arrivals, policy, options));
            const simulatedWithRequestCost = requestCostMs === undefined ? undefined : simulatedFigures(predictRun(simApplications, costs, arrivals, policy, options, requestCostMs));
            const record: SuiteRunRecord = {
              provider,
              scenario: plannedRun.scenario,
              load: plannedRun.load,
              policy,
              startupMs: result.startupMs,
              ...(result.cpuSteal === undefined ? {} : { cpuSteal: result.cpuSteal }),
              live,
              simulated,
              differencePoints: differencePoints(live, simulated),
              ...(simulatedWithRequestCost === undefined
                ? {}
                : { simulatedWithRequestCost, differenceWithRequestCostPoints: differencePoints(live, simulatedWithRequestCost) }),
            };
            runs.push(record);
            log(
              `${provider} ${plannedRun.scenario}${plannedRun.load === undefined ? '' : ` load ${plannedRun.load}`} ${policy}: effective accuracy ${live.effectiveAccuracy.toFixed(3)} (simulated ${simulated.effectiveAccuracy.toFixed(3)}${simulatedWithRequestCost === undefined ? '' : `, with the probe's cost ${simulatedWithRequestCost.effectiveAccuracy.toFixed(3)}`}), transit p50 ${live.transitP50.toFixed(2)} p99 ${live.transitP99.toFixed(2)} ms, deadlines met ${live.deadlineSatisfaction.toFixed(3)}, p99 ${live.latencyP99.toFixed(1)} ms, dropped ${JSON.stringify(live.dropReasons)}, submit lag p99 ${live.submitLagP99.toFixed(1)} ms${result.cpuSteal === undefined ? '' : `, CPU steal ${(100 * result.cpuSteal).toFixed(0)}%`}`,
            );
          }
        }

        for (const variantId of overheadVariants(applications)) {
          const result = await withPage(context, server.url, (page) =>
            page.evaluate(
              (request) => window.sneakpeekRuntimeBench!.overhead(request),
              { provider, variantId, batchSizes: [8], batches: options.overheadBatches, warmup: 2, storeName: store },
            ),
          );
          overhead.push(overheadRecord(result));
        }
        log(`${provider}: overhead measured for ${overheadVariants(applications).join(', ')}.`);
      } finally {
        await context.close();
      }
    }

    const suiteSteal = stealShare(suiteTicks, cpuTicks());
    const report: SuiteReport = {
      benchmark: 'suite',
      command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      ...(suiteSteal === undefined ? {} : { cpuSteal: suiteSteal }),
      browser: `Chromium ${browser.version()} headless`,
      environment: environment!,
      ortVersion,
      options: kept === undefined ? options : { ...options, providers: kept.providers },
      applications: applications.map((application) => application.manifest.id),
      starts: [...(kept?.starts ?? []), ...starts],
      overhead: [...(kept?.overhead ?? []), ...overhead],
      runs: [...(kept?.runs ?? []), ...runs],
      requestCosts: [...(kept?.requestCosts ?? []), ...requestCosts],
      ...(kept === undefined || kept.runs.length + kept.starts.length + kept.overhead.length === 0 ? {} : { keptFrom: kept.source }),
    };
    writeResults(report, options, out);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Reads an earlier run's figures for the providers this run does not measure. */
function keptRecords(file: string, options: SuiteOptions): Pick<SuiteReport, 'starts' | 'overhead' | 'runs' | 'requestCosts'> & { providers: BenchProvider[]; source: string } {
  const earlier = readSuiteReport(file, '--keep', options.keep!);
  const other = (provider: string): boolean => !options.providers.includes(provider as BenchProvider);
  const providers = [...(earlier.options?.providers ?? []).filter(other), ...options.providers];
  return {
    starts: (earlier.starts ?? []).filter((record) => other(record.provider)),
    overhead: (earlier.overhead ?? []).filter((record) => other(record.provider)),
    runs: earlier.runs.filter((record) => other(record.provider)),
    requestCosts: (earlier.requestCosts ?? []).filter((record) => other(record.provider)),
    providers,
    source: `${earlier.command ?? 'npm run bench'} (${earlier.startedAt ?? 'unknown time'}, commit ${earlier.machine?.commit?.slice(0, 7) ?? 'unknown'})`,
  };
}

/** Reads the results.json of an earlier run for `option`, or throws a usage error that names what is wrong with it. */
function readSuiteReport(file: string, option: string, path: string): SuiteReport {
  if (!existsSync(file)) throw new UsageError(`${option} ${path} does not exist. Give the results.json of an earlier npm run bench.`);
  let earlier: Partial<SuiteReport>;
  try {
    earlier = JSON.parse(readFileSync(file, 'utf8')) as Partial<SuiteReport>;
  } catch (error) {
    throw new UsageError(`${option} ${path} could not be read as JSON (${error instanceof Error ? error.message : String(error)}). Give the results.json of an earlier npm run bench.`);
  }
  if (earlier?.benchmark !== 'suite' || !Array.isArray(earlier.runs)) {
    throw new UsageError(`${option} ${path} is not the results.json of npm run bench. Give the results.json that npm run bench wrote to its --out folder.`);
  }
  return earlier as SuiteReport;
}

/** Opens the benchmark page with `?first-answer` and returns what it measured. */
async function firstAnswer(context: BrowserContext, baseUrl: string, provider: BenchProvider, store: string, variants: string[]): Promise<FirstAnswer> {
  const page = await context.newPage();
  try {
    const query = new URLSearchParams({ provider, store, variants: variants.join(',') });
    await page.goto(new URL(`${PAGE}?first-answer&${query}`, baseUrl).href);
    await page.waitForFunction(() => window.sneakpeekFirstAnswer !== undefined, undefined, { timeout: START_TIMEOUT_MS, polling: 250 });
    const result = await page.evaluate(() => window.sneakpeekFirstAnswer!);
    if ('error' in result) throw new Error(`The first request on ${provider} failed: ${result.error}`);
    if (result.provider !== provider) throw new Error(`The runtime was asked for ${provider} but ran on ${result.provider}.`);
    return result;
  } finally {
    await page.close();
  }
}

async function withPage<T>(context: BrowserContext, baseUrl: string, body: (page: Page) => Promise<T>): Promise<T> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  try {
    await page.goto(new URL(PAGE, baseUrl).href);
    await page.waitForFunction(() => window.sneakpeekSuite !== undefined && window.sneakpeekRuntimeBench !== undefined, undefined, { timeout: 60_000 });
    return await body(page);
  } finally {
    await page.close();
  }
}

function startRecord(provider: string, cold: FirstAnswer, warm: FirstAnswer): StartRecord {
  const count = (record: Record<string, string>, value: string): number => Object.values(record).filter((source) => source === value).length;
  return {
    provider,
    coldMs: cold.firstAnswerMs,
    warmMs: warm.firstAnswerMs,
    coldStartupMs: cold.startupMs,
    warmStartupMs: warm.startupMs,
    coldNetworkModels: count(cold.sources, 'network'),
    warmCachedModels: count(warm.sources, 'indexeddb'),
    warmStoredProfiles: count(warm.profileSources, 'stored'),
  };
}

/** Checks that every request has one row and that the runtime's counts agree with the rows. */
function checkRun(result: SuiteRunResult, request: SuiteRunRequest): void {
  const ids = new Set(result.rows.map((row) => row.id));
  if (result.rows.length !== request.trace.length || ids.size !== request.trace.length) {
    throw new Error(`The page returned ${result.rows.length} rows (${ids.size} distinct) for ${request.trace.length} requests of ${request.policy}.`);
  }
  const accepted = result.rows.filter((row) => row.status !== 'rejected').length;
  const dropped = (stats: SuiteRunResult['stats']): number => Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);
  const before = result.afterWarmup;
  const after = result.stats;
  const counted = { accepted: after.accepted - before.accepted, completed: after.completed - before.completed, dropped: dropped(after) - dropped(before) };
  if (counted.accepted !== accepted || counted.completed + counted.dropped !== accepted || after.open !== 0) {
    throw new Error(
      `The runtime counted ${counted.accepted} accepted, ${counted.completed} completed, ${counted.dropped} dropped and ${after.open} open after the warm-up, but the page saw ${accepted} accepted requests of ${request.policy}.`,
    );
  }
}

/** Returns each application's most accurate variant by profiled accuracy: the one that serves most under light load. */
function overheadVariants(applications: readonly SuiteApplication[]): string[] {
  return applications.map((application) => {
    const accuracy = (id: string): number => accuracyFromEntry(application.manifest.variants.find((variant) => variant.id === id)!).profiledAccuracy;
    const ids = application.manifest.variants.map((variant) => variant.id).sort((left, right) => accuracy(right) - accuracy(left) || left.localeCompare(right));
    return ids[0]!;
  });
}

function overheadRecord(result: OverheadResult): SuiteOverheadRecord {
  const samples = result.samples[0]!;
  const median = (values: readonly number[]): number => {
    const sorted = [...values].sort((left, right) => left - right);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  const rawP50 = median(samples.rawMs);
  const runtimeP50 = median(samples.runtimeMs);
  return { provider: result.provider, variantId: result.variantId, batchSize: samples.batchSize, rawP50, runtimeP50, ratio: runtimeP50 / rawP50 };
}

function writeResults(report: SuiteReport, options: SuiteOptions, out: string): void {
  mkdirSync(out, { recursive: true });
  const files: Record<string, string> = {
    'results.json': `${JSON.stringify(report, null, 1)}\n`,
    'runs.csv': runsCsv(report),
    'starts.csv': startsCsv(report),
    ...suiteCharts(report),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  console.log(`\n${formatSuite(report, 'text')}\n`);
  console.log(`Wrote ${Object.keys(files).map((name) => join(options.out, name)).join(', ')}.`);
  if (options.docs !== undefined) {
    const docs = resolve(root, options.docs);
    mkdirSync(dirname(docs), { recursive: true });
    // Charts go beside the report, so the document shows them wherever the results folder is.
    const chartFolder = join(dirname(docs), 'benchmarks');
    const charts = suiteCharts(report);
    if (Object.keys(charts).length > 0) {
      mkdirSync(chartFolder, { recursive: true });
      for (const [name, text] of Object.entries(charts)) writeFileSync(join(chartFolder, name), text);
    }
    writeFileSync(docs, suiteMarkdown(report, Object.keys(charts).length > 0 ? relative(dirname(docs), chartFolder) : undefined));
    console.log(`Wrote ${options.docs}${Object.keys(charts).length > 0 ? ` and its charts in ${relative(root, chartFolder)}` : ''}.`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`npm run bench: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
