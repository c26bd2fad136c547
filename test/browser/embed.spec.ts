/**
 * `<sneakpeek-runtime>` embedded by a page on a second origin. The spec builds the library
 * (`npm run build:lib`), and each test starts two static servers on 127.0.0.1:
 * - origin A serves the models and onnxruntime-web's `.mjs` and `.wasm` files, with the CORS and
 *   Cross-Origin-Resource-Policy headers a cross-origin embedder needs;
 * - origin B serves the embedding page (`embed/`) and the library (`dist-lib/`), cross-origin
 *   isolated (so onnxruntime-web may use WASM threads) or not.
 * The page on B loads everything model-related from A, submits test records of every application
 * and gets their outcomes, and no request goes anywhere but the two servers.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import type { Outcome } from '../../src/protocol/messages.js';

const root = resolve(import.meta.dirname, '../..');
const RECORDS_PER_APPLICATION = 4;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.u8': 'application/octet-stream',
  '.f32': 'application/octet-stream',
  '.css': 'text/css; charset=utf-8',
};

/** Path on origin B that receives Content-Security-Policy violation reports. */
const CSP_REPORT_PATH = '/csp-report';

interface StaticServer {
  origin: string;
  /** Paths of the requests served, in order. */
  served: string[];
  /** Bodies of the Content-Security-Policy violation reports posted to `CSP_REPORT_PATH`. */
  violations: string[];
  server: Server;
}

/**
 * Starts a static server on 127.0.0.1 at a free port. `folders` maps a URL prefix such as
 * `/models/` to a folder, and any other path gets a 404. A POST to `CSP_REPORT_PATH` is kept as a
 * violation report.
 */
async function startStaticServer(folders: Record<string, string>, headers: (request: IncomingMessage) => Record<string, string>): Promise<StaticServer> {
  const served: string[] = [];
  const violations: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (request.method === 'POST' && path === CSP_REPORT_PATH) {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        violations.push(body);
        response.statusCode = 204;
        response.end();
      });
      return;
    }
    served.push(path);
    const prefix = Object.keys(folders).find((candidate) => path.startsWith(candidate));
    const folder = prefix === undefined ? undefined : folders[prefix]!;
    const file = folder === undefined ? undefined : resolve(folder, `.${path.slice(prefix!.length - 1)}`);
    const found = file !== undefined && file.startsWith(folder + sep) && statSync(file, { throwIfNoEntry: false })?.isFile() === true;
    for (const [name, value] of Object.entries(headers(request))) response.setHeader(name, value);
    if (!found || request.method !== 'GET') {
      response.statusCode = found ? 405 : 404;
      response.end();
      return;
    }
    response.setHeader('Content-Type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, served, violations, server };
}

/**
 * Returns the strictest Content-Security-Policy the embedding page runs under, sent on every
 * response of origin B because a worker takes its policy from its own script's response.
 * `'wasm-unsafe-eval'` lets onnxruntime-web compile its `.wasm`, and models and `.wasm` files come
 * from origin A (`connect-src`). With `ort-base` on origin A, onnxruntime-web 1.31.1 imports its
 * `.mjs` from there (`script-src`). Where it runs WASM threads (a cross-origin isolated page), it
 * fetches that `.mjs`, imports it from a `blob:` URL and starts its threads from that URL.
 * NOTE: onnxruntime-web picks min(4, ceil(cores / 2)) threads, so on two cores it runs one and the
 * `blob:` sources go untested.
 */
