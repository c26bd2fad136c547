/**
 * Label mixes of simulated workloads: which recorded test record each request carries.
 *
 * A plan says how the mix evolves over the trace, as a function of the request's position
 * `f ∈ [0, 1)` (its index divided by the number of requests):
 *
 * - `mix`: a fixed class mix, for example the validation mix `π_val` of the control workload.
 * - `class-drift`: piecewise-linear interpolation between keyframe class mixes placed evenly over
 *   the trace, for example a kiosk that moves between store profiles.
 * - `group-drift`: the same over record groups instead of classes, for example the subsets of a
 *   mail corpus arriving in waves.
 * - `calendar`: records sorted by their group (an ISO date), walked once from the first date to
 *   the last; each request draws uniformly from a window of neighbouring records, so the mix
 *   follows the seasons without replaying one record many times in a row.
 *
 * Class-based plans draw a class from the mix, then a record of that class uniformly; group-based
 * plans do the same with groups.
 */

import type { RecordedSplit } from '../manifest.js';
import type { Random } from '../random.js';

export const LabelPlanKind = {
  Mix: 'mix',
  ClassDrift: 'class-drift',
  GroupDrift: 'group-drift',
  Calendar: 'calendar',
} as const;
export type LabelPlanKind = (typeof LabelPlanKind)[keyof typeof LabelPlanKind];

export type LabelPlan =
  | { kind: typeof LabelPlanKind.Mix; name: string; mix: readonly number[] }
  | { kind: typeof LabelPlanKind.ClassDrift; name: string; keyframes: readonly NamedMix[] }
  | { kind: typeof LabelPlanKind.GroupDrift; name: string; groups: readonly string[]; keyframes: readonly NamedMix[] }
  | { kind: typeof LabelPlanKind.Calendar; name: string; windowRecords: number };

/** A labelled mix: over classes, or over the groups of a `group-drift` plan. */
export interface NamedMix {
  name: string;
  mix: readonly number[];
}

/**
 * Returns the mix at position `fraction` of keyframes placed evenly from 0 to 1, interpolating
 * linearly between neighbours. One keyframe gives a constant mix.
 */
export function interpolateMixes(keyframes: readonly NamedMix[], fraction: number): number[] {
  const first = keyframes[0];
  if (first === undefined) throw new RangeError('A drifting label plan needs at least one keyframe mix. Give one mix per profile.');
  if (keyframes.length === 1) return [...first.mix];

  const position = Math.min(1, Math.max(0, fraction)) * (keyframes.length - 1);
  const left = Math.min(keyframes.length - 2, Math.floor(position));
  const weight = position - left;
  const from = (keyframes[left] as NamedMix).mix;
  const to = (keyframes[left + 1] as NamedMix).mix;
  return from.map((share, index) => (1 - weight) * share + weight * (to[index] ?? 0));
}

/** Record indices of a split, grouped by class and by group. */
export interface RecordIndex {
  byClass: number[][];
  byGroup: Map<string, number[]>;
  /** Record indices sorted by group, then index: calendar order for date groups. */
  calendarOrder: number[];
  classes: number;
}

/** Indexes a recorded split's records by class and group. */
export function indexRecords(split: RecordedSplit, classes: number): RecordIndex {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  const byGroup = new Map<string, number[]>();
  for (const [record, label] of split.labels.entries()) {
    const bucket = byClass[label];
    if (bucket === undefined) {
      throw new RangeError(`Record ${record} has label ${label}, outside the application's ${classes} classes. Check the recorded outputs.`);
    }
    bucket.push(record);

    const group = split.groups?.[record];
    if (group !== undefined) {
      const members = byGroup.get(group) ?? [];
      members.push(record);
      byGroup.set(group, members);
    }
  }

  const groups = split.groups;
  const calendarOrder = groups === undefined ? [] : split.labels.map((_, record) => record);
  if (groups !== undefined) {
    calendarOrder.sort((left, right) => {
      const byDate = (groups[left] ?? '') < (groups[right] ?? '') ? -1 : (groups[left] ?? '') > (groups[right] ?? '') ? 1 : 0;
      return byDate !== 0 ? byDate : left - right;
    });
  }
  return { byClass, byGroup, calendarOrder, classes };
}

