// @ts-check
/**
 * Installs what the project's commands need on a fresh Debian machine with Node 20, saying what it
 * installs: the npm packages (npm ci) and Chromium (apt-get install -y chromium). Plain Node with
 * no npm dependencies, because it runs before they exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Path of the Chromium binary the project drives; override with CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launch flags for headless Chromium here: WebGPU needs --enable-unsafe-webgpu (it then runs on
 * SwiftShader, a fallback adapter, when there is no GPU); the rest keep Chromium from reaching out
 * to the network at start.
 */
export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * Runs a command with inherited output; throws when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').ExecFileSyncOptions} [options]
 */
export function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', cwd: root, ...options });
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNpmPackages() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('Installing npm packages with `npm ci` (node_modules is missing or older than package-lock.json)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Installs Debian's Chromium with apt-get when CHROMIUM_PATH does not exist. */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  if (process.env.CHROMIUM_PATH !== undefined) {
    throw new Error(`CHROMIUM_PATH=${chromiumPath} does not exist; point it at a Chromium binary or unset it to use /usr/bin/chromium.`);
  }
  ensureDebianPackage('chromium', chromiumPath, 'Chromium', 'about 113 MB');
}

/** Folder of Fashion-MNIST's original IDX files, from Debian's dataset-fashion-mnist package. */
export const fashionMnistFolder = '/usr/share/datasets/fashion-mnist';

/**
 * Installs Debian's Fashion-MNIST files when they are missing. The profiler's tests rebuild the
 * product validation split from them to reproduce the recorded confusion matrix.
 */
export function ensureFashionMnist() {
  ensureDebianPackage('dataset-fashion-mnist', fashionMnistFolder, 'Fashion-MNIST', 'about 30 MB');
}

/**
 * Installs a Debian package with apt-get unless `path` exists; as root only, else throws with
 * the command to run.
 * @param {string} name
 * @param {string} path
 * @param {string} what
 * @param {string} size
 */
function ensureDebianPackage(name, path, what, size) {
  if (existsSync(path)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} is missing at ${path}; install it with \`sudo apt-get install -y ${name}\`.`);
  }
  console.log(`${what} is missing at ${path}; installing it with \`apt-get install -y ${name}\` (${size})...`);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', name], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export function ensureAll() {
  ensureNpmPackages();
  ensureChromium();
}

/**
 * Splits a comma-separated `--providers` value; exits with status 2 and a message naming any
 * provider other than webgpu or wasm.
 * @param {string} text
 * @returns {('webgpu' | 'wasm')[]}
 */
export function parseProviders(text) {
  const providers = text.split(',');
  for (const provider of providers) {
    if (provider !== 'webgpu' && provider !== 'wasm') {
      console.error(`--providers contains "${provider}"; use webgpu, wasm or both, comma-separated.`);
      process.exit(2);
    }
  }
  return /** @type {('webgpu' | 'wasm')[]} */ (providers);
}
