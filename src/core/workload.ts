/**
 * Replay workloads: Poisson arrivals in phases of different load, over records of a test set,
 * each request with a relative deadline. Seeded, so a workload replays identically.
 */
import type { LatencyPoint } from './model.js';
import { createRandom } from './random.js';

export interface WorkloadPhase {
  name: string;
  /** Requests in the phase. */
  requests: number;
  /** Arrival rate as a multiple of `capacityPerSecond`. */
  loadFactor: number;
}

export interface WorkloadSpec {
  phases: readonly WorkloadPhase[];
  /** Requests per second that load factor 1 means. */
  capacityPerSecond: number;
  /** Relative deadline of every request, in milliseconds. */
  deadlineMs: number;
  seed: number;
  /** Records are taken in order from `firstRecord`, wrapping at `recordCount`. */
  firstRecord: number;
  recordCount: number;
}

export interface PlannedRequest {
  /** Position in the replay, from 0. */
  index: number;
  /** Test-set record the request carries. */
  record: number;
  /** Arrival time relative to the start of the replay, in milliseconds. */
  offsetMs: number;
  deadlineMs: number;
  phase: string;
}

/** Plans every arrival of the workload; throws a RangeError naming the field that is invalid. */
export function planWorkload(spec: WorkloadSpec): PlannedRequest[] {
  if (!(spec.capacityPerSecond > 0) || !Number.isFinite(spec.capacityPerSecond)) {
    throw new RangeError(`Workload capacityPerSecond is ${spec.capacityPerSecond}; pass a positive number of requests per second.`);
  }
  if (!(spec.deadlineMs > 0)) throw new RangeError(`Workload deadlineMs is ${spec.deadlineMs}; pass a positive number of milliseconds.`);
  if (!Number.isInteger(spec.recordCount) || spec.recordCount < 1) {
    throw new RangeError(`Workload recordCount is ${spec.recordCount}; pass the number of records in the test set.`);
  }
  for (const phase of spec.phases) {
    if (!Number.isInteger(phase.requests) || phase.requests < 0 || !(phase.loadFactor > 0)) {
      throw new RangeError(
        `Workload phase "${phase.name}" has requests ${phase.requests} and loadFactor ${phase.loadFactor}; pass a whole number of requests and a positive load factor.`,
      );
    }
  }

  const random = createRandom(spec.seed);
  const planned: PlannedRequest[] = [];
  let clock = 0;
  for (const phase of spec.phases) {
    const meanGapMs = 1000 / (phase.loadFactor * spec.capacityPerSecond);
    for (let request = 0; request < phase.requests; request++) {
      clock += random.exponential(meanGapMs);
      const index = planned.length;
      planned.push({
        index,
        record: (spec.firstRecord + index) % spec.recordCount,
        offsetMs: clock,
        deadlineMs: spec.deadlineMs,
        phase: phase.name,
      });
    }
  }
  return planned;
}

/** Highest throughput of one variant over its measured batch sizes, in requests per second. */
export function capacityPerSecond(latency: readonly LatencyPoint[]): number {
  let best = 0;
  for (const point of latency) best = Math.max(best, (point.batchSize * 1000) / point.ms);
  if (!(best > 0)) throw new RangeError('A latency profile needs at least one point with a positive time to give a capacity.');
  return best;
}
