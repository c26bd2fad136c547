/**
 * Library build (`npm run build:lib`): `<sneakpeek-runtime>` and the runtime's API as one ES
 * module, `dist-lib/sneakpeek-runtime.js`, with the scheduler and inference workers and
 * onnxruntime-web's `.wasm` files beside it in `dist-lib/assets/`. A site serves the whole folder
 * from its own origin, because browsers load worker scripts only from the page's origin.
 *
 * Vite's library mode (`build.lib`) would inline every asset as a data URL, the 30 MB `.wasm`
 * files included, so this is an ordinary build with a script entry that keeps its exports.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  publicDir: false,
  worker: { format: 'es' },
  build: {
    outDir: 'dist-lib',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: { 'sneakpeek-runtime': resolve(import.meta.dirname, 'src/lib.ts') },
      preserveEntrySignatures: 'strict',
      output: { entryFileNames: '[name].js' },
    },
  },
});
