/**
 * The Node side of the suite's workloads: plans each scenario's trace with the simulator's workload
 * code on the device's own profile, and predicts each live run by simulating the same trace with
 * the same policy on the profile that run's runtime used.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { createSimPolicy, PolicyName } from '../../src/core/baselines/catalog.js';
import type { DeviceProfile } from '../../src/core/device-profile.js';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator.js';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker.js';
import type { ApplicationManifest, Manifest, RecordedOutputs } from '../../src/core/manifest.js';
import { PROFILED_BATCH_SIZES } from '../../src/core/padding.js';
import { resolvePolicyOptions } from '../../src/core/policy-options.js';
import { buildSimApplication } from '../../src/core/simulator/applications.js';
import { createCostModel, type CostModel } from '../../src/core/simulator/device-costs.js';
import { deadlineRangeMs, deviceReference, labelPlanFor, traceOfStreams } from '../../src/core/simulator/experiment.js';
import { summarizeRun, type RunSummary } from '../../src/core/simulator/run-metrics.js';
import type { SimApplication, SimulationResult } from '../../src/core/simulator/sim-model.js';
import { simulate } from '../../src/core/simulator/simulator.js';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals.js';
import { indexRecords } from '../../src/core/workloads/label-mix.js';
import { isBursty, mergeStreams, planStream, WorkloadKind, type PlannedArrival } from '../../src/core/workloads/workload-plan.js';
import type { ReadyInfo } from '../../src/protocol/messages.js';
import { ReplayMode, WARMUP_DEADLINE_MS, type LiveRow, type SuiteArrival } from '../../src/bench/suite-types.js';
import { UsageError } from '../sim/options.js';
import type { SuiteOptions, SuiteScenario } from './suite-options.js';

/** An application as the suite serves it: its manifest entry and recorded outputs. */
export interface SuiteApplication {
  manifest: ApplicationManifest;
  recorded: RecordedOutputs;
}

/** One scenario's trace, shared by every policy on one provider. */
export interface PlannedRun {
  scenario: SuiteScenario;
  /** Load factor, or undefined for the closed-loop single stream. */
  load: number | undefined;
  workload: WorkloadKind;
  mode: ReplayMode;
  arrivals: PlannedArrival[];
}

