// @ts-check
/**
 * `npm test`: installs what is missing (npm packages, Chromium, Debian's Fashion-MNIST files for
 * the profiler's tests), then runs the whole suite: the type check, the unit and model tests
 * (Vitest, Node), a production build, and the browser tests (Playwright, headless Chromium with
 * WebGPU on SwiftShader and with WASM).
 */
import { ensureAll, ensureFashionMnist, run } from './ensure.mjs';

ensureAll();
ensureFashionMnist();

/** @type {[title: string, command: string, args: string[]][]} */
const steps = [
  ['Type check (tsc)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['Unit and model tests (vitest)', 'npx', ['vitest', 'run']],
  ['Production build (vite build)', 'npx', ['vite', 'build', '--logLevel', 'warn']],
  ['Browser tests (playwright, headless Chromium)', 'npx', ['playwright', 'test']],
];
for (const [title, command, args] of steps) {
  console.log(`\n== ${title}`);
  try {
    run(command, args);
  } catch {
    console.error(`\n${title} failed; see the output above.`);
    process.exit(1);
  }
}
