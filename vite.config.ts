import { cpSync, createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

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

export default defineConfig({
  base: './',
  plugins: [modelsFolder()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    // The app, and the page `npm run bench:runtime` drives.
    rolldownOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        benchRuntime: resolve(import.meta.dirname, 'bench/runtime.html'),
      },
    },
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
});
