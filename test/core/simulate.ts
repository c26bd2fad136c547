/**
 * A minimal discrete-event loop for policy tests: requests arrive from a trace, `decide` runs
 * whenever the executor is idle, and every batch takes exactly its expected duration. It checks
 * the memory budget after every load and keeps a record of what ran.
 */

import type { Decision, QueuedRequest, SchedulerState, VariantProfile } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import type { ResolvedPolicyOptions } from '../../src/core/policy-options';
import { residentAfterRun } from '../../src/core/residency';

export interface ServedRecord {
  requestId: string;
  variantId: string;
  finish: number;
  deadline: number;
}

export interface SimulationResult {
  served: ServedRecord[];
  droppedIds: string[];
  loads: number;
  /** The largest resident footprint seen after any load. */
  maxResidentBytes: number;
}

export interface SimulationInput {
  trace: readonly QueuedRequest[];
  variants: readonly VariantProfile[];
  options: ResolvedPolicyOptions;
  resident?: ReadonlyMap<string, number>;
  /** Called with every state and the decision made on it. */
  onDecision?: (state: SchedulerState, decision: Decision) => void;
  /** Guard against a policy that never makes progress. */
  maxDecisions?: number;
}

export function simulate(input: SimulationInput): SimulationResult {
  const trace = [...input.trace].sort((left, right) => left.arrival - right.arrival);
  const footprints = new Map(input.variants.map((variant) => [variant.id, variant.footprintBytes]));
  const maxDecisions = input.maxDecisions ?? 100_000;

  let resident: Map<string, number> = new Map(input.resident ?? []);
  const lastVariant = new Map<string, string>();
  let queue: QueuedRequest[] = [];
  let next = 0;
  let now = trace[0]?.arrival ?? 0;
  const result: SimulationResult = { served: [], droppedIds: [], loads: 0, maxResidentBytes: 0 };

  for (let decisions = 0; ; decisions += 1) {
    if (decisions >= maxDecisions) throw new Error(`simulation made no progress after ${maxDecisions} decisions at time ${now}`);

    while (next < trace.length && (trace[next]?.arrival ?? Infinity) <= now) queue.push(trace[next++] as QueuedRequest);
    const nextArrival = trace[next]?.arrival;
    if (queue.length === 0) {
      if (nextArrival === undefined) break;
      now = nextArrival;
      continue;
    }

    const state: SchedulerState = { now, queue, variants: input.variants, resident, lastVariant };
    const decision = decide(state, input.options);
    input.onDecision?.(state, decision);

    const droppedIds = new Set(decision.drops.map((drop) => drop.requestId));
    result.droppedIds.push(...droppedIds);
    queue = queue.filter((request) => !droppedIds.has(request.id));

    const action = decision.action;
    if (action.kind === 'idle') {
      if (queue.length > 0) throw new Error(`policy went idle at ${now} with ${queue.length} requests queued`);
      if (nextArrival === undefined) break;
      now = nextArrival;
      continue;
    }
    if (action.kind === 'wait') {
      if (action.until <= now) throw new Error(`policy waited until ${action.until}, not after now (${now})`);
      now = Math.min(action.until, nextArrival ?? action.until);
      continue;
    }

    // Run: apply evictions and the load, check the budget, then serve the members.
    const finish = now + action.expectedDurationMs;
    resident = residentAfterRun(resident, action, finish);
    if (action.load) {
      result.loads += 1;
      let bytes = 0;
      for (const variantId of resident.keys()) bytes += footprints.get(variantId) ?? 0;
      result.maxResidentBytes = Math.max(result.maxResidentBytes, bytes);
    }
    lastVariant.set(action.application, action.variantId);

    const members = new Set(action.requestIds);
    for (const request of queue) {
      if (!members.has(request.id)) continue;
      result.served.push({ requestId: request.id, variantId: action.variantId, finish, deadline: request.deadline });
    }
    queue = queue.filter((request) => !members.has(request.id));
    now = finish;
  }
  return result;
}
