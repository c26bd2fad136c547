/**
 * An evaluation grid: every workload × load factor × seed gets one trace, and every policy runs on
 * that same trace, so differences between policies are paired by seed. Estimator quality (Brier
 * score and calibration error of each estimator against realised correctness) is measured on the
 * trace itself, over every request and every variant of its application, because it does not
 * depend on the policy.
 *
 * An application's capacity is the best throughput of its most accurate variant over batch sizes
 * (median profile). Load factor 1 means the device would be busy all the time if every request
 * ran on its application's most accurate variant at that throughput. With one application, requests
 * arrive at `load × capacity`. With several, every application arrives at the same rate `λ`, chosen
 * so that `Σ_a λ / capacity_a = load`; equal rates make equal request counts span the same time.
 *
 * Relative deadlines are multiples of the device's reference latency: the largest, over the served
 * applications, of the most accurate variant's median latency at its best-throughput batch size.
 * The executor runs one batch at a time, so a request of a fast application must be able to wait
 * for a batch of the slowest one.
 */

import { capacityPerSecond } from '../workload.js';
import { CalibrationAccumulator, DEFAULT_CALIBRATION_BINS } from '../estimation/calibration.js';
import { ESTIMATOR_KINDS, type EstimatorKind } from '../estimation/estimator-set.js';
import type { ResolvedJointEstimatorOptions } from '../estimation/joint-estimator.js';
import type { ResolvedPriorTrackerOptions } from '../estimation/prior-tracker.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import { createSimPolicy, type PolicyName } from '../baselines/catalog.js';
import type { ResolvedBurstOptions } from '../workloads/arrivals.js';
import { indexRecords, LabelPlanKind, type LabelPlan } from '../workloads/label-mix.js';
import { shiftPlanFor } from '../workloads/shift-plans.js';
import { isBursty, mergeStreams, planStream, usesShiftPlan, type PlannedArrival, type WorkloadKind } from '../workloads/workload-plan.js';
import { mostAccurateVariant } from './applications.js';
import type { CostModel } from './device-costs.js';
import { summarizeRun, type RunSummary } from './run-metrics.js';
import type { SimApplication, SimRequest } from './sim-model.js';
import { simulate } from './simulator.js';
import { buildTrace } from './trace.js';

/** Everything that fixes one trace apart from the workload kind, load and seed. */
export interface TraceSettings {
  applications: readonly SimApplication[];
  costs: CostModel;
  /** Requests per application. */
  requestsPerApplication: number;
  /**
   * Relative deadlines are uniform between these multiples of the device's reference latency (see
   * `deviceReference`).
   */
  deadlineRange: readonly [number, number];
  bursts: ResolvedBurstOptions;
  jointOptions: ResolvedJointEstimatorOptions;
  trackerOptions: ResolvedPriorTrackerOptions;
  /** The runtime's own work per request in milliseconds (`planAdmission`); 0 leaves it out. */
  requestCostMs?: number;
}

export interface ExperimentSpec extends TraceSettings {
  workloads: readonly WorkloadKind[];
  loads: readonly number[];
  seeds: readonly number[];
  policies: readonly PolicyName[];
  policyOptions: ResolvedPolicyOptions;
  /** Called after each policy run, for progress output. */
  onRun?: (record: RunRecord, done: number, total: number) => void;
}

/** The figures of one policy on one trace. */
export interface RunRecord {
  workload: WorkloadKind;
  load: number;
  seed: number;
  policy: PolicyName;
  summary: RunSummary;
  decisions: number;
}

/** The quality of one estimator on one trace, for one application or for all (`'*'`). */
export interface EstimatorRecord {
  workload: WorkloadKind;
  load: number;
  seed: number;
  application: string;
  estimator: EstimatorKind;
  pairs: number;
  brier: number;
  ece: number;
}

export interface ExperimentResult {
  runs: RunRecord[];
  estimators: EstimatorRecord[];
}

/** Capacity of an application in requests per millisecond and its reference latency in milliseconds. */
export function applicationCapacity(application: SimApplication): { ratePerMs: number; referenceLatencyMs: number } {
  const best = mostAccurateVariant(application);
  const ratePerMs = capacityPerSecond(best.latency) / 1000;
  let referenceLatencyMs = Infinity;
  let bestThroughput = 0;
  for (const point of best.latency) {
    const throughput = point.batchSize / point.ms;
    if (throughput > bestThroughput) {
      bestThroughput = throughput;
      referenceLatencyMs = point.ms;
    }
  }
  return { ratePerMs, referenceLatencyMs };
}

/**
 * Returns the arrival rate per application at load factor 1, in requests per millisecond, and the
 * reference latency that relative deadlines multiply, in milliseconds.
 */
export function deviceReference(applications: readonly SimApplication[]): { ratePerMs: number; referenceLatencyMs: number } {
  if (applications.length === 0) throw new RangeError('A simulation needs at least one application. Pass applications with recorded outputs.');

  let inverseCapacity = 0;
  let referenceLatencyMs = 0;
  for (const application of applications) {
    const capacity = applicationCapacity(application);
    inverseCapacity += 1 / capacity.ratePerMs;
    referenceLatencyMs = Math.max(referenceLatencyMs, capacity.referenceLatencyMs);
  }
  return { ratePerMs: 1 / inverseCapacity, referenceLatencyMs };
}

