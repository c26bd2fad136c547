/**
 * The part of an experiment every grid cell shares, in two forms: plain data that can cross to a
 * worker thread, and the resolved spec `runCell` takes, rebuilt from that data in each thread.
 * With a trace file, its parsed rows travel in the data and `runPreparedCell` replays them.
 */

import type { PolicyName } from '../../src/core/baselines/catalog.js';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator.js';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker.js';
import { resolvePolicyOptions } from '../../src/core/policy-options.js';
import { runCell, type ExperimentResult, type GridCell } from '../../src/core/simulator/experiment.js';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals.js';
import { checkTraceRows, traceApplications, type TraceRow } from '../../src/core/workloads/trace-file.js';
import { loadSimInputs, type SimInputs } from './inputs.js';
import { runTraceCell } from './trace-cell.js';

/** A parsed trace file. */
export interface TraceInput {
  /** The file as the user named it, for errors. */
  source: string;
  rows: TraceRow[];
}

/** Plain, cloneable settings of every cell. */
export interface CellSpecData {
  root: string;
  manifest: string;
  profile: string;
  apps: string[] | undefined;
  requests: number;
  deadlineRange: [number, number];
  burstRatio: number;
  policies: PolicyName[];
  memoryBudgetBytes: number;
  swapMargin: number;
  maxQueueDelayMs: number;
  batchSizes: number[] | undefined;
  /** Arrivals replayed instead of generated ones, or undefined. */
  trace: TraceInput | undefined;
}

export type CellSpec = Parameters<typeof runCell>[0];

/**
 * Loads the inputs, checks the trace's rows against them and resolves every option of a cell
 * spec. With a trace and no `apps`, the served applications are the ones the trace names.
 */
export function buildCellSpec(data: CellSpecData): { spec: CellSpec; inputs: SimInputs } {
  let inputs = loadSimInputs(data.root, data.manifest, data.profile, data.apps);
  if (data.trace !== undefined) {
    const servedBy = data.apps === undefined ? `every application with recorded outputs in ${inputs.manifestPath}` : 'the applications of --apps, where it can be added';
    const served = inputs.applications.map((application) => ({ id: application.id, testRecords: application.recorded.test.labels.length }));
    checkTraceRows(data.trace.rows, served, data.trace.source, servedBy);
    if (data.apps === undefined) {
      const named = new Set(traceApplications(data.trace.rows));
      inputs = { ...inputs, applications: inputs.applications.filter((application) => named.has(application.id)) };
    }
  }

  const spec: CellSpec = {
    applications: inputs.applications,
    costs: inputs.costs,
    requestsPerApplication: data.requests,
    deadlineRange: data.deadlineRange,
    bursts: resolveBurstOptions({ rateRatio: data.burstRatio }),
    jointOptions: resolveJointEstimatorOptions(),
    trackerOptions: resolvePriorTrackerOptions(),
    policies: data.policies,
    policyOptions: resolvePolicyOptions({
      memoryBudgetBytes: data.memoryBudgetBytes,
      swapMargin: data.swapMargin,
      maxQueueDelayMs: data.maxQueueDelayMs,
      ...(data.batchSizes === undefined ? {} : { batchSizes: data.batchSizes }),
    }),
  };
  return { spec, inputs };
}

/** Runs one cell: on the trace file's arrivals when `trace` is given, else on generated ones. */
export function runPreparedCell(spec: CellSpec, trace: TraceInput | undefined, cell: GridCell): ExperimentResult {
  return trace === undefined ? runCell(spec, cell) : runTraceCell(spec, trace.rows, cell);
}
