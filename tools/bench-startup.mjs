// @ts-check
/**
 * `node tools/bench-startup.mjs`: times `createRuntime` in headless Chromium with and without
 * stored profiles, per provider, and prints the figures. Nothing is asserted; the figures go to
 * docs/benchmarks-startup.md.
 *
 * Per provider and repeat, in one page and a fresh pair of IndexedDB databases:
 *   1. a first start: downloads the models and measures every profile;
 *   2. a start with `profile: 'always'`: models from IndexedDB, every profile measured again;
 *   3. a start with `profile: 'auto'`: models and profiles from IndexedDB.
 * Starts 2 and 3 differ only in profiling, so their difference is what stored profiles save.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAll, parseProviders, root, run } from './ensure.mjs';

const HELP = `Usage: node tools/bench-startup.mjs [options]

Times createRuntime() in headless Chromium: a first start, a start that measures every profile
again (models cached), and a start that reads stored profiles, per provider.

Options:
  --providers LIST   comma-separated providers, of "webgpu" and "wasm"   default: webgpu,wasm
  --repeats N        fresh databases per provider                       default: 3
  --runs N           timed runs per batch size when measuring (profileRuns)
                                                                        default: 3
  --variants LIST    comma-separated variant ids to serve (an application with none
                     selected is not served)                            default: every variant
  --skip-build       use the existing dist/
  --help             print this text`;

const { values } = parseArgs({
  options: {
    providers: { type: 'string', default: 'webgpu,wasm' },
    repeats: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    variants: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const providers = parseProviders(values.providers);
const variants = values.variants === undefined ? {} : { variants: values.variants.split(',') };
const repeats = Number(values.repeats);
const runs = Number(values.runs);
for (const [name, value] of [['--repeats', repeats], ['--runs', runs]]) {
  if (!Number.isInteger(value) || Number(value) < 1) {
    console.error(`${name} ${String(value)} is not a whole number ≥ 1.`);
    process.exit(2);
  }
}

ensureAll();
if (!values['skip-build']) run('npx', ['vite', 'build', '--logLevel', 'warn']);

const { servePreview, launchChromium } = await import('./headless.mjs');
const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
const server = await servePreview(4191);
const browser = await launchChromium();

/** @typedef {{ totalMs: number, profilingMs: number, measured: number, stored: number, provider: string, providerNote: string }} StartTiming */

/**
 * Starts and disposes one runtime in the page. Returns its start time, the time from the first
 * 'profile' progress event to 'ready' (profiling plus preloading), and the number of profiles
 * measured and read.
 * @param {import('@playwright/test').Page} page
 * @param {Record<string, unknown>} options
 * @returns {Promise<StartTiming>}
 */
function timeStart(page, options) {
  return page.evaluate(async (options) => {
    /** @type {number | undefined} */
    let profileStarted;
    let readyAt = 0;
    const started = performance.now();
    const runtime = await window.sneakpeek.createRuntime(options, (progress) => {
      if (progress.stage === 'profile') profileStarted ??= performance.now();
      if (progress.stage === 'ready') readyAt = performance.now();
    });
    const totalMs = performance.now() - started;
    const all = [...runtime.ready.profiles, ...runtime.ready.sneakpeekProfiles];
    const timing = {
      totalMs,
      profilingMs: readyAt - (profileStarted ?? readyAt),
      measured: all.filter((profile) => profile.source === 'measured').length,
      stored: all.filter((profile) => profile.source === 'stored').length,
      provider: runtime.ready.provider,
      providerNote: runtime.ready.providerNote,
    };
    await runtime.dispose();
    return timing;
  }, options);
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** @param {number} ms */
const seconds = (ms) => (ms / 1000).toFixed(2).padStart(7);

const kinds = /** @type {const} */ ([
  ['first start', {}],
  ['models cached, profile always', { profile: 'always' }],
  ['models cached, profiles stored', { profile: 'auto' }],
]);

try {
  console.log(`Machine: ${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`);
  console.log(`Browser: Chromium ${browser.version()} headless; onnxruntime-web ${ortVersion}; profileRuns ${runs}`);
  console.log(`Variants: ${values.variants ?? 'every variant in the manifest'}; load average at start: ${loadavg().map((value) => value.toFixed(1)).join(', ')}`);
  for (const provider of providers) {
    /** @type {Record<string, StartTiming[]>} */
    const timings = {};
    let note = '';
    for (let repeat = 0; repeat < repeats; repeat++) {
      const page = await browser.newPage();
      await page.goto(new URL('replay.html', server.url).href);
      await page.waitForFunction(() => window.sneakpeek !== undefined);
      const storeName = `bench-startup-${provider}-${Date.now()}-${repeat}`;
      for (const [kind, extra] of kinds) {
        const timing = await timeStart(page, { provider, storeName, profileRuns: runs, ...variants, ...extra });
        if (timing.provider !== provider) throw new Error(`Asked for ${provider} but the runtime ran on ${timing.provider}: ${timing.providerNote}`);
        note = timing.providerNote;
        (timings[kind] ??= []).push(timing);
        console.log(`  ${provider} repeat ${repeat + 1}, ${kind}: ${seconds(timing.totalMs)} s (${timing.measured} measured, ${timing.stored} stored)`);
      }
      await page.close();
    }

    console.log(`\n${provider}: ${note}`);
    console.log(`${'start'.padEnd(32)} ${'median s'.padStart(8)} ${'min s'.padStart(7)} ${'max s'.padStart(7)} ${'profiling+preload s'.padStart(20)}  measured/stored`);
    for (const [kind] of kinds) {
      const list = timings[kind] ?? [];
      const totals = list.map((timing) => timing.totalMs);
      const profiling = list.map((timing) => timing.profilingMs);
      const counts = `${list[0]?.measured ?? 0}/${list[0]?.stored ?? 0}`;
      console.log(
        `${kind.padEnd(32)} ${seconds(median(totals)).padStart(8)} ${seconds(Math.min(...totals))} ${seconds(Math.max(...totals))} ${seconds(median(profiling)).padStart(20)}  ${counts}`,
      );
    }
    console.log(`load average after ${provider}: ${loadavg().map((value) => value.toFixed(1)).join(', ')}\n`);
  }
} finally {
  await browser.close();
  await server.close();
}
