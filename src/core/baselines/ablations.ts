/**
 * Ablations of `decide` that change how it is called rather than its code:
 *
 * - No swap margin: the margin is 0 and the swap credit is withheld, so any estimated gain,
 *   however small, loads a variant.
 * - Priority order: `decide` chooses the variant, the batch size and the evictions as usual. The
 *   members are then the requests with the highest priority (the expected utility each loses by
 *   waiting) among those that still finish in time in that batch, not the first in deadline order. The policy's own rule fills batches in deadline order because ordering by
 *   priority starved requests that look hard.
 *
 * No batching (`batchSizes: [1]`) and profiled or oracle estimates need no wrapper: they are
 * options and estimator choices of the simulated policy.
 */

import type { Decision, QueuedRequest, SchedulerState } from '../model.js';
import { decide } from '../policy.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import { compareIds } from '../residency.js';
import { latestUsefulFinish } from '../utility.js';

/** `decide` without swap hysteresis: margin 0 and no swap credit. */
export function decideWithoutSwapMargin(state: SchedulerState, options: ResolvedPolicyOptions): Decision {
  const withoutCredit: SchedulerState = { ...state, swapCredit: new Map() };
  return decide(withoutCredit, { ...options, swapMargin: 0 });
}

/** `decide` with each batch's members chosen by priority instead of deadline order. */
export function decideInPriorityOrder(state: SchedulerState, options: ResolvedPolicyOptions): Decision {
  const decision = decide(state, options);
  const action = decision.action;
  if (action.kind !== 'run') return decision;

  // Members must still finish by their latest useful finish if the batch starts now.
  const finish = state.now + action.expectedDurationMs;
  const dropped = new Set(decision.drops.map((drop) => drop.requestId));
  const eligible = state.queue.filter(
    (request) =>
      request.application === action.application &&
      !dropped.has(request.id) &&
      finish <= latestUsefulFinish(request.deadline, options.graceMs),
  );

  const priority = (request: QueuedRequest): number => decision.priorities.get(request.id) ?? 0;
  eligible.sort(
    (left, right) =>
      priority(right) - priority(left) || left.deadline - right.deadline || compareIds(left.id, right.id),
  );
  const members = eligible.slice(0, action.requestIds.length).map((request) => request.id);
  return { ...decision, action: { ...action, requestIds: members } };
}