/** Returns the class mix a class-based plan targets at `fraction`, or undefined for group plans. */
export function targetClassMix(plan: LabelPlan, fraction: number): number[] | undefined {
  switch (plan.kind) {
    case LabelPlanKind.Mix:
      return [...plan.mix];
    case LabelPlanKind.ClassDrift:
      return interpolateMixes(plan.keyframes, fraction);
    case LabelPlanKind.GroupDrift:
    case LabelPlanKind.Calendar:
      return undefined;
    default: {
      const unknown: never = plan;
      throw new TypeError(`Unknown label plan ${JSON.stringify(unknown)}.`);
    }
  }
}

/** Chooses the record of every request of a trace of `count` requests. */
export function planRecords(plan: LabelPlan, count: number, index: RecordIndex, random: Random): number[] {
  validatePlan(plan, index);

  const records: number[] = [];
  for (let position = 0; position < count; position += 1) {
    const fraction = count <= 1 ? 0 : position / count;
    records.push(drawRecord(plan, fraction, index, random));
  }
  return records;
}

function drawRecord(plan: LabelPlan, fraction: number, index: RecordIndex, random: Random): number {
  switch (plan.kind) {
    case LabelPlanKind.Mix:
    case LabelPlanKind.ClassDrift: {
      const mix = targetClassMix(plan, fraction) ?? [];
      // Classes without test records cannot be drawn; their share goes to the others.
      const weights = mix.map((share, label) => ((index.byClass[label]?.length ?? 0) > 0 ? share : 0));
      const members = index.byClass[random.categorical(weights)] ?? [];
      return members[random.integer(0, members.length - 1)] as number;
    }
    case LabelPlanKind.GroupDrift: {
      const mix = interpolateMixes(plan.keyframes, fraction);
      const group = plan.groups[random.categorical(mix)] as string;
      const members = index.byGroup.get(group) ?? [];
      return members[random.integer(0, members.length - 1)] as number;
    }
    case LabelPlanKind.Calendar: {
      const order = index.calendarOrder;
      const centre = Math.floor(fraction * order.length);
      const low = Math.max(0, centre - plan.windowRecords);
      const high = Math.min(order.length - 1, centre + plan.windowRecords);
      return order[random.integer(low, high)] as number;
    }
    default: {
      const unknown: never = plan;
      throw new TypeError(`Unknown label plan ${JSON.stringify(unknown)}.`);
    }
  }
}

function validatePlan(plan: LabelPlan, index: RecordIndex): void {
  switch (plan.kind) {
    case LabelPlanKind.Mix:
      validateMix(plan.mix, index.classes, `Label plan "${plan.name}"`);
      return;
    case LabelPlanKind.ClassDrift:
      for (const keyframe of plan.keyframes) validateMix(keyframe.mix, index.classes, `Keyframe "${keyframe.name}" of label plan "${plan.name}"`);
      if (plan.keyframes.length === 0) throw new RangeError(`Label plan "${plan.name}" has no keyframes. Give at least one class mix.`);
      return;
    case LabelPlanKind.GroupDrift:
      for (const group of plan.groups) {
        if ((index.byGroup.get(group)?.length ?? 0) === 0) {
          throw new RangeError(`Label plan "${plan.name}" names group "${group}", which no test record has. Use groups from the recorded outputs.`);
        }
      }
      for (const keyframe of plan.keyframes) validateMix(keyframe.mix, plan.groups.length, `Keyframe "${keyframe.name}" of label plan "${plan.name}"`);
      return;
    case LabelPlanKind.Calendar:
      if (index.calendarOrder.length === 0) {
        throw new RangeError(`Label plan "${plan.name}" walks the calendar, but the test split has no groups (dates). Record groups or use another plan.`);
      }
      if (!Number.isInteger(plan.windowRecords) || plan.windowRecords < 0) {
        throw new RangeError(`Label plan "${plan.name}" has windowRecords ${plan.windowRecords}. Use a whole number >= 0.`);
      }
      return;
    default: {
      const unknown: never = plan;
      throw new TypeError(`Unknown label plan ${JSON.stringify(unknown)}.`);
    }
  }
}

function validateMix(mix: readonly number[], length: number, label: string): void {
  if (mix.length !== length) {
    throw new RangeError(`${label} has ${mix.length} shares but there are ${length} classes or groups. Give one share per class or group.`);
  }
  let total = 0;
  for (const share of mix) {
    if (!Number.isFinite(share) || share < 0) throw new RangeError(`${label} contains share ${String(share)}. Shares must be finite and >= 0.`);
    total += share;
  }
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`${label} sums to ${total}, not 1. Normalise the shares.`);
}
