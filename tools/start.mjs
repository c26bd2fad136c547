// @ts-check
/**
 * `npm start`: installs what is missing, builds the app, serves it on 127.0.0.1 with the
 * cross-origin isolation headers, and replays a workload of real test images headlessly in
 * Chromium, printing the summary. With --once it exits after the summary; otherwise it keeps
 * serving so the page can be opened in a browser.
 */
import { parseArgs } from 'node:util';
import { ensureAll, run } from './ensure.mjs';

const HELP = `Usage: npm start -- [options]

Builds the app, serves it on 127.0.0.1 and replays real Fashion-MNIST test images as requests
in headless Chromium, then prints effective accuracy, deadline satisfaction, provider and swaps.

Options:
  --once               exit after the summary instead of serving on
  --workload NAME      "default" (light, heavy, light; swaps and accuracy scaling) or "light"
                       (light load, generous deadlines)            default: default
  --requests N         requests to replay                          default: 1200
  --provider NAME      "auto" (WebGPU if an adapter exists, else WASM), "webgpu" or "wasm"
                                                                   default: auto
  --budget BYTES       device memory budget for resident variants  default: room for the largest
                                                                   and the smallest variant
  --seed N             seed of the arrival process                 default: 1
  --port N             port of the preview server (the next free one if taken)
                                                                   default: 4173
  --skip-build         serve the existing dist/ without rebuilding
  --help               print this text`;

const OPTIONS = /** @type {const} */ ({
  once: { type: 'boolean', default: false },
  workload: { type: 'string', default: 'default' },
  requests: { type: 'string', default: '1200' },
  provider: { type: 'string', default: 'auto' },
  budget: { type: 'string' },
  seed: { type: 'string', default: '1' },
  port: { type: 'string', default: '4173' },
  'skip-build': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
});

/**
 * Prints the problem with an option and exits with status 2, as for any usage error.
 * @param {string} message
 * @returns {never}
 */
function usageError(message) {
  console.error(`${message}; see npm start -- --help.`);
  process.exit(2);
}

/** @type {ReturnType<typeof parseArgs<{ options: typeof OPTIONS, strict: true }>>['values']} */
let values;
try {
  ({ values } = parseArgs({ options: OPTIONS, strict: true }));
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}

if (values.help) {
  console.log(HELP);
  process.exit(0);
}
for (const [name, value] of [['requests', values.requests], ['seed', values.seed], ['port', values.port], ['budget', values.budget]]) {
  if (value !== undefined && !/^\d+$/.test(value)) usageError(`--${name} ${value} is not a whole number ≥ 0`);
}
if (Number(values.requests) < 1) usageError(`--requests ${values.requests} must be at least 1`);
if (Number(values.port) < 1 || Number(values.port) > 65535) usageError(`--port ${values.port} is not a port; use a number from 1 to 65535`);
if (Number(values.budget ?? 1) < 1) usageError(`--budget ${values.budget} must be a positive number of bytes`);
if (!['default', 'light'].includes(values.workload)) usageError(`--workload "${values.workload}" is unknown; use "default" or "light"`);
if (!['auto', 'webgpu', 'wasm'].includes(values.provider)) usageError(`--provider "${values.provider}" is unknown; use "auto", "webgpu" or "wasm"`);

ensureAll();
if (!values['skip-build']) {
  console.log('Building the app (vite build)...');
  run('npx', ['vite', 'build', '--logLevel', 'warn']);
}

const { servePreview, launchChromium, replayInBrowser } = await import('./headless.mjs');
const server = await servePreview(Number(values.port));
console.log(`Serving the app at ${server.url} (open it in a browser; cross-origin isolated).`);

const query = new URLSearchParams({ workload: values.workload, requests: values.requests, provider: values.provider, seed: values.seed });
if (values.budget !== undefined) query.set('budget', values.budget);

const browser = await launchChromium();
let failed = false;
try {
  console.log(`Replaying workload "${values.workload}" (${values.requests} requests) in headless Chromium ${browser.version()}...`);
  const published = await replayInBrowser(browser, server.url, query.toString());
  if (published.state === 'failed') {
    console.error(`The replay failed: ${published.error}`);
    failed = true;
  } else {
    printSummary(published, browser.version());
  }
} finally {
  await browser.close();
}

if (values.once || failed) {
  await server.close();
  process.exit(failed ? 1 : 0);
}
console.log(`Still serving at ${server.url}; press Ctrl+C to stop.`);

/**
 * Prints the replay's figures as plain text.
 * @param {import('../src/ui/replay-app.js').PublishedReplay} published
 * @param {string} browserVersion
 */
function printSummary(published, browserVersion) {
  const { report, stats } = published;
  if (report === undefined || stats === undefined) throw new Error('The page reported no figures although the replay is done.');
  const summary = report.summary;
  const percent = (/** @type {number} */ value) => `${(100 * value).toFixed(2)}%`;
  const lines = [
    '',
    `Summary of workload "${report.workload}" (${summary.requests} requests, ${(report.durationMs / 1000).toFixed(1)} s):`,
    `  browser                Chromium ${browserVersion}, headless`,
    `  provider               ${stats.provider} (${stats.providerNote})`,
    `  effective accuracy     ${percent(summary.effectiveAccuracy)}  (correct and on time, of all requests)`,
    `  deadline satisfaction  ${percent(summary.deadlineSatisfaction)}`,
    `  served accuracy        ${percent(summary.servedAccuracy)}  (recorded accuracy of ${report.bestVariant} on these images: ${percent(report.recordedBestAccuracy)})`,
    `  completed / dropped    ${summary.completed} / ${summary.dropped}`,
    `  batches                ${stats.batches} (mean size ${(stats.batchedRequests / Math.max(1, stats.batches)).toFixed(2)})`,
    `  swaps                  ${stats.swaps} (${stats.evictions} evictions; memory budget ${stats.memoryBudgetBytes} bytes)`,
    `  deadline               ${report.deadlineMs.toFixed(1)} ms per request; load factor 1 = ${report.capacityPerSecond.toFixed(1)} requests/s`,
    '',
    '  phase          requests  effective  on time  dropped  served by',
  ];
  for (const [phase, figures] of Object.entries(summary.byPhase)) {
    const servedBy = Object.entries(figures.servedByVariant).map(([variant, count]) => `${variant} ${count}`).join(', ');
    lines.push(
      `  ${phase.padEnd(14)} ${String(figures.requests).padStart(8)}  ${percent(figures.effectiveAccuracy).padStart(9)}  ${percent(figures.deadlineSatisfaction).padStart(7)}  ${String(figures.dropped).padStart(7)}  ${servedBy}`,
    );
  }
  if (stats.modelProblems.length > 0) {
    lines.push('', '  models not served:');
    for (const problem of stats.modelProblems) lines.push(`    ${problem.modelId}: ${problem.message}`);
  }
  console.log(lines.join('\n'));
}
