/**
 * `npm run evaluate`: runs every simulation of docs/evaluation.md with `npm run sim`. It then
 * writes the page's generated parts from the results: the tables between
 * `<!-- evaluate:begin ID -->` and `<!-- evaluate:end ID -->` markers, one SVG chart per study and
 * workload under docs/evaluation/, and each study's summary CSV beside the charts. The prose
 * around the markers is written by hand and left alone.
 *
 * Stages: pick the studies (all, or those named with --only); run `npm run sim` for each into
 * results/evaluation/<id>/ (skipped with --reuse when results exist); render. Each study's tables
 * also go to docs/evaluation/<id>.json, which is committed, so the summary over every study and
 * --reuse work in a fresh clone.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { PolicyName } from '../src/core/baselines/catalog.js';
import { ESTIMATOR_KINDS } from '../src/core/estimation/estimator-set.js';
import type { Interval } from '../src/core/simulator/statistics.js';
import { renderPlot, type PlotPanel } from './sim/plot.js';
import type { CellSummary, Comparison, EstimatorSummary } from './sim/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE = join(root, 'docs', 'evaluation.md');
const FIGURES = join(root, 'docs', 'evaluation');
const RESULTS = join(root, 'results', 'evaluation');

/** Arguments every study shares: five seeds, every policy. */
const COMMON_ARGS = ['--seeds', '1,2,3,4,5', '--requests', '2000', '--policies', 'all'];
const LOADS = '0.5,1,1.5,2,3';

interface Study {
  id: string;
  title: string;
  args: readonly string[];
}

export const STUDIES: readonly Study[] = [
  { id: 'product', title: 'Product recognition alone', args: ['--apps', 'product', '--workload', 'control,shift,burst', '--load', LOADS] },
  { id: 'weather', title: 'Weather alone', args: ['--apps', 'weather', '--workload', 'control,shift,burst', '--load', LOADS] },
  { id: 'spam', title: 'Spam filtering alone', args: ['--apps', 'spam', '--workload', 'control,shift,burst', '--load', LOADS] },
  {
    id: 'mixed',
    title: 'Three applications on one device',
    args: ['--apps', 'product,weather,spam', '--workload', 'control,shift,mixed', '--load', LOADS],
  },
  {
    id: 'mixed-memory',
    title: 'Three applications on one device, 16 MiB budget',
    args: ['--apps', 'product,weather,spam', '--workload', 'shift', '--load', LOADS, '--memory-budget', '16'],
  },
  {
    id: 'specialists',
    title: 'Product recognition with specialist variants',
    args: [
      '--manifest',
      'models/study/manifest.json',
      '--profile',
      'models/profiles/study-node-wasm.json',
      '--apps',
      'product',
      '--workload',
      'control,shift',
      '--load',
      LOADS,
    ],
  },
  {
    id: 'product-webgpu',
    title: 'Product recognition on the Chromium WebGPU profile (SwiftShader, a fallback adapter)',
    args: ['--apps', 'product', '--profile', 'models/profiles/chromium-webgpu.json', '--workload', 'control,shift', '--load', LOADS],
  },
];

/** The policies of each chart panel, in legend order. */
const ESTIMATOR_PANEL: readonly PolicyName[] = ['sneakpeek', 'sneakpeek-em', 'joint', 'advantage-batches', 'profiled', 'profiled-deployment', 'oracle'];
const BASELINE_PANEL: readonly PolicyName[] = [
  'sneakpeek',
  'no-batching',
  'priority-order',
  'no-swap-margin',
  'no-arrival-cost',
  'fifo-accurate',
  'fifo-fastest',
  'edf-accurate',
  'edf-fastest',
  'infaas',
  'clipper-aimd',
  'load-switching',
];

const HELP = `Usage: npm run evaluate -- [options]

Runs the simulations of docs/evaluation.md with npm run sim and rewrites the page's generated
tables, its charts (docs/evaluation/*.svg) and summary CSV files. Hand-written text is kept.

Options:
  --only LIST   studies to run and render, comma-separated, of:
${STUDIES.map((study) => `                  ${study.id.padEnd(15)} ${study.title}`).join('\n')}
                default: every study
  --reuse       render from results/evaluation/<id>/results.json, or from the committed
                docs/evaluation/<id>.json, where one exists, instead of simulating again
  --jobs N      worker threads passed to npm run sim
                default: npm run sim's default
  --help        print this text`;

