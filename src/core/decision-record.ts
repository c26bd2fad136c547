/**
 * A bounded record of policy decisions. Each entry keeps the exact `SchedulerState` passed to the
 * policy and the `Decision` it returned, in JSON form, where Maps become arrays of `[key, value]`
 * entries. A recorded run can then be replayed through the policy elsewhere and compared.
 *
 * - Each entry is a deep copy taken when the decision is recorded, so later changes to the
 *   scheduler's queue or resident set do not reach it.
 * - When the record is full, the oldest entry goes first. The kept entries are always consecutive
 *   decisions, so each state follows from the previous decision.
 */

import type { Action, Decision, Drop, QueuedRequest, SchedulerState, TrafficEstimate, VariantProfile } from './model.js';
import type { ResolvedPolicyOptions } from './policy-options.js';

/** Largest number of decisions a record may keep. */
export const MAX_RECORDED_DECISIONS = 10_000;

/** A `SchedulerState` in JSON form. */
export interface SerializedState {
  now: number;
  queue: QueuedRequest[];
  variants: VariantProfile[];
  resident: [string, number][];
  lastVariant: [string, string][];
  /** Absent when the state had no swap credit. */
  swapCredit?: [string, number][];
  /** Absent when the state had no traffic estimates. */
  traffic?: [string, TrafficEstimate][];
}

/** A `Decision` in JSON form. */
export interface SerializedDecision {
  drops: Drop[];
  action: Action;
  priorities: [string, number][];
  swapGains: [string, number][];
}

/** One recorded decision: the state the policy saw and what it returned. */
export interface RecordedDecision {
  state: SerializedState;
  decision: SerializedDecision;
}

/** The decisions a runtime recorded, oldest first, with the options they were made under. */
export interface DecisionRecord {
  options: ResolvedPolicyOptions;
  /** Largest number of decisions kept. */
  limit: number;
  /** Older decisions discarded because the record was full. */
  discarded: number;
  decisions: RecordedDecision[];
}

/** Returns a deep copy of `state` in JSON form. */
export function serializeState(state: SchedulerState): SerializedState {
  const serialized: SerializedState = {
    now: state.now,
    queue: structuredClone([...state.queue]),
    variants: structuredClone([...state.variants]),
    resident: [...state.resident],
    lastVariant: [...state.lastVariant],
  };
  if (state.swapCredit !== undefined) serialized.swapCredit = [...state.swapCredit];
  if (state.traffic !== undefined) serialized.traffic = structuredClone([...state.traffic]);
  return serialized;
}

/** Rebuilds the `SchedulerState` that `serializeState` recorded. */
export function deserializeState(serialized: SerializedState): SchedulerState {
  const state: SchedulerState = {
    now: serialized.now,
    queue: serialized.queue,
    variants: serialized.variants,
    resident: new Map(serialized.resident),
    lastVariant: new Map(serialized.lastVariant),
  };
  if (serialized.swapCredit !== undefined) state.swapCredit = new Map(serialized.swapCredit);
  if (serialized.traffic !== undefined) state.traffic = new Map(serialized.traffic);
  return state;
}

/** Returns a deep copy of `decision` in JSON form. */
export function serializeDecision(decision: Decision): SerializedDecision {
  return {
    drops: structuredClone(decision.drops),
    action: structuredClone(decision.action),
    priorities: [...decision.priorities],
    swapGains: [...decision.swapGains],
  };
}

/** Keeps the most recent `limit` decisions of one runtime. */
export class DecisionRecorder {
  private readonly entries: RecordedDecision[] = [];
  /** Index of the oldest entry once the buffer is full. */
  private oldest = 0;
  private discarded = 0;

  constructor(
    private readonly limit: number,
    private readonly options: ResolvedPolicyOptions,
  ) {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECORDED_DECISIONS) {
      throw new RangeError(`Decision record limit is ${String(limit)}; pass a whole number from 1 to ${MAX_RECORDED_DECISIONS}.`);
    }
  }

  /** Copies one decision and the state it was made on into the record. */
  add(state: SchedulerState, decision: Decision): void {
    const entry = { state: serializeState(state), decision: serializeDecision(decision) };
    if (this.entries.length < this.limit) {
      this.entries.push(entry);
      return;
    }
    this.entries[this.oldest] = entry;
    this.oldest = (this.oldest + 1) % this.limit;
    this.discarded++;
  }

  /** Returns the kept decisions, oldest first. */
  snapshot(): DecisionRecord {
    return {
      options: structuredClone(this.options),
      limit: this.limit,
      discarded: this.discarded,
      decisions: [...this.entries.slice(this.oldest), ...this.entries.slice(0, this.oldest)],
    };
  }
}
