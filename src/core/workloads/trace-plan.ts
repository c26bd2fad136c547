/**
 * Turns the rows of a trace file (`trace-file.ts`) into one application's planned arrivals, the
 * same `PlannedArrival`s that generated streams produce.
 *
 * - Arrival times come from the file. Rows are ordered by arrival time, then by their order in the
 *   file, and numbered from 0 in that order.
 * - A row without a record gets the one the label plan draws for its position, and a row without a
 *   deadline a relative deadline drawn uniformly from the deadline range. Both draw from the same
 *   seeded streams as `planStream`, so a trace's drawn records follow the workload's label mix.
 */

import { createRandom } from '../random.js';
import { planRecords, type LabelPlan, type RecordIndex } from './label-mix.js';
import { deriveSeed } from './seeds.js';
import type { TraceRow } from './trace-file.js';
import type { PlannedArrival } from './workload-plan.js';

/** Settings of one application's stream from a trace file. */
export interface TraceStreamSpec {
  application: string;
  /** Label plan that draws the records of rows without one. */
  labelPlan: LabelPlan;
  records: RecordIndex;
  /** Relative deadlines of rows without one are uniform in `[min, max]` milliseconds. */
  deadlineRangeMs: readonly [number, number];
  /** Utility weight of every request of the application. */
  weight: number;
  seed: number;
}

/** Plans the arrivals of `spec.application` from the rows that name it; other rows are ignored. */
export function planTraceStream(rows: readonly TraceRow[], spec: TraceStreamSpec): PlannedArrival[] {
  const [minDeadline, maxDeadline] = spec.deadlineRangeMs;
  if (!(minDeadline > 0) || !(maxDeadline >= minDeadline) || !Number.isFinite(maxDeadline)) {
    throw new RangeError(`Deadline range of application "${spec.application}" is [${minDeadline}, ${maxDeadline}] ms. Use 0 < min <= max, both finite.`);
  }

  // Array.prototype.sort is stable, so rows with equal arrival times keep their order in the file.
  const own = rows.filter((row) => row.application === spec.application).sort((left, right) => left.arrivalMs - right.arrivalMs);
  if (own.length === 0) return [];

  const recordRandom = createRandom(deriveSeed(spec.seed, `${spec.application}/records`));
  const deadlineRandom = createRandom(deriveSeed(spec.seed, `${spec.application}/deadlines`));
  const drawn = planRecords(spec.labelPlan, own.length, spec.records, recordRandom);

  return own.map((row, position) => {
    // Drawn even when the row gives one, so each row's draw depends only on its position.
    const drawnDeadline = minDeadline + deadlineRandom.uniform() * (maxDeadline - minDeadline);
    return {
      id: `${spec.application}-${position}`,
      application: spec.application,
      position,
      record: row.record ?? (drawn[position] as number),
      arrival: row.arrivalMs,
      relativeDeadlineMs: row.deadlineMs ?? drawnDeadline,
      weight: spec.weight,
      inBurst: false,
    };
  });
}
