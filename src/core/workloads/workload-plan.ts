/**
 * Simulated workloads: per application, a stream of requests with arrival times, recorded test
 * records and relative deadlines; several applications merge into one trace for one device.
 *
 * | kind      | arrivals | label mix |
 * |-----------|----------|-----------|
 * | `control` | Poisson  | the validation mix `π_val` |
 * | `shift`   | Poisson  | the application's shift plan (`shift-plans.ts`) |
 * | `burst`   | MMPP bursts | the validation mix |
 * | `mixed`   | MMPP bursts | the application's shift plan |
 *
 * Arrivals, records and deadlines draw from separate seeded streams, so two workloads that share
 * a seed carry the same records at different loads, and the same arrivals under different mixes.
 */

import { createRandom } from '../random.js';
import { burstArrivals, poissonArrivals, type ResolvedBurstOptions } from './arrivals.js';
import { planRecords, type LabelPlan, type RecordIndex } from './label-mix.js';
import { deriveSeed } from './seeds.js';

export const WorkloadKind = {
  Control: 'control',
  Shift: 'shift',
  Burst: 'burst',
  Mixed: 'mixed',
} as const;
export type WorkloadKind = (typeof WorkloadKind)[keyof typeof WorkloadKind];

export const WORKLOAD_KINDS: readonly WorkloadKind[] = Object.freeze(Object.values(WorkloadKind));

/** Whether a workload kind uses the application's shift plan instead of the validation mix. */
export function usesShiftPlan(kind: WorkloadKind): boolean {
  return kind === WorkloadKind.Shift || kind === WorkloadKind.Mixed;
}

/** Whether a workload kind arrives in bursts instead of as a Poisson process. */
export function isBursty(kind: WorkloadKind): boolean {
  return kind === WorkloadKind.Burst || kind === WorkloadKind.Mixed;
}

/** One application's request stream. */
export interface StreamSpec {
  application: string;
  /** Requests in the stream. */
  count: number;
  /** Mean arrival rate in requests per millisecond. */
  ratePerMs: number;
  /** Bursts of an MMPP, or undefined for Poisson arrivals. */
  bursts: ResolvedBurstOptions | undefined;
  labelPlan: LabelPlan;
  records: RecordIndex;
  /** Relative deadlines are uniform in `[min, max]` milliseconds. */
  deadlineRangeMs: readonly [number, number];
  /** Utility weight of every request of the application. */
  weight: number;
  seed: number;
}

/** One planned request. */
export interface PlannedArrival {
  /** Unique in a merged trace: `<application>-<position>`. */
  id: string;
  application: string;
  /** Position in the application's stream, from 0. */
  position: number;
  /** Recorded test record the request carries. */
  record: number;
  /** Arrival time in milliseconds from the start of the trace. */
  arrival: number;
  relativeDeadlineMs: number;
  weight: number;
  /** Whether the request arrived during a burst (always false for Poisson arrivals). */
  inBurst: boolean;
}

/** Plans one application's stream; errors name the field, the value and the fix. */
export function planStream(spec: StreamSpec): PlannedArrival[] {
  const [minDeadline, maxDeadline] = spec.deadlineRangeMs;
  if (!(minDeadline > 0) || !(maxDeadline >= minDeadline) || !Number.isFinite(maxDeadline)) {
    throw new RangeError(
      `Deadline range of application "${spec.application}" is [${minDeadline}, ${maxDeadline}] ms. Use 0 < min <= max, both finite.`,
    );
  }
  if (!Number.isFinite(spec.weight) || spec.weight < 0) {
    throw new RangeError(`Weight of application "${spec.application}" is ${spec.weight}. Use a finite weight >= 0.`);
  }

  const arrivalRandom = createRandom(deriveSeed(spec.seed, `${spec.application}/arrivals`));
  const recordRandom = createRandom(deriveSeed(spec.seed, `${spec.application}/records`));
  const deadlineRandom = createRandom(deriveSeed(spec.seed, `${spec.application}/deadlines`));

  const arrivals =
    spec.bursts === undefined
      ? poissonArrivals(spec.count, spec.ratePerMs, arrivalRandom).map((time) => ({ time, inBurst: false }))
      : burstArrivals(spec.count, spec.ratePerMs, spec.bursts, arrivalRandom);
  const records = planRecords(spec.labelPlan, spec.count, spec.records, recordRandom);

  return arrivals.map((arrival, position) => ({
    id: `${spec.application}-${position}`,
    application: spec.application,
    position,
    record: records[position] as number,
    arrival: arrival.time,
    relativeDeadlineMs: minDeadline + deadlineRandom.uniform() * (maxDeadline - minDeadline),
    weight: spec.weight,
    inBurst: arrival.inBurst,
  }));
}

/** Merges streams into one trace ordered by arrival, then application, then position. */
export function mergeStreams(streams: readonly (readonly PlannedArrival[])[]): PlannedArrival[] {
  return streams.flat().sort((left, right) => {
    if (left.arrival !== right.arrival) return left.arrival - right.arrival;
    if (left.application !== right.application) return left.application < right.application ? -1 : 1;
    return left.position - right.position;
  });
}