interface StudyResults {
  settings: { command: string; elapsedSeconds: number; machine: string; deviceProfile: { source: string }; finishedAt: string };
  cells: CellSummary[];
  comparisons: Comparison[];
  estimators: EstimatorSummary[];
}

function main(): void {
  let values: { only?: string; reuse?: boolean; jobs?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { only: { type: 'string' }, reuse: { type: 'boolean' }, jobs: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RangeError(`${message}${message.endsWith('.') ? '' : '.'} Run npm run evaluate -- --help for the options.`);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const known = new Map(STUDIES.map((study) => [study.id, study]));
  const selected = values.only === undefined ? STUDIES : values.only.split(',').map((id) => {
    const study = known.get(id.trim());
    if (study === undefined) throw new RangeError(`Unknown study "${id}". Known studies: ${[...known.keys()].join(', ')}.`);
    return study;
  });
  if (values.jobs !== undefined && !(Number.isInteger(Number(values.jobs)) && Number(values.jobs) >= 1)) {
    throw new RangeError(`--jobs is "${values.jobs}". Give a whole number of worker threads >= 1.`);
  }
  const jobs = values.jobs === undefined ? [] : ['--jobs', values.jobs];

  mkdirSync(FIGURES, { recursive: true });
  let page = readFileSync(PAGE, 'utf8');
  for (const study of selected) {
    const out = join(RESULTS, study.id);
    const resultsFile = join(out, 'results.json');
    if (!(values.reuse && readStudy(study) !== undefined)) {
      const args = ['run', 'sim', '--', ...study.args, ...COMMON_ARGS, ...jobs, '--quiet', '--out', `results/evaluation/${study.id}`];
      console.error(`\n$ npm ${args.join(' ')}`);
      const run = spawnSync('npm', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
      if (run.status !== 0) throw new Error(`npm run sim failed for study "${study.id}" with exit code ${String(run.status)}.`);
    }
    const results = readStudy(study) as StudyResults;
    if (existsSync(resultsFile)) {
      copyFileSync(join(out, 'summary.csv'), join(FIGURES, `${study.id}-summary.csv`));
      const { settings, cells, comparisons, estimators } = results;
      // Full precision: means such as 0.9245 sit on a rounding edge, so rounded copies print differently.
      writeFileSync(join(FIGURES, `${study.id}.json`), `${JSON.stringify({ settings, cells, comparisons, estimators })}\n`);
    }
    page = replaceSection(page, study.id, renderStudy(study, results));
  }
  // The summary covers every study with results, fresh or committed, so a partial run keeps the others.
  const available = STUDIES.flatMap((study) => {
    const results = readStudy(study);
    return results === undefined ? [] : [{ study, results }];
  });
  page = replaceSection(page, 'summary', renderSummary(available));
  writeFileSync(PAGE, page);
  console.error(`Rewrote ${PAGE} and the charts under ${FIGURES}.`);
}

/**
 * Returns a study's results: the simulator's results.json when it exists, else the summary the
 * page committed beside its charts (docs/evaluation/<id>.json), else undefined.
 */
function readStudy(study: Study): StudyResults | undefined {
  for (const file of [join(RESULTS, study.id, 'results.json'), join(FIGURES, `${study.id}.json`)]) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StudyResults;
  }
  return undefined;
}

/** Renders one study's generated section and writes its charts. */
function renderStudy(study: Study, results: StudyResults): string {
  const workloads = [...new Set(results.cells.map((cell) => cell.workload))];
  const loads = [...new Set(results.cells.map((cell) => cell.load))].sort((left, right) => left - right);
  const lines: string[] = [
    '',
    `Command (${results.settings.elapsedSeconds.toFixed(0)} s on ${results.settings.machine}, ${results.settings.finishedAt.slice(0, 10)}):`,
    '',
    '```sh',
    results.settings.command.replace(/ --quiet/, ''),
    '```',
    '',
    `Device profile: ${results.settings.deviceProfile.source}.`,
    '',
  ];

  for (const workload of workloads) {
    const cells = results.cells.filter((cell) => cell.workload === workload);
    const chart = `${study.id}-${workload}.svg`;
    writeFileSync(
      join(FIGURES, chart),
      renderPlot({
        title: `${study.title}: workload "${workload}"`,
        metric: 'effective accuracy',
        bounds: [0, 1],
        panels: [panel('Estimators (this policy)', ESTIMATOR_PANEL, cells), panel('Ablations and baselines', BASELINE_PANEL, cells)],
      }),
    );
    lines.push(`#### Workload \`${workload}\``, '', `![Effective accuracy against load, ${study.id}, ${workload}](evaluation/${chart})`, '');
    lines.push('Effective accuracy (correct and on time, over every request), mean ± half-width of the 95% interval over seeds:', '');
    lines.push(...metricTable(cells, loads, (cell) => cell.metrics.effectiveAccuracy, 3));
    lines.push('', 'Deadline satisfaction (completed on time, over every request):', '');
    lines.push(...metricTable(cells, loads, (cell) => cell.metrics.deadlineSatisfaction, 3));
    lines.push('', 'Accuracy of served requests, swaps, mean batch size and total utility, mean over seeds:', '');
    lines.push(...detailTable(cells, loads));

    const comparisons = results.comparisons.filter((comparison) => comparison.workload === workload);
    if (comparisons.length > 0) {
      lines.push('', 'Effective accuracy of each data-aware estimator minus `profiled`, paired by seed, in points:', '');
      lines.push('| load | policy | difference | 95% interval | oracle headroom | share of headroom |', '|---:|---|---:|---|---:|---:|');
      for (const comparison of comparisons) {
        lines.push(
          `| ${comparison.load} | \`${comparison.policy}\` | ${points(comparison.difference.mean)} | [${points(comparison.difference.low)}, ${points(comparison.difference.high)}] | ${comparison.oracleHeadroom === undefined ? 'n/a' : points(comparison.oracleHeadroom)} | ${comparison.headroomShare === undefined ? 'n/a' : `${(comparison.headroomShare * 100).toFixed(0)}%`} |`,
        );
      }
    }

    const quality = results.estimators.filter((summary) => summary.workload === workload);
    if (quality.length > 0) {
      lines.push('', 'Estimator quality against realised correctness over every request and variant (lower is better), mean over loads and seeds:', '');
      lines.push(`| application | ${ESTIMATOR_KINDS.map((kind) => `${kind} Brier | ${kind} ECE`).join(' | ')} |`);
      lines.push(`|---|${ESTIMATOR_KINDS.map(() => '---:|---:').join('|')}|`);
      for (const application of [...new Set(quality.map((summary) => summary.application))]) {
        const cellsOut = ESTIMATOR_KINDS.map((kind) => {
          const summary = quality.find((candidate) => candidate.application === application && candidate.estimator === kind);
          return summary === undefined ? 'n/a | n/a' : `${summary.brier.toFixed(4)} | ${summary.ece.toFixed(4)}`;
        });
        lines.push(`| ${application === '*' ? 'all' : application} | ${cellsOut.join(' | ')} |`);
      }
    }
    lines.push('');
  }
  lines.push(`Every figure of every load and policy: [${study.id}-summary.csv](evaluation/${study.id}-summary.csv).`, '');
  return lines.join('\n');
}

/** The baselines, for the summary's best-baseline column. */
const BASELINES: readonly PolicyName[] = ['fifo-accurate', 'fifo-fastest', 'edf-accurate', 'edf-fastest', 'infaas', 'clipper-aimd', 'load-switching'];
const SUMMARY_LOADS = [1, 2, 3];

/** Renders one table over every study: this policy, the best baseline and the oracle, and SneakPeek minus profiled. */
function renderSummary(studies: readonly { study: Study; results: StudyResults }[]): string {
  const lines = [
    '',
    `Effective accuracy at loads ${SUMMARY_LOADS.join(', ')}: \`sneakpeek\` (this policy), the best of the seven baselines in that cell, and the oracle; then \`sneakpeek\` and \`advantage-batches\` minus \`profiled\`, in points with the 95% interval. Bold marks an interval that excludes 0.`,
    '',
    '| study | workload | load | this policy | best baseline | oracle | SneakPeek − profiled | advantage batches − profiled |',
    '|---|---|---:|---:|---|---:|---|---|',
  ];
  for (const { study, results } of studies) {
    const workloads = [...new Set(results.cells.map((cell) => cell.workload))];
    for (const workload of workloads) {
      for (const load of SUMMARY_LOADS) {
        const cellOf = (policy: PolicyName) => results.cells.find((cell) => cell.workload === workload && cell.load === load && cell.policy === policy);
        const ours = cellOf('sneakpeek');
        const oracle = cellOf('oracle');
        if (ours === undefined || oracle === undefined) continue;
        let best: CellSummary | undefined;
        for (const policy of BASELINES) {
          const cell = cellOf(policy);
          if (cell !== undefined && (best === undefined || cell.metrics.effectiveAccuracy.mean > best.metrics.effectiveAccuracy.mean)) best = cell;
        }
        const difference = (policy: PolicyName): string => {
          const comparison = results.comparisons.find((entry) => entry.workload === workload && entry.load === load && entry.policy === policy);
          if (comparison === undefined) return 'n/a';
          const text = `${points(comparison.difference.mean)} [${points(comparison.difference.low)}, ${points(comparison.difference.high)}]`;
          return comparison.difference.low > 0 || comparison.difference.high < 0 ? `**${text}**` : text;
        };
        const accuracy = (cell: CellSummary): string => `${cell.metrics.effectiveAccuracy.mean.toFixed(3)} ±${cell.metrics.effectiveAccuracy.halfWidth.toFixed(3)}`;
        lines.push(
          `| ${study.id} | ${workload} | ${load} | ${accuracy(ours)} | ${best === undefined ? 'n/a' : `${accuracy(best)} \`${best.policy}\``} | ${oracle.metrics.effectiveAccuracy.mean.toFixed(3)} | ${difference('sneakpeek')} | ${difference('advantage-batches')} |`,
        );
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}

function panel(title: string, policies: readonly PolicyName[], cells: readonly CellSummary[]): PlotPanel {
  return {
    title,
    series: policies
      .filter((policy) => cells.some((cell) => cell.policy === policy))
      .map((policy) => ({
        label: policy,
        points: cells.filter((cell) => cell.policy === policy).map((cell) => ({ load: cell.load, value: cell.metrics.effectiveAccuracy })),
      })),
  };
}

function metricTable(cells: readonly CellSummary[], loads: readonly number[], pick: (cell: CellSummary) => Interval, digits: number): string[] {
  const policies = [...new Set(cells.map((cell) => cell.policy))];
  const lines = [`| policy | ${loads.map((load) => `load ${load}`).join(' | ')} |`, `|---|${loads.map(() => '---:').join('|')}|`];
  for (const policy of policies) {
    const row = loads.map((load) => {
      const cell = cells.find((candidate) => candidate.policy === policy && candidate.load === load);
      if (cell === undefined) return 'n/a';
      const interval = pick(cell);
      return Number.isNaN(interval.halfWidth) ? interval.mean.toFixed(digits) : `${interval.mean.toFixed(digits)} ±${interval.halfWidth.toFixed(digits)}`;
    });
    lines.push(`| \`${policy}\` | ${row.join(' | ')} |`);
  }
  return lines;
}

function detailTable(cells: readonly CellSummary[], loads: readonly number[]): string[] {
  const policies = [...new Set(cells.map((cell) => cell.policy))];
  const lines = [`| policy | ${loads.map((load) => `load ${load}`).join(' | ')} |`, `|---|${loads.map(() => '---:').join('|')}|`];
  for (const policy of policies) {
    const row = loads.map((load) => {
      const cell = cells.find((candidate) => candidate.policy === policy && candidate.load === load);
      if (cell === undefined) return 'n/a';
      const m = cell.metrics;
      return `${m.servedAccuracy.mean.toFixed(3)} / ${m.swaps.mean.toFixed(1)} / ${m.meanBatchSize.mean.toFixed(1)} / ${m.totalUtility.mean.toFixed(0)}`;
    });
    lines.push(`| \`${policy}\` | ${row.join(' | ')} |`);
  }
  lines.push('', 'Each cell: served accuracy / swaps / mean batch size / total utility.');
  return lines;
}

function points(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const value = fraction * 100;
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)}`;
}

/** Replaces the text between a study's markers, or appends a new marked section at the end. */
function replaceSection(page: string, id: string, body: string): string {
  const begin = `<!-- evaluate:begin ${id} -->`;
  const end = `<!-- evaluate:end ${id} -->`;
  const start = page.indexOf(begin);
  const stop = page.indexOf(end);
  if (start === -1 || stop === -1 || stop < start) {
    return `${page.trimEnd()}\n\n${begin}\n${body}\n${end}\n`;
  }
  return `${page.slice(0, start + begin.length)}\n${body}\n${page.slice(stop)}`;
}

try {
  main();
} catch (error) {
  console.error(`npm run evaluate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof RangeError || (error instanceof TypeError && 'code' in error) ? 2 : 1);
}
