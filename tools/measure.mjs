// @ts-check
/**
 * `npm run measure`: measures every model's load cost and batch service times in headless
 * Chromium, through the live runtime's own start-up profiling, and writes one device profile per
 * provider to models/profiles/ (the format of src/core/device-profile.ts) for the simulator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAll, parseProviders, root, run } from './ensure.mjs';

const HELP = `Usage: npm run measure -- [options]

Measures load cost and service time at batch sizes 1 to 32 of every model in models/manifest.json,
in headless Chromium, and writes models/profiles/chromium-<provider>.json.

Options:
  --providers LIST   comma-separated providers to measure, of "webgpu" and "wasm"
                                                          default: webgpu,wasm
  --runs N           timed runs per batch size             default: 10
  --machine TEXT     machine description stored with the figures
                                                          default: "<cores>-core <CPU model>, no GPU"
  --skip-build       use the existing dist/
  --help             print this text`;

const { values } = parseArgs({
  options: {
    providers: { type: 'string', default: 'webgpu,wasm' },
    runs: { type: 'string', default: '10' },
    machine: { type: 'string' },
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
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs ${values.runs} is not a whole number ≥ 1.`);
  process.exit(2);
}
const machine = values.machine ?? `${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, no GPU`;

ensureAll();
if (!values['skip-build']) run('npx', ['vite', 'build', '--logLevel', 'warn']);

const { servePreview, launchChromium } = await import('./headless.mjs');
const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
const server = await servePreview(4190);
const browser = await launchChromium();
try {
  for (const provider of providers) {
    console.log(`Measuring every model on ${provider} (${runs} runs per batch size)...`);
    const page = await browser.newPage();
    await page.goto(new URL('replay.html', server.url).href);
    await page.waitForFunction(() => window.sneakpeek !== undefined);
    const ready = await page.evaluate(
      async ({ provider, runs }) => {
        const runtime = await window.sneakpeek.createRuntime({
          provider: /** @type {'webgpu' | 'wasm'} */ (provider),
          profileRuns: runs,
          memoryBudgetBytes: 2 ** 31,
          storeName: `measure-${Date.now()}`,
        });
        const info = runtime.ready;
        await runtime.dispose();
        return info;
      },
      { provider, runs },
    );
    if (ready.provider !== provider) throw new Error(`Asked for ${provider} but the runtime ran on ${ready.provider}: ${ready.providerNote}`);

    /** @type {import('../src/core/device-profile.js').DeviceProfile} */
    const profile = {
      measuredAt: new Date().toISOString(),
      machine,
      browser: `Chromium ${browser.version()} headless`,
      provider,
      adapter: provider === 'webgpu' ? ready.providerNote : 'none (WASM)',
      ortVersion,
      models: {},
    };
    for (const measured of ready.profiles) {
      profile.models[measured.variantId] = {
        application: measured.application,
        role: 'variant',
        loadMs: [measured.loadMs],
        latencyMs: measured.samples,
      };
    }
    for (const measured of ready.sneakpeekProfiles) {
      profile.models[measured.modelId] = { application: measured.application, role: 'sneakpeek', loadMs: [], latencyMs: measured.samples };
    }

    const folder = join(root, 'models', 'profiles');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `chromium-${provider}.json`);
    writeFileSync(file, `${JSON.stringify(profile, (key, value) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value), 1)}\n`);
    console.log(`Wrote ${file} (${ready.providerNote}).`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
