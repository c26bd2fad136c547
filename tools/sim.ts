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

import { PAUSE_FACTOR } from '../src/core/simulator/device-costs.js';
import { applicationCapacity, deviceReference, gridCells, type EstimatorRecord, type ExperimentResult, type RunRecord } from '../src/core/simulator/experiment.js';
import { TraceFileError } from '../src/core/workloads/trace-file.js';
import { buildCellSpec, runPreparedCell, type CellSpecData } from './sim/cell-spec.js';
import { readTraceFile } from './sim/inputs.js';
import { HELP, parseSimOptions, UsageError } from './sim/options.js';
import { runCellsInWorkers } from './sim/pool.js';
import { offeredLoad } from './sim/trace-cell.js';
import { cellRow, compareWithProfiled, renderWorkload, runRows, summarizeCells, summarizeEstimators, toCsv } from './sim/report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const options = parseSimOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(HELP);
    return;
  }
  const started = performance.now();

  const data: CellSpecData = {
    root,
    manifest: options.manifest,
    profile: options.profile,
    apps: options.apps,
    requests: options.requests,
    deadlineRange: options.deadlineRange,
    burstRatio: options.burstRatio,
    policies: options.policies,
    memoryBudgetBytes: options.memoryBudgetBytes,
    swapMargin: options.swapMargin,
    maxQueueDelayMs: options.maxQueueDelayMs,
    batchSizes: options.batchSizes,
    trace: options.trace === undefined ? undefined : readTraceFile(root, options.trace),
  };
  // Built here too, so bad input fails before any worker starts.
  const { spec, inputs } = buildCellSpec(data);

  const progress = (text: string): void => {
    if (!options.quiet) process.stderr.write(text);
  };
  progress(`Device profile: ${inputs.costs.source}\n`);
  if (inputs.costs.pausesLeftOut > 0) {
    progress(`Left out ${inputs.costs.pausesLeftOut} latency samples above ${PAUSE_FACTOR} times their batch size's median as pauses of the measuring process\n`);
  }
  for (const application of inputs.applications) {
    const { ratePerMs, referenceLatencyMs } = applicationCapacity(application);
    progress(
      `Application "${application.id}": ${application.variants.length} variants, capacity ${(ratePerMs * 1000).toFixed(0)} requests/s, reference latency ${referenceLatencyMs.toFixed(3)} ms, ${application.recorded.test.labels.length} test records\n`,
    );
  }

  const device = deviceReference(inputs.applications);
  progress(
    `At load 1 each application arrives at ${(device.ratePerMs * 1000).toFixed(0)} requests/s; deadlines are ${options.deadlineRange[0]} to ${options.deadlineRange[1]} times ${device.referenceLatencyMs.toFixed(3)} ms\n`,
  );

  // A trace file replaces the load factors, and its own offered load labels its cells.
  const loads = data.trace === undefined ? options.loads : [offeredLoad(inputs.applications, data.trace.rows)];
  if (data.trace !== undefined) {
    progress(`Trace ${data.trace.source}: ${data.trace.rows.length} requests, offered load ${loads[0]}; deadlines given in the file override the range above\n`);
  }

  // The output folder is made before simulating, so a bad --out fails before the work is done.
  const out = resolve(root, options.out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out ${out} cannot be used as a folder (${error instanceof Error ? error.message : String(error)}). Pass a new or existing folder.`);
  }

  // Each cell is one trace shared by every policy; cells run in parallel and merge in grid order.
  const cells = gridCells({ workloads: options.workloads, loads, seeds: options.seeds });
  let done = 0;
  const onCell = (): void => {
    done += 1;
    const policies = `${options.policies.length} ${options.policies.length === 1 ? 'policy' : 'policies'}`;
    // Rewrite one line on a terminal; elsewhere, such as a log file, write one line per trace.
    progress(`${process.stderr.isTTY ? '\r' : ''}${done}/${cells.length} traces simulated with ${policies} each${process.stderr.isTTY ? '' : '\n'}`);
  };
  const perCell: ExperimentResult[] =
    options.jobs === 1
      ? cells.map((cell) => {
          const result = runPreparedCell(spec, data.trace, cell);
          onCell();
          return result;
        })
      : await runCellsInWorkers(data, cells, options.jobs, onCell);
  if (process.stderr.isTTY) progress('\n');
  const runs: RunRecord[] = perCell.flatMap((result) => result.runs);
  const estimatorRuns: EstimatorRecord[] = perCell.flatMap((result) => result.estimators);
  const elapsedSeconds = (performance.now() - started) / 1000;

  const summaries = summarizeCells(runs);
  const comparisons = compareWithProfiled(runs);
  const estimators = summarizeEstimators(estimatorRuns);
  for (const workload of options.workloads) {
    console.log(`\n${renderWorkload(workload, summaries, comparisons, estimators)}`);
  }

  const settings = {
    command: `npm run sim -- ${process.argv.slice(2).join(' ')}`.trim(),
    finishedAt: new Date().toISOString(),
    elapsedSeconds,
    machine: `${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}`,
    deviceProfile: { path: inputs.profilePath, source: inputs.costs.source, pausesLeftOut: inputs.costs.pausesLeftOut },
    manifest: inputs.manifestPath,
    applications: inputs.applications.map((application) => ({ id: application.id, ...applicationCapacity(application) })),
    device: deviceReference(inputs.applications),
    options,
    trace: data.trace === undefined ? undefined : { path: data.trace.source, requests: data.trace.rows.length, offeredLoad: loads[0] },
    policyOptions: spec.policyOptions,
  };
  writeFileSync(join(out, 'results.json'), `${JSON.stringify({ settings, cells: summaries, comparisons, estimators, runs, estimatorRuns }, null, 1)}\n`);
  writeFileSync(join(out, 'runs.csv'), toCsv(runs.flatMap(runRows)));
  writeFileSync(join(out, 'summary.csv'), toCsv(summaries.map(cellRow)));
  writeFileSync(join(out, 'estimators.csv'), toCsv(estimatorRuns.map((record) => ({ ...record }))));
  console.log(
    `\n${runs.length} runs in ${elapsedSeconds.toFixed(1)} s on ${settings.machine}, ${options.jobs === 1 ? 'in one thread' : `${options.jobs} worker threads`}. Wrote results.json, runs.csv, summary.csv and estimators.csv to ${out}.`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof TraceFileError || error instanceof RangeError || error instanceof TypeError) {
    console.error(`npm run sim: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