function embedderPolicy(models: string, ortBase: boolean, isolated: boolean): string {
  const ortScripts = ortBase ? ` ${models}` : '';
  const blob = ortBase && isolated ? ' blob:' : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${ortScripts}${blob}`,
    `worker-src 'self'${blob}`,
    `connect-src 'self' ${models}`,
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `report-uri ${CSP_REPORT_PATH}`,
  ].join('; ');
}

/** Ways to embed: onnxruntime-web's files from `ort-base` on origin A, or from dist-lib/ beside the element. */
const CASES = [
  { name: 'isolated page, ort-base on the models origin', ortBase: true, isolated: true, headless: true },
  { name: 'plain page, onnxruntime-web from dist-lib', ortBase: false, isolated: false, headless: false },
] as const;

const servers: StaticServer[] = [];

test.beforeAll(() => {
  // The spec builds the library itself, so it never tests a stale dist-lib/.
  execFileSync('npx', ['vite', 'build', '--config', 'vite.lib.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
});

test.afterAll(async () => {
  for (const { server } of servers) await new Promise((done) => server.close(done));
});

for (const { name, ortBase, isolated, headless } of CASES) {
  test(`second origin serves requests: ${name}`, async ({ browser }) => {
    // Origin A: the models and onnxruntime-web's files, readable by origin B once it is known.
    let embedder = '';
    const models = await startStaticServer({ '/models/': resolve(root, 'models'), '/ort/': resolve(root, 'node_modules/onnxruntime-web/dist') }, () => ({
      'Access-Control-Allow-Origin': embedder,
      'Cross-Origin-Resource-Policy': 'cross-origin',
      Vary: 'Origin',
    }));
    // Origin B: the embedding page and the library, under a strict CSP, cross-origin isolated or not.
    const isolation: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    const policy = embedderPolicy(models.origin, ortBase, isolated);
    const page = await startStaticServer({ '/embed/': resolve(root, 'embed'), '/dist-lib/': resolve(root, 'dist-lib') }, () => ({
      ...isolation,
      'Content-Security-Policy': policy,
    }));
    embedder = page.origin;
    servers.push(page, models);

    const context = await browser.newContext();
    const requested: string[] = [];
    context.on('request', (request) => requested.push(request.url()));
    const tab = await context.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (error) => pageErrors.push(error.message));

    const query = new URLSearchParams({
      manifest: `${models.origin}/models/manifest.json`,
      provider: 'wasm',
      records: String(RECORDS_PER_APPLICATION),
      deadline: '120000',
      'profile-runs': '1',
    });
    if (ortBase) query.set('ort-base', `${models.origin}/ort/`);
    if (headless) query.set('headless', '');
    await tab.goto(`${page.origin}/embed/index.html?${query}`);
    await tab.waitForFunction(() => window.embedDemo?.state !== 'starting', undefined, { timeout: 4 * 60 * 1000 });
    const demo = await tab.evaluate(() => window.embedDemo!);
    const crossOriginIsolated = await tab.evaluate(() => globalThis.crossOriginIsolated);
    // Names of the views inside the element that rendered content.
    const views = await tab.evaluate(() =>
      [...document.querySelector('sneakpeek-runtime')!.shadowRoot!.querySelectorAll('sneakpeek-request-view, sneakpeek-schedule-view')]
        .filter((view) => (view.shadowRoot?.textContent ?? '').trim().length > 0)
        .map((view) => view.localName),
    );
    await context.close();

    expect(demo.error).toBeUndefined();
    expect(demo.state).toBe('done');
    expect(pageErrors).toEqual([]);
    expect(page.violations, `violations of ${policy}`).toEqual([]);
    expect(crossOriginIsolated, 'whether the page is cross-origin isolated').toBe(isolated);
    expect(views, 'views rendered inside the element').toEqual(headless ? [] : ['sneakpeek-request-view', 'sneakpeek-schedule-view']);

    // One completed outcome per request, with a class of its application, and the class the served
    // variant predicted for that record at training time.
    const manifest = JSON.parse(readFileSync(resolve(root, 'models/manifest.json'), 'utf8')) as Manifest;
    expect(demo.rows).toHaveLength(manifest.applications.length * RECORDS_PER_APPLICATION);
    for (const application of manifest.applications) {
      const predictions = JSON.parse(readFileSync(resolve(root, 'models', application.testSet!.predictionsFile), 'utf8')) as Record<string, number[]>;
      const rows = demo.rows.filter((row) => row.application === application.id);
      expect(rows.map((row) => row.record).sort(), `records of ${application.id}`).toEqual([...Array(RECORDS_PER_APPLICATION).keys()]);
      for (const row of rows) {
        const outcome = row.outcome;
        expect(outcome.status, `outcome of ${application.id} record ${row.record}`).toBe('completed');
        if (outcome.status !== 'completed') continue;
        expect(application.classes, `label of ${application.id} record ${row.record}`).toContain(outcome.label);
        expect(outcome.classIndex, `class of ${application.id} record ${row.record} on ${outcome.variantId}`).toBe(predictions[outcome.variantId]![row.record]);
      }
    }

    // Every request went to one of the two servers, worker requests included.
    const foreign = requested.filter((url) => !url.startsWith(`${models.origin}/`) && !url.startsWith(`${page.origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requested.some((url) => url.endsWith('.onnx')), 'model downloads, made in the scheduler worker, were observed').toBe(true);

    // onnxruntime-web's .wasm files came from ort-base when it was set, else from dist-lib/.
    const wasmFromModels = models.served.filter((path) => path.endsWith('.wasm')).sort();
    const wasmFromPage = page.served.filter((path) => path.endsWith('.wasm'));
    if (ortBase) {
      expect(wasmFromModels).toEqual(['/ort/ort-wasm-simd-threaded.jsep.wasm', '/ort/ort-wasm-simd-threaded.wasm']);
      expect(wasmFromPage).toEqual([]);
    } else {
      expect(wasmFromModels).toEqual([]);
      expect(wasmFromPage).toHaveLength(2);
      for (const path of wasmFromPage) expect(path).toMatch(/^\/dist-lib\/assets\/ort-wasm-simd-threaded[.-]/);
    }
  });
}

declare global {
  interface Window {
    embedDemo?: {
      state: 'starting' | 'done' | 'failed';
      rows: { application: string; record: number; trueClass: string; outcome: Outcome }[];
      error: string | undefined;
    };
  }
}
