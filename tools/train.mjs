// Retrains the product-recognition models (`npm run train`).
//
// 1. Checks for the Fashion-MNIST files and for PyTorch and ONNX in Debian's Python.
// 2. Installs whatever is missing with apt-get, after one `apt-get update`.
// 3. Runs tools/train/train_product.py, passing on any extra arguments
//    (`npm run train -- --help` lists them).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Debian's interpreter: the `python3` first on the PATH may be another one without python3-torch.
const PYTHON = '/usr/bin/python3';
const DATASET_DIR = '/usr/share/datasets/fashion-mnist';
const DATASET_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAINING_SCRIPT = path.join(REPO_ROOT, 'tools', 'train', 'train_product.py');

const DATASET_INSTALL = ['install', '-y', 'dataset-fashion-mnist'];
const TORCH_INSTALL = ['install', '-y', '--no-install-recommends', 'python3-torch', 'python3-onnx'];

function missingDatasetFiles() {
  return DATASET_FILES.filter((name) => !existsSync(path.join(DATASET_DIR, name)));
}

function pythonHasTorchAndOnnx() {
  if (!existsSync(PYTHON)) return false;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' });
  return probe.status === 0;
}

function runOrExit(command, args, description) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) {
    console.error(`${description} failed: cannot run ${command} (${result.error.message}).`);
    process.exit(1);
  }
  if (result.status !== 0) {
    const ending = result.signal ? `signal ${result.signal}` : `exit status ${result.status}`;
    console.error(`${description} failed with ${ending}: ${command} ${args.join(' ')}`);
    process.exit(result.status || 1);
  }
}

function installMissingPackages() {
  const installs = [];
  const missingFiles = missingDatasetFiles();
  if (missingFiles.length > 0) {
    installs.push({ args: DATASET_INSTALL, reason: `${DATASET_DIR}/${missingFiles[0]} is missing` });
  }
  if (!pythonHasTorchAndOnnx()) {
    installs.push({ args: TORCH_INSTALL, reason: `${PYTHON} cannot import torch and onnx` });
  }
  if (installs.length === 0) return;

  const commands = installs.map(({ args }) => `apt-get ${args.join(' ')}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(
      `Missing packages (${installs.map(({ reason }) => reason).join('; ')}), and apt-get needs root. ` +
        `Run as root: apt-get update && ${commands.join(' && ')}; then rerun npm run train.`,
    );
    process.exit(1);
  }

  console.log('Running apt-get update before installing missing packages.');
  runOrExit('apt-get', ['update'], 'apt-get update');
  for (const [index, { args, reason }] of installs.entries()) {
    console.log(`Installing with ${commands[index]} because ${reason}.`);
    runOrExit('apt-get', args, commands[index]);
  }

  if (missingDatasetFiles().length > 0 || !pythonHasTorchAndOnnx()) {
    console.error(
      `The packages installed, but ${DATASET_DIR} or ${PYTHON} with torch and onnx is still missing. ` +
        'Check the apt-get output above.',
    );
    process.exit(1);
  }
}

installMissingPackages();
console.log(`Running ${PYTHON} ${path.relative(REPO_ROOT, TRAINING_SCRIPT)}`);
const training = spawnSync(PYTHON, [TRAINING_SCRIPT, ...process.argv.slice(2)], { stdio: 'inherit', cwd: REPO_ROOT });
if (training.error) {
  console.error(`Cannot run ${PYTHON}: ${training.error.message}`);
  process.exit(1);
}
if (training.signal) {
  console.error(`The training script stopped on signal ${training.signal}.`);
  process.exit(1);
}
process.exit(training.status ?? 1);