/** Plans and builds the trace of one workload, load and seed. */
export function buildWorkloadTrace(settings: TraceSettings, workload: WorkloadKind, load: number, seed: number): SimRequest[] {
  if (!Number.isFinite(load) || load <= 0) throw new RangeError(`Load factor is ${String(load)}. Use a positive number such as 1 (capacity of the most accurate variant).`);

  const { ratePerMs, referenceLatencyMs } = deviceReference(settings.applications);
  const streams = settings.applications.map((application) =>
    planStream({
      application: application.id,
      count: settings.requestsPerApplication,
      ratePerMs: load * ratePerMs,
      bursts: isBursty(workload) ? settings.bursts : undefined,
      labelPlan: labelPlanFor(application, workload),
      records: indexRecords(application.recorded.test, application.classes.length),
      deadlineRangeMs: deadlineRangeMs(settings, referenceLatencyMs),
      weight: application.weight,
      seed,
    }),
  );
  return traceOfStreams(settings, streams, seed);
}

/** Returns the label plan a workload gives an application: its shift plan, or the validation mix. */
export function labelPlanFor(application: SimApplication, workload: WorkloadKind): LabelPlan {
  if (!usesShiftPlan(workload)) return { kind: LabelPlanKind.Mix, name: 'validation mix', mix: application.validationMix };
  return shiftPlanFor({
    classes: application.classes,
    validationMix: application.validationMix,
    bestRecall: mostAccurateVariant(application).recall,
    test: application.recorded.test,
  });
}

/** Returns the range of relative deadlines in milliseconds: the settings' multiples of the reference latency. */
export function deadlineRangeMs(settings: Pick<TraceSettings, 'deadlineRange'>, referenceLatencyMs: number): [number, number] {
  return [settings.deadlineRange[0] * referenceLatencyMs, settings.deadlineRange[1] * referenceLatencyMs];
}

/** Merges per-application streams of planned arrivals and builds the simulated trace from them. */
export function traceOfStreams(settings: Omit<TraceSettings, 'requestsPerApplication' | 'deadlineRange' | 'bursts'>, streams: readonly (readonly PlannedArrival[])[], seed: number): SimRequest[] {
  return buildTrace({
    applications: settings.applications,
    arrivals: mergeStreams(streams),
    costs: settings.costs,
    seed,
    jointOptions: settings.jointOptions,
    trackerOptions: settings.trackerOptions,
    ...(settings.requestCostMs === undefined ? {} : { requestCostMs: settings.requestCostMs }),
  });
}

/** Scores every estimator on a trace, per application and over all (`'*'`). */
export function scoreEstimators(
  trace: readonly SimRequest[],
  applications: readonly SimApplication[],
  bins: number = DEFAULT_CALIBRATION_BINS,
): { application: string; estimator: EstimatorKind; pairs: number; brier: number; ece: number }[] {
  const keys = ['*', ...applications.map((application) => application.id)];
  const accumulators = new Map<string, CalibrationAccumulator>();
  for (const key of keys) for (const estimator of ESTIMATOR_KINDS) accumulators.set(`${key}|${estimator}`, new CalibrationAccumulator(bins));

  const variantsOf = new Map(applications.map((application) => [application.id, application.variants]));
  for (const request of trace) {
    for (const variant of variantsOf.get(request.application) ?? []) {
      const correct = request.predictions[variant.id] === request.label;
      for (const estimator of ESTIMATOR_KINDS) {
        const estimate = request.estimates[estimator][variant.id] ?? 0;
        accumulators.get(`*|${estimator}`)?.add(estimate, correct);
        accumulators.get(`${request.application}|${estimator}`)?.add(estimate, correct);
      }
    }
  }

  return [...accumulators.entries()].map(([key, accumulator]) => {
    const [application, estimator] = key.split('|') as [string, EstimatorKind];
    return { application, estimator, pairs: accumulator.count(), brier: accumulator.brierScore(), ece: accumulator.expectedCalibrationError() };
  });
}

/** The workload, load and seed of one trace of the grid. */
export interface GridCell {
  workload: WorkloadKind;
  load: number;
  seed: number;
}

/** Lists the grid's cells in report order: workload, then load, then seed. */
export function gridCells(spec: Pick<ExperimentSpec, 'workloads' | 'loads' | 'seeds'>): GridCell[] {
  const cells: GridCell[] = [];
  for (const workload of spec.workloads) {
    for (const load of spec.loads) {
      for (const seed of spec.seeds) cells.push({ workload, load, seed });
    }
  }
  return cells;
}

/** Builds one cell's trace, scores the estimators on it and runs every policy on it. */
export function runCell(spec: Omit<ExperimentSpec, 'workloads' | 'loads' | 'seeds' | 'onRun'>, cell: GridCell): ExperimentResult {
  const { workload, load, seed } = cell;
  const trace = buildWorkloadTrace(spec, workload, load, seed);
  const estimators = scoreEstimators(trace, spec.applications).map((score) => ({ workload, load, seed, ...score }));

  const runs: RunRecord[] = [];
  for (const policyName of spec.policies) {
    const policy = createSimPolicy(policyName, spec.policyOptions);
    const result = simulate({ applications: spec.applications, requests: trace, costs: spec.costs, policy, seed });
    runs.push({ workload, load, seed, policy: policyName, summary: summarizeRun(result), decisions: result.decisions });
  }
  return { runs, estimators };
}

/** Runs the whole grid in this thread. Equal specs give equal results. */
export function runExperiment(spec: ExperimentSpec): ExperimentResult {
  const runs: RunRecord[] = [];
  const estimators: EstimatorRecord[] = [];
  const total = spec.workloads.length * spec.loads.length * spec.seeds.length * spec.policies.length;

  for (const cell of gridCells(spec)) {
    const result = runCell(spec, cell);
    estimators.push(...result.estimators);
    for (const record of result.runs) {
      runs.push(record);
      spec.onRun?.(record, runs.length, total);
    }
  }
  return { runs, estimators };
}
