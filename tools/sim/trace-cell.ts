/**
 * Grid cells of `npm run sim --trace FILE`: the arrivals come from the file instead of the
 * generated Poisson or burst process, and every other step matches `runCell` of
 * src/core/simulator/experiment.ts. The workload kind chooses the label plan of rows without a
 * record; the seed drives the drawn records and deadlines, the SneakPeek lane and the executor.
 */

import { createSimPolicy } from '../../src/core/baselines/catalog.js';
import {
  applicationCapacity,
  deadlineRangeMs,
  deviceReference,
  labelPlanFor,
  scoreEstimators,
  traceOfStreams,
  type ExperimentResult,
  type GridCell,
  type RunRecord,
  type TraceSettings,
} from '../../src/core/simulator/experiment.js';
import { summarizeRun } from '../../src/core/simulator/run-metrics.js';
import type { SimApplication, SimRequest } from '../../src/core/simulator/sim-model.js';
import { simulate } from '../../src/core/simulator/simulator.js';
import { indexRecords } from '../../src/core/workloads/label-mix.js';
import type { TraceRow } from '../../src/core/workloads/trace-file.js';
import { planTraceStream } from '../../src/core/workloads/trace-plan.js';
import type { WorkloadKind } from '../../src/core/workloads/workload-plan.js';
import type { CellSpec } from './cell-spec.js';

/** Builds the simulated trace of a trace file's rows under one workload's label plan and one seed. */
export function buildFileTrace(settings: Omit<TraceSettings, 'requestsPerApplication'>, rows: readonly TraceRow[], workload: WorkloadKind, seed: number): SimRequest[] {
  const { referenceLatencyMs } = deviceReference(settings.applications);
  const streams = settings.applications.map((application) =>
    planTraceStream(rows, {
      application: application.id,
      labelPlan: labelPlanFor(application, workload),
      records: indexRecords(application.recorded.test, application.classes.length),
      deadlineRangeMs: deadlineRangeMs(settings, referenceLatencyMs),
      weight: application.weight,
      seed,
    }),
  );
  return traceOfStreams(settings, streams, seed);
}

/** Builds one cell's trace from the file's rows, scores the estimators on it and runs every policy on it. */
export function runTraceCell(spec: CellSpec, rows: readonly TraceRow[], cell: GridCell): ExperimentResult {
  const { workload, load, seed } = cell;
  const trace = buildFileTrace(spec, rows, workload, seed);
  const estimators = scoreEstimators(trace, spec.applications).map((score) => ({ workload, load, seed, ...score }));

  const runs: RunRecord[] = [];
  for (const policyName of spec.policies) {
    const policy = createSimPolicy(policyName, spec.policyOptions);
    const result = simulate({ applications: spec.applications, requests: trace, costs: spec.costs, policy, seed });
    runs.push({ workload, load, seed, policy: policyName, summary: summarizeRun(result), decisions: result.decisions });
  }
  return { runs, estimators };
}

/**
 * Returns the trace's offered load in the simulator's load factor: the sum over applications of
 * each one's mean arrival rate, over the span from the first to the last arrival, divided by its
 * capacity. Returns 0 when every request arrives at one instant, because no rate can be measured.
 * The value is rounded to 3 significant digits, so that it reads well as a table's load column.
 */
export function offeredLoad(applications: readonly SimApplication[], rows: readonly TraceRow[]): number {
  let first = Infinity;
  let last = -Infinity;
  for (const row of rows) {
    first = Math.min(first, row.arrivalMs);
    last = Math.max(last, row.arrivalMs);
  }
  const spanMs = last - first;
  if (!(spanMs > 0)) return 0;

  let load = 0;
  for (const application of applications) {
    const count = rows.filter((row) => row.application === application.id).length;
    load += count / spanMs / applicationCapacity(application).ratePerMs;
  }
  return Number(load.toPrecision(3));
}
