/**
 * What the runtime does when a batch is lost to a fault (a lost WebGPU device, a crashed or hung
 * inference worker), and how long it waits for the inference worker before calling it hung.
 *
 * - A request is dispatched at most `MAX_DISPATCHES` times: a batch lost to a fault puts its
 *   members back in the queue once, and a request lost a second time is dropped.
 * - A request whose deadline has passed is dropped rather than queued again, because the policy
 *   could only drop it as infeasible.
 * - The watchdog allows `WATCHDOG_FACTOR` times the expected duration of a call, and never less
 *   than the configured minimum, so a slow but healthy batch is not mistaken for a hang.
 */

/** Dispatches a request may have: the first, and one retry after a fault. */
export const MAX_DISPATCHES = 2;

/** Multiple of a call's expected duration that the watchdog waits before declaring the worker hung. */
export const WATCHDOG_FACTOR = 10;

/** One member of a batch lost to a fault. */
export interface LostMember {
  id: string;
  deadline: number;
  /** Times the request has been dispatched, the lost batch included. */
  dispatches: number;
}

/** The fate of a lost batch's members. */
export interface RetryPlan {
  /** Ids to queue again, in the order given. */
  requeue: string[];
  /** Ids whose deadline had passed at `now`. */
  expired: string[];
  /** Ids already dispatched `MAX_DISPATCHES` times. */
  exhausted: string[];
}

/** Splits the members of a lost batch into those to queue again and those to drop, at time `now`. */
export function planRetry(members: readonly LostMember[], now: number): RetryPlan {
  const plan: RetryPlan = { requeue: [], expired: [], exhausted: [] };
  for (const member of members) {
    if (member.dispatches >= MAX_DISPATCHES) plan.exhausted.push(member.id);
    else if (member.deadline <= now) plan.expired.push(member.id);
    else plan.requeue.push(member.id);
  }
  return plan;
}

/**
 * Returns how long to wait for a call to the inference worker that is expected to take
 * `expectedMs`, before declaring the worker hung.
 */
export function watchdogTimeoutMs(expectedMs: number, minimumMs: number): number {
  const expected = Number.isFinite(expectedMs) && expectedMs > 0 ? expectedMs : 0;
  return Math.max(minimumMs, WATCHDOG_FACTOR * expected);
}

/**
 * Median of `measured[i] / previous[i]` over the pairs where both are positive, or undefined when
 * there is none. After a provider change it scales the profiles of variants not measured again.
 */
export function medianRatio(pairs: readonly { previous: number; measured: number }[]): number | undefined {
  const ratios = pairs
    .filter((pair) => pair.previous > 0 && pair.measured > 0 && Number.isFinite(pair.previous) && Number.isFinite(pair.measured))
    .map((pair) => pair.measured / pair.previous)
    .sort((a, b) => a - b);
  if (ratios.length === 0) return undefined;
  const middle = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2;
}
