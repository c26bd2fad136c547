/**
 * `npm run sim`: runs the scheduling policy and its baselines in the discrete-event simulator on
 * recorded model outputs and a measured device profile, prints one table per workload and writes
 * results.json, runs.csv, summary.csv and estimators.csv. `npm run sim -- --help` lists the
 * options.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { resolveJointEstimatorOptions } from '../src/core/estimation/joint-estimator.js';
import { resolvePriorTrackerOptions } from '../src/core/estimation/prior-tracker.js';
import { resolvePolicyOptions } from '../src/core/policy-options.js';
import { applicationCapacity, runExperiment } from '../src/core/simulator/experiment.js';
import { resolveBurstOptions } from '../src/core/workloads/arrivals.js';
import { loadSimInputs } from './sim/inputs.js';
import { HELP, parseSimOptions, UsageError } from './sim/options.js';
import { cellRow, compareWithProfiled, renderWorkload, runRows, summarizeCells, summarizeEstimators, toCsv } from './sim/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function main(): void {
  const options = parseSimOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(HELP);
    return;
  }
  const started = performance.now();

  const inputs = loadSimInputs(root, options.manifest, options.profile, options.apps);
  const policyOptions = resolvePolicyOptions({
    memoryBudgetBytes: options.memoryBudgetBytes,
    swapMargin: options.swapMargin,
    maxQueueDelayMs: options.maxQueueDelayMs,
  });

  const progress = (text: string): void => {
    if (!options.quiet) process.stderr.write(text);
  };
  progress(`Device profile: ${inputs.costs.source}\n`);
  for (const application of inputs.applications) {
    const { ratePerMs, referenceLatencyMs } = applicationCapacity(application);
    progress(
      `Application "${application.id}": ${application.variants.length} variants, capacity ${(ratePerMs * 1000).toFixed(0)} requests/s, reference latency ${referenceLatencyMs.toFixed(3)} ms, ${application.recorded.test.labels.length} test records\n`,
    );
  }

  const result = runExperiment({
    applications: inputs.applications,
    costs: inputs.costs,
    requestsPerApplication: options.requests,
    deadlineRange: options.deadlineRange,
    bursts: resolveBurstOptions({ rateRatio: options.burstRatio }),
    jointOptions: resolveJointEstimatorOptions(),
    trackerOptions: resolvePriorTrackerOptions(),
    workloads: options.workloads,
    loads: options.loads,
    seeds: options.seeds,
    policies: options.policies,
    policyOptions,
    onRun: (record, done, total) =>
      progress(`\r${done}/${total} runs (${record.workload}, load ${record.load}, seed ${record.seed}, ${record.policy})`.padEnd(90)),
  });
  progress('\n');
  const elapsedSeconds = (performance.now() - started) / 1000;

  const cells = summarizeCells(result.runs);
  const comparisons = compareWithProfiled(result.runs);
  const estimators = summarizeEstimators(result.estimators);
  for (const workload of options.workloads) {
    console.log(`\n${renderWorkload(workload, cells, comparisons, estimators)}`);
  }

  const out = resolve(root, options.out);
  mkdirSync(out, { recursive: true });
  const settings = {
    command: `npm run sim -- ${process.argv.slice(2).join(' ')}`.trim(),
    finishedAt: new Date().toISOString(),
    elapsedSeconds,
    machine: `${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}`,
    deviceProfile: { path: inputs.profilePath, source: inputs.costs.source },
    manifest: inputs.manifestPath,
    applications: inputs.applications.map((application) => ({ id: application.id, ...applicationCapacity(application) })),
    options: { ...options, memoryBudgetBytes: options.memoryBudgetBytes },
    policyOptions,
  };
  writeFileSync(join(out, 'results.json'), `${JSON.stringify({ settings, cells, comparisons, estimators, runs: result.runs, estimatorRuns: result.estimators }, null, 1)}\n`);
  writeFileSync(join(out, 'runs.csv'), toCsv(result.runs.flatMap(runRows)));
  writeFileSync(join(out, 'summary.csv'), toCsv(cells.map(cellRow)));
  writeFileSync(join(out, 'estimators.csv'), toCsv(result.estimators.map((record) => ({ ...record }))));
  console.log(`\n${result.runs.length} runs in ${elapsedSeconds.toFixed(1)} s on ${settings.machine}. Wrote results.json, runs.csv, summary.csv and estimators.csv to ${out}.`);
}

try {
  main();
} catch (error) {
  if (error instanceof UsageError || error instanceof RangeError || error instanceof TypeError) {
    console.error(`npm run sim: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
