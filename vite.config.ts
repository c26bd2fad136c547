import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { formatPolicy } from './src/pwa/csp.js';

const modelsDir = resolve(import.meta.dirname, 'models');

/**
 * Cross-origin isolation lets onnxruntime-web use WASM threads; without these headers it silently
 * runs on one thread.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.u8': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
};

/** Serves `models/` at `/models/` in development and copies it into the build. */
function modelsFolder(): Plugin {
  return {
    name: 'sneakpeek-models-folder',
    configureServer(server) {
      server.middlewares.use('/models', (request, response, next) => {
        const path = resolve(modelsDir, `.${decodeURIComponent((request.url ?? '/').split('?')[0]!)}`);
        if (!path.startsWith(modelsDir + sep) || !existsSync(path) || !statSync(path).isFile()) return next();
        response.setHeader('Content-Type', contentTypes[extname(path)] ?? 'application/octet-stream');
        createReadStream(path).pipe(response);
      });
    },
    writeBundle(options) {
      cpSync(modelsDir, join(options.dir ?? 'dist', 'models'), { recursive: true });
    },
  };
}

/** Pages of the app by build entry name. Both link the web app manifest; the benchmark page does not. */
const appPages = { main: 'index.html', replay: 'replay.html' };

/**
 * The page that registers the service worker: the kiosk, the app's start page. The replay page is
 * precached and works offline once the kiosk has installed the service worker, but it does not
 * install it itself. `npm start`, `npm run measure` and the start-up benchmark drive the replay
 * page in fresh browser profiles, where a 55 MiB precache download would disturb their timings.
 */
const registeringPage = appPages.main;

/**
 * The web app manifest. `display_override` requests the whole screen, as a kiosk wants; a browser
 * without fullscreen apps falls back to a standalone window.
 */
const webAppManifest = {
  id: './',
  name: 'SneakPeek runtime',
  short_name: 'SneakPeek',
  description: 'Serves inference requests of several applications on one device, offline, under deadlines.',
  lang: 'en',
  start_url: './',
  scope: './',
  display: 'standalone',
  display_override: ['fullscreen', 'standalone', 'minimal-ui'],
  orientation: 'any',
  theme_color: '#0b5cad',
  background_color: '#f5f6f8',
  icons: [
    { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
  ],
};

/**
 * Emits `manifest.webmanifest`, links it from the app's pages and adds the service worker's
 * registration to the start page. vite-plugin-pwa would link its manifest from every page, the
 * benchmark page included, so it is given none. The tags are added before Vite processes the
 * page, so the registration module is bundled with the page's own script.
 */
function installableApp(): Plugin {
  return {
    name: 'sneakpeek-installable-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler(_html, context) {
        const page = context.path.replace(/^\//, '');
        if (!Object.values(appPages).includes(page)) return [];
        const manifestLink = { tag: 'link', attrs: { rel: 'manifest', href: './manifest.webmanifest' }, injectTo: 'head' } as const;
        if (page !== registeringPage) return [manifestLink];
        return [manifestLink, { tag: 'script', attrs: { type: 'module', src: '/src/pwa/register.ts' }, injectTo: 'head' }];
      },
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'manifest.webmanifest', source: JSON.stringify(webAppManifest, undefined, 2) });
    },
  };
}

/** Returns the CSP hash source of an inline script's or style's text. */
function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Writes the Content-Security-Policy into every built page as the first tag after `<meta charset>`,
 * with the hashes of the page's inline scripts and styles. The preview server sends the same
 * policy as a header on every response that is not a page, because a worker script takes its
 * policy from its own response. Only the build gets the policy: the development server injects
 * inline styles and scripts for hot reloading.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'sneakpeek-content-security-policy',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        if (context.server !== undefined) return html;
        // Inline style attributes and event handlers would need 'unsafe-hashes', so the build rejects them.
        const attribute = /<[a-z][^>]*\s(style|on[a-z]+)\s*=/i.exec(html);
        if (attribute !== null) {
          throw new Error(`${context.path} has an inline ${attribute[1]} attribute, which the Content-Security-Policy blocks; move it to a stylesheet or a module script.`);
        }
        const scripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => hashSource(match[1]!));
        const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((match) => hashSource(match[1]!));
        const meta = `<meta http-equiv="Content-Security-Policy" content="${formatPolicy({ scripts, styles })}" />`;
        if (!/<meta charset[^>]*>/i.test(html)) throw new Error(`${context.path} has no <meta charset>; the Content-Security-Policy tag goes right after it.`);
        return html.replace(/<meta charset[^>]*>/i, (charset) => `${charset}\n    ${meta}`);
      },
    },
    configurePreviewServer(server) {
      const policy = formatPolicy();
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '/').split('?')[0]!;
        if (!path.endsWith('/') && !path.endsWith('.html')) response.setHeader('Content-Security-Policy', policy);
        next();
      });
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [
    modelsFolder(),
    installableApp(),
    contentSecurityPolicy(),
    VitePWA({
      strategies: 'generateSW',
      // The kiosk imports src/pwa/register.ts, so the plugin injects nothing.
      injectRegister: false,
      manifest: false,
      workbox: {
        globPatterns: [
          '*.{html,svg,webmanifest}',
          'icons/*.png',
          'assets/*.{js,css,wasm}',
          'models/manifest.json',
          'models/*/predictions.json',
          'models/*/test-*.{u8,f32}',
        ],
        // The benchmark page and its entry chunk are not part of the app.
        globIgnores: ['bench/**', 'assets/benchRuntime-*.js'],
        // The largest precached file is onnxruntime-web's JSEP .wasm (about 29.5 MB); see docs/pwa.md.
        maximumFileSizeToCacheInBytes: 31 * 1024 * 1024,
        // Query strings select a workload or start a replay; the page itself is the same file.
        ignoreURLParametersMatching: [/.*/],
        navigateFallback: null,
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
        inlineWorkboxRuntime: true,
        sourcemap: false,
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    // The app's two pages, and the page that `npm run bench:runtime` and `npm run bench` drive.
    rolldownOptions: {
      input: {
        main: resolve(import.meta.dirname, appPages.main),
        replay: resolve(import.meta.dirname, appPages.replay),
        benchRuntime: resolve(import.meta.dirname, 'bench/runtime.html'),
      },
    },
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
});
