/**
 * Replays a stream of test records through a runtime as timed requests and collects one result per
 * request. Named workloads are sized from the measured profile of the most accurate variant, so
 * the same names mean the same relative load on a fast GPU and on a software adapter.
 */
import { latencyMs } from '../core/latency.js';
import type { MeasuredProfile, Outcome } from '../protocol/messages.js';
import { capacityPerSecond, planWorkload, type PlannedRequest, type WorkloadPhase } from '../core/workload.js';
import { summarize, type ReplayResult, type ReplaySummary } from '../core/summary.js';
import type { Runtime } from '../client/runtime.js';
import type { TestSet } from './test-set.js';

export const WorkloadName = {
  /** Light, then heavy, then light again: shows accuracy scaling and swaps. */
  Default: 'default',
  /** Light load and generous deadlines: the most accurate variant should serve everything. */
  Light: 'light',
} as const;
export type WorkloadName = (typeof WorkloadName)[keyof typeof WorkloadName];

interface WorkloadShape {
  phases(requests: number): WorkloadPhase[];
  /** Relative deadline from the most accurate variant's profile, in milliseconds. */
  deadlineMs(best: MeasuredProfile): number;
}

const SHAPES: Record<WorkloadName, WorkloadShape> = {
  default: {
    phases: (requests) => {
      const quarter = Math.round(requests / 4);
      return [
        { name: 'light', requests: quarter, loadFactor: 0.3 },
        { name: 'heavy', requests: requests - 2 * quarter, loadFactor: 2.5 },
        { name: 'light again', requests: quarter, loadFactor: 0.3 },
      ];
    },
    // Room for a full batch behind another one, plus loading the variant: without the load a
    // variant evicted in the heavy phase could never come back within any request's deadline.
    deadlineMs: (best) => best.loadMs + 2 * latencyMs(best.latency, best.maxBatch),
  },
  light: {
    phases: (requests) => [{ name: 'light', requests, loadFactor: 0.2 }],
    deadlineMs: (best) => best.loadMs + 20 * latencyMs(best.latency, best.maxBatch),
  },
};

export function isWorkloadName(value: string): value is WorkloadName {
  return Object.hasOwn(SHAPES, value);
}

export interface ReplayRow extends ReplayResult {
  index: number;
  record: number;
  outcome: Outcome;
}

export interface ReplayReport {
  workload: WorkloadName;
  application: string;
  deadlineMs: number;
  capacityPerSecond: number;
  bestVariant: string;
  summary: ReplaySummary;
  /** Accuracy of the most accurate variant's recorded (training-time) predictions on the replayed records. */
  recordedBestAccuracy: number;
  /** Outcome events the runtime dispatched during the replay: one per request when nothing is lost or doubled. */
  outcomeEvents: number;
  durationMs: number;
}

export interface ReplayPlan {
  workload: WorkloadName;
  application: string;
  bestVariant: string;
  deadlineMs: number;
  capacityPerSecond: number;
  requests: PlannedRequest[];
}

/** Plans a named workload over a test set, from the runtime's measured profiles. */
export function planReplay(runtime: Runtime, testSet: TestSet, workload: WorkloadName, requests: number, seed: number): ReplayPlan {
  const profiles = runtime.ready.profiles.filter((profile) => profile.application === testSet.application);
  const best = profiles.reduce<MeasuredProfile | undefined>(
    (top, profile) => (top === undefined || profile.profiledAccuracy > top.profiledAccuracy ? profile : top),
    undefined,
  );
  if (best === undefined) throw new RangeError(`No variant of "${testSet.application}" is being served; see the runtime's model problems.`);

  const shape = SHAPES[workload];
  const capacity = capacityPerSecond(best.latency);
  const deadlineMs = shape.deadlineMs(best);
  const planned = planWorkload({
    phases: shape.phases(requests),
    capacityPerSecond: capacity,
    deadlineMs,
    seed,
    firstRecord: 0,
    recordCount: testSet.count,
  });
  return { workload, application: testSet.application, bestVariant: best.variantId, deadlineMs, capacityPerSecond: capacity, requests: planned };
}

/** Submits every planned request at its time and resolves when each has its outcome. */
export async function runReplay(
  runtime: Runtime,
  testSet: TestSet,
  plan: ReplayPlan,
  onRow: (row: ReplayRow) => void,
): Promise<ReplayReport> {
  const rows: ReplayRow[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let outcomeEvents = 0;
  const countOutcome = (): void => void outcomeEvents++;
  runtime.addEventListener('outcome', countOutcome);

  for (const request of plan.requests) {
    const wait = started + request.offsetMs - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));

    const label = testSet.labels[request.record]!;
    const done = runtime
      .submit({ application: plan.application, input: testSet.record(request.record), deadlineMs: request.deadlineMs, id: `q${request.index}` })
      .then((outcome) => {
        const row: ReplayRow = { index: request.index, record: request.record, phase: request.phase, label, outcome, status: outcome.status };
        if (outcome.status === 'completed') {
          row.variantId = outcome.variantId;
          row.classIndex = outcome.classIndex;
          row.deadlineMet = outcome.deadlineMet;
          row.batchSize = outcome.batchSize;
        }
        rows.push(row);
        onRow(row);
      });
    pending.push(done);
  }
  await Promise.all(pending);
  runtime.removeEventListener('outcome', countOutcome);

  const recorded = testSet.predictions[plan.bestVariant] ?? [];
  const recordedCorrect = plan.requests.filter((request) => recorded[request.record] === testSet.labels[request.record]).length;
  rows.sort((a, b) => a.index - b.index);
  return {
    workload: plan.workload,
    application: plan.application,
    deadlineMs: plan.deadlineMs,
    capacityPerSecond: plan.capacityPerSecond,
    bestVariant: plan.bestVariant,
    summary: summarize(rows),
    recordedBestAccuracy: plan.requests.length === 0 ? 0 : recordedCorrect / plan.requests.length,
    outcomeEvents,
    durationMs: performance.now() - started,
  };
}
