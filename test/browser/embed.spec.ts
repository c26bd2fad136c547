/**
 * `<sneakpeek-runtime>` embedded by a page on a second origin. The test builds the library
 * (`npm run build:lib`) and starts two static servers on 127.0.0.1:
 * - origin A serves the models and onnxruntime-web's `.mjs` and `.wasm` files, with the CORS and
 *   Cross-Origin-Resource-Policy headers a cross-origin embedder needs;
 * - origin B serves the embedding page (`embed/`) and the library (`dist-lib/`), cross-origin
 *   isolated so that onnxruntime-web may use WASM threads.
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
};

interface StaticServer {
  origin: string;
  /** Paths of the requests served, in order. */
  served: string[];
  server: Server;
}

/**
 * Starts a static server on 127.0.0.1 at a free port. `folders` maps a URL prefix such as
 * `/models/` to a folder, and any other path gets a 404.
 */
async function startStaticServer(folders: Record<string, string>, headers: (request: IncomingMessage) => Record<string, string>): Promise<StaticServer> {
  const served: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
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
  return { origin: `http://127.0.0.1:${port}`, served, server };
}

let models: StaticServer;
let page: StaticServer;

test.beforeAll(async () => {
  // The spec builds the library itself, so it never tests a stale dist-lib/.
  execFileSync('npx', ['vite', 'build', '--config', 'vite.lib.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });

  page = await startStaticServer({ '/embed/': resolve(root, 'embed'), '/dist-lib/': resolve(root, 'dist-lib') }, () => ({
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }));
  models = await startStaticServer(
    { '/models/': resolve(root, 'models'), '/ort/': resolve(root, 'node_modules/onnxruntime-web/dist') },
    () => ({
      'Access-Control-Allow-Origin': page.origin,
      'Cross-Origin-Resource-Policy': 'cross-origin',
      Vary: 'Origin',
    }),
  );
});

test.afterAll(async () => {
  for (const server of [models, page]) await new Promise((done) => server?.server.close(done));
});

test('page on a second origin serves requests', async ({ browser }) => {
  const context = await browser.newContext();
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  const tab = await context.newPage();
  tab.on('pageerror', (error) => console.log(`page error: ${error.message}`));

  const query = new URLSearchParams({
    manifest: `${models.origin}/models/manifest.json`,
    'ort-base': `${models.origin}/ort/`,
    provider: 'wasm',
    records: String(RECORDS_PER_APPLICATION),
    deadline: '120000',
    'profile-runs': '1',
    headless: '',
  });
  await tab.goto(`${page.origin}/embed/index.html?${query}`);
  await tab.waitForFunction(() => window.embedDemo?.state !== 'starting', undefined, { timeout: 4 * 60 * 1000 });
  const demo = await tab.evaluate(() => window.embedDemo!);
  const isolated = await tab.evaluate(() => crossOriginIsolated);
  await context.close();

  expect(demo.error).toBeUndefined();
  expect(demo.state).toBe('done');
  expect(isolated, 'the page is cross-origin isolated').toBe(true);

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

  // onnxruntime-web's files came from ort-base on origin A, none from dist-lib on origin B.
  expect(models.served).toContain('/ort/ort-wasm-simd-threaded.jsep.wasm');
  expect(models.served).toContain('/ort/ort-wasm-simd-threaded.wasm');
  expect(page.served.filter((path) => path.endsWith('.wasm'))).toEqual([]);
});

declare global {
  interface Window {
    embedDemo?: {
      state: 'starting' | 'done' | 'failed';
      rows: { application: string; record: number; trueClass: string; outcome: Outcome }[];
      error: string | undefined;
    };
  }
}