/** Reads the manifest's applications with recorded outputs, or the ones `apps` names. */
export function loadSuiteApplications(root: string, apps: readonly string[] | undefined): SuiteApplication[] {
  const manifestPath = join(root, 'models', 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const recordedApplications = manifest.applications.filter((application) => application.recordedFile !== undefined);
  const chosen = (apps ?? recordedApplications.map((application) => application.id)).map((id) => {
    const application = recordedApplications.find((candidate) => candidate.id === id);
    if (application === undefined) {
      throw new UsageError(`--apps names "${id}", which has no recorded outputs in ${manifestPath}. Applications: ${recordedApplications.map((candidate) => candidate.id).join(', ')}.`);
    }
    return application;
  });
  return chosen.map((application) => ({
    manifest: application,
    recorded: JSON.parse(readFileSync(join(dirname(manifestPath), application.recordedFile as string), 'utf8')) as RecordedOutputs,
  }));
}

/** Returns the device profile a runtime measured or read at start, in the format `npm run measure` writes. */
export function deviceProfileOf(ready: ReadyInfo, facts: { machine: string; browser: string; ortVersion: string }): DeviceProfile {
  const profile: DeviceProfile = {
    measuredAt: new Date().toISOString(),
    machine: facts.machine,
    browser: facts.browser,
    provider: ready.provider,
    adapter: ready.provider === 'webgpu' ? ready.providerNote : 'none (WASM)',
    ortVersion: facts.ortVersion,
    models: {},
  };
  for (const measured of ready.profiles) {
    profile.models[measured.variantId] = { application: measured.application, role: 'variant', loadMs: [measured.loadMs], latencyMs: measured.samples };
  }
  for (const measured of ready.sneakpeekProfiles) {
    profile.models[measured.modelId] = { application: measured.application, role: 'sneakpeek', loadMs: [], latencyMs: measured.samples };
  }
  return profile;
}

/** Builds the simulator's view of the suite's applications on one device profile. */
export function simApplicationsOn(applications: readonly SuiteApplication[], costs: CostModel): SimApplication[] {
  return applications.map((application) => buildSimApplication(application.manifest, application.recorded, costs));
}

/**
 * Plans every scenario's trace on the device the profile describes, so loads and deadlines are
 * relative to its measured speed. An open-loop run lasts about `seconds`: each application gets
 * its arrival rate times that many requests, at most `maxRequests`. Bursts dwell for a tenth
 * (burst) and four tenths (calm) of a run, the simulator's 1:4 ratio scaled to the run, so a
 * short run still contains bursts.
 */
export function planRuns(options: SuiteOptions, applications: readonly SimApplication[]): PlannedRun[] {
  const { ratePerMs, referenceLatencyMs } = deviceReference(applications);
  const deadlines = deadlineRangeMs(options, referenceLatencyMs);
  const countAt = (load: number): number => Math.min(options.maxRequests, Math.max(1, Math.round(load * ratePerMs * options.seconds * 1000)));
  const plan = (workload: WorkloadKind, load: number, count: number): PlannedArrival[] => {
    const gaps = count * applications.length;
    const bursts = resolveBurstOptions({ rateRatio: options.burstRatio, calmDwellGaps: Math.max(5, 0.4 * gaps), burstDwellGaps: Math.max(2, 0.1 * gaps) });
    return mergeStreams(
      applications.map((application) =>
        planStream({
          application: application.id,
          count,
          ratePerMs: load * ratePerMs,
          bursts: isBursty(workload) ? bursts : undefined,
          labelPlan: labelPlanFor(application, workload),
          records: indexRecords(application.recorded.test, application.classes.length),
          deadlineRangeMs: deadlines,
          weight: application.weight,
          seed: options.seed,
        }),
      ),
    );
  };

  const runs: PlannedRun[] = [];
  for (const scenario of options.scenarios) {
    switch (scenario) {
      case 'single-stream': {
        const perApplication = Math.ceil(options.singleStream / applications.length);
        const arrivals = plan(WorkloadKind.Control, 1, perApplication).slice(0, options.singleStream);
        runs.push({ scenario, load: undefined, workload: WorkloadKind.Control, mode: ReplayMode.Closed, arrivals });
        break;
      }
      case 'server':
        for (const load of options.serverLoads) {
          runs.push({ scenario, load, workload: WorkloadKind.Control, mode: ReplayMode.Open, arrivals: plan(WorkloadKind.Control, load, countAt(load)) });
        }
        break;
      case 'burst':
        runs.push({ scenario, load: options.burstLoad, workload: WorkloadKind.Burst, mode: ReplayMode.Open, arrivals: plan(WorkloadKind.Burst, options.burstLoad, countAt(options.burstLoad)) });
        break;
      case 'mixed':
        runs.push({ scenario, load: options.burstLoad, workload: WorkloadKind.Mixed, mode: ReplayMode.Open, arrivals: plan(WorkloadKind.Mixed, options.burstLoad, countAt(options.burstLoad)) });
        break;
    }
  }
  return runs;
}

/** Converts planned arrivals to the trace the page replays. */
export function pageTrace(arrivals: readonly PlannedArrival[]): SuiteArrival[] {
  return arrivals.map((arrival) => ({
    id: arrival.id,
    application: arrival.application,
    record: arrival.record,
    arrivalMs: arrival.arrival,
    relativeDeadlineMs: arrival.relativeDeadlineMs,
  }));
}

/**
 * Returns the arrivals the simulator replays for a live run: the planned ones for an open loop, and the
 * live submission times for a closed loop, whose arrivals depend on the device.
 */
export function simulatedArrivals(run: PlannedRun, rows: readonly LiveRow[]): PlannedArrival[] {
  if (run.mode === ReplayMode.Open) return run.arrivals;
  const submitted = new Map(rows.map((row) => [row.id, row.submittedMs]));
  return run.arrivals.map((arrival) => ({ ...arrival, arrival: submitted.get(arrival.id) ?? arrival.arrival }));
}

/** Simulates `arrivals` with `policy` on the applications' profile, charging `requestCostMs` per request (`planAdmission`). */
export function predictRun(
  applications: readonly SimApplication[],
  costs: CostModel,
  arrivals: readonly PlannedArrival[],
  policy: PolicyName,
  options: Pick<SuiteOptions, 'memoryBudgetBytes' | 'seed'>,
  requestCostMs = 0,
): RunSummary {
  return summarizeRun(simulateRun(applications, costs, arrivals, policy, options, requestCostMs));
}

function simulateRun(
  applications: readonly SimApplication[],
  costs: CostModel,
  arrivals: readonly PlannedArrival[],
  policy: PolicyName,
  options: Pick<SuiteOptions, 'memoryBudgetBytes' | 'seed'>,
  requestCostMs: number,
): SimulationResult {
  const settings = { applications, costs, jointOptions: resolveJointEstimatorOptions(), trackerOptions: resolvePriorTrackerOptions(), requestCostMs };
  const warmup = warmupArrivals(arrivals);
  const trace = traceOfStreams(settings, [warmup, arrivals], options.seed);
  // The live scheduler's options: the default margin and delay, and the sizes it profiles.
  const policyOptions = resolvePolicyOptions({ memoryBudgetBytes: options.memoryBudgetBytes, batchSizes: PROFILED_BATCH_SIZES });
  const result = simulate({ applications, requests: trace, costs, policy: createSimPolicy(policy, policyOptions), seed: options.seed });
  // The live figures leave the warm-up out, so the prediction does too.
  const warmupIds = new Set(warmup.map((arrival) => arrival.id));
  return {
    ...result,
    outcomes: result.outcomes.filter((outcome) => !warmupIds.has(outcome.requestId)),
    batches: result.batches.filter((batch) => batch.start >= 0),
  };
}

/**
 * Time between the simulated warm-up and the trace. Live, the trace starts once the warm-up completes.
 * NOTE: the lead is fixed, so a warm-up slower than 1 s overlaps the simulated trace.
 */
export const WARMUP_LEAD_MS = 1000;

/**
 * Returns the untimed warm-up of a live run: test record 0 of each application, in the order the
 * applications first appear in the trace, all at once, `WARMUP_LEAD_MS` before the trace. It
 * matters for a policy that learns from feedback, such as `clipper-aimd`: the warm-up's on-time
 * batches raise its caps before the first timed request. It also refines the profiles and the
 * traffic figures, as live.
 */
export function warmupArrivals(arrivals: readonly PlannedArrival[]): PlannedArrival[] {
  const firstOf = new Map<string, PlannedArrival>();
  for (const arrival of arrivals) if (!firstOf.has(arrival.application)) firstOf.set(arrival.application, arrival);
  return [...firstOf.values()].map((first) => ({
    id: `warmup-${first.application}`,
    application: first.application,
    position: -1,
    record: 0,
    arrival: -WARMUP_LEAD_MS,
    relativeDeadlineMs: WARMUP_DEADLINE_MS,
    weight: first.weight,
    inBurst: false,
  }));
}

/** The policy of the calibration probe: always the fastest variant, so model time is as small as it gets. */
export const PROBE_POLICY: PolicyName = PolicyName.EdfFastest;
/** Relative deadline of every probe request: long enough that none is dropped. */
export const PROBE_DEADLINE_MS = 120_000;

/**
 * Plans the calibration probe: `probeRequests` requests spread over the applications, all arriving
 * at once with a deadline no run reaches. Served by `PROBE_POLICY`, the probe lasts as long as the
 * runtime needs to accept, run and complete that many requests.
 */
export function planProbe(options: Pick<SuiteOptions, 'probeRequests' | 'seed'>, applications: readonly SimApplication[]): PlannedArrival[] {
  const perApplication = Math.ceil(options.probeRequests / applications.length);
  const streams = applications.map((application) =>
    planStream({
      application: application.id,
      count: perApplication,
      ratePerMs: 1,
      bursts: undefined,
      labelPlan: labelPlanFor(application, WorkloadKind.Control),
      records: indexRecords(application.recorded.test, application.classes.length),
      deadlineRangeMs: [PROBE_DEADLINE_MS, PROBE_DEADLINE_MS],
      weight: application.weight,
      seed: options.seed,
    }),
  );
  return mergeStreams(streams)
    .slice(0, options.probeRequests)
    .map((arrival) => ({ ...arrival, arrival: 0 }));
}

/** The probe's live length, the simulated one without and with the fitted cost, and that cost. */
export interface RequestCostFit {
  requests: number;
  liveMs: number;
  simulatedWithoutCostMs: number;
  simulatedMs: number;
  requestCostMs: number;
}

/**
 * Finds the cost per request that makes the simulated probe last as long as the live one: from
 * the first submission to the last outcome. Bisection, since a higher cost never shortens the
 * probe; 0 when the simulation without any cost already lasts as long.
 */
export function fitRequestCost(
  applications: readonly SimApplication[],
  costs: CostModel,
  arrivals: readonly PlannedArrival[],
  rows: readonly LiveRow[],
  options: Pick<SuiteOptions, 'memoryBudgetBytes' | 'seed'>,
): RequestCostFit {
  const completed = rows.filter((row) => row.status === 'completed');
  if (completed.length !== rows.length || rows.length !== arrivals.length) {
    const lost = rows.length - completed.length;
    throw new Error(`The calibration probe completed ${completed.length} of ${arrivals.length} requests (${lost} dropped or rejected). It needs every one; give fewer --probe-requests.`);
  }
  const liveMs = Math.max(...rows.map((row) => row.settledMs)) - Math.min(...rows.map((row) => row.submittedMs));
  const length = (requestCostMs: number): number => simulateRun(applications, costs, arrivals, PROBE_POLICY, options, requestCostMs).endTime;
  const simulatedWithoutCostMs = length(0);
  if (simulatedWithoutCostMs >= liveMs) return { requests: rows.length, liveMs, simulatedWithoutCostMs, simulatedMs: simulatedWithoutCostMs, requestCostMs: 0 };

  // At liveMs / n per request the admission lane alone lasts as long as the live probe.
  let low = 0;
  let high = liveMs / rows.length;
  for (let step = 0; step < 30 && high - low > 1e-4; step += 1) {
    const middle = (low + high) / 2;
    if (length(middle) < liveMs) low = middle;
    else high = middle;
  }
  return { requests: rows.length, liveMs, simulatedWithoutCostMs, simulatedMs: length(high), requestCostMs: high };
}

export { createCostModel };
