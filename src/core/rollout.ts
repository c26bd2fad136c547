/**
 * One step of look-ahead: the expected utility of the queue that a candidate batch leaves behind.
 *
 * The roll-out serves every other remaining request back to back from the candidate's finish:
 *
 * 1. Requests go in deadline order across applications. The next batch belongs to the application
 *    whose next unserved request is the most urgent, and it takes up to a full batch of that
 *    application's next requests in deadline order.
 * 2. The candidate's application runs on the candidate's variant. Every other application runs on
 *    the variant it ran last, or on its cheapest (lowest `L(1)`) before it has run.
 * 3. A roll-out variant that is not resident after the candidate's evictions and load pays its
 *    load cost once, before its first batch.
 * 4. A request finishing by its deadline earns `w_q · Â_v(q)`. Within a soft-deadline grace period
 *    it earns the decayed share minus the miss penalty. Later than that, the policy would drop it,
 *    so it earns minus the drop penalty (0 by default). It still occupies its batch slot.
 *
 * 5. Only the first `ROLLOUT_WINDOW` requests in the deadline order across applications are rolled
 *    out. Requests beyond the window count for no candidate, so they leave the comparison between
 *    candidates unchanged, and a decision over a long queue costs what one over the window does.
 *
 * The cost is `O(min(n, ROLLOUT_WINDOW) + batches × applications)` per candidate.
 *
 * NOTE: a candidate whose members lie beyond the window still counts them, so it gains over
 * candidates inside the window by their value. Members start at the most urgent request that can
 * still finish in time, so this needs more than `ROLLOUT_WINDOW` minus a full batch of requests
 * that are queued, still feasible alone, and too urgent for the candidate.
 *
 * NOTE: roll-out loads evict nothing, so two roll-out variants that cannot be resident together
 * are both counted as resident after their first load. A last partial batch runs at its own size
 * even when `batchSizes` leaves that size out. Both make the roll-out slightly optimistic.
 */

import type { ApplicationQueue, DecisionContext, VariantState } from './decision-context';

/**
 * Requests, in the deadline order across applications, that a roll-out serves: about eight full
 * batches of 32 ahead, where later decisions will have revised the plan anyway.
 */
export const ROLLOUT_WINDOW = 256;

/** Candidate fields that the roll-out uses. */
export interface RolloutStart {
  queue: ApplicationQueue;
  variant: VariantState;
  /** Members are `queue.requests[start]` up to, but excluding, `queue.requests[start + size]`. */
  start: number;
  size: number;
  durationMs: number;
  /** Number of leading entries of the context's eviction order that the candidate evicts. */
  evictCount: number;
  /**
   * Members chosen out of deadline order, as ascending indices into `queue.requests`; when set,
   * they replace the range from `start`.
   */
  members?: readonly number[];
}

/** Cursor over one application's remaining requests during a roll-out. */
interface Stream {
  queue: ApplicationQueue;
  variant: VariantState;
  /** Column of `queue.estimates` for `variant`. */
  estimates: Float64Array;
  cursor: number;
  /** Number of the queue's requests inside the roll-out window: a prefix, as ranks ascend. */
  windowEnd: number;
  /** The candidate's members as a range `[skipStart, skipEnd)`; both -1 when none or `skipSet` applies. */
  skipStart: number;
  skipEnd: number;
  /** Members chosen out of deadline order, which the roll-out skips; null when the range applies. */
  skipSet: ReadonlySet<number> | null;
  loadPending: boolean;
}

/**
 * The roll-outs of one decision's candidates. It keeps one stream per application queue and resets
 * them for each candidate, so scoring a candidate allocates nothing but a set for out-of-order
 * members.
 */
export class Rollout {
  private readonly streams: Stream[];

  constructor(private readonly context: DecisionContext) {
    this.streams = context.applications.map((queue) => ({
      queue,
      variant: queue.variants[0] as VariantState,
      estimates: EMPTY_COLUMN,
      cursor: 0,
      windowEnd: queue.rolloutEnd,
      skipStart: -1,
      skipEnd: -1,
      skipSet: null,
      loadPending: false,
    }));
  }

  /** Returns the expected utility of serving every request outside the candidate after it. */
  value(candidate: RolloutStart): number {
    const { context, streams } = this;
    const { graceMs, missPenalty, dropPenalty } = context.options;
    resetStreams(streams, candidate);

    let clock = context.now + candidate.durationMs;
    let value = 0;
    for (;;) {
      const stream = mostUrgentStream(streams);
      if (stream === undefined) break;
      const { queue, variant, estimates, windowEnd, skipStart, skipEnd } = stream;
      const { weights, deadlines, horizons } = queue;

      if (stream.loadPending) {
        clock += variant.profile.loadMs;
        stream.loadPending = false;
      }

      // Take up to a full batch of this application's next requests in the window. The cursor is
      // never inside the members' range, so the batch has the window's remaining requests minus
      // the members among them.
      const first = stream.cursor;
      let size: number;
      if (stream.skipSet === null) {
        const skipped = Math.max(0, Math.min(windowEnd, skipEnd) - Math.max(first, skipStart));
        size = Math.min(variant.fullBatch, windowEnd - first - skipped);
      } else {
        size = 0;
        for (let index = first; size < variant.fullBatch && index < windowEnd; index = skipMembers(stream, index + 1)) size += 1;
      }
      clock += variant.latency[size] ?? 0;

      let index = first;
      for (let served = 0; served < size; served += 1) {
        const weight = weights[index] as number;
        const estimate = estimates[index] as number;
        const deadline = deadlines[index] as number;
        if (clock <= deadline) {
          value += weight * estimate;
        } else if (clock <= (horizons[index] as number)) {
          value += weight * estimate * (1 - (clock - deadline) / graceMs) - weight * missPenalty;
        } else {
          value -= weight * dropPenalty;
        }
        index += 1;
        if (index === skipStart) index = skipEnd;
        else if (stream.skipSet !== null) index = skipMembers(stream, index);
      }
      stream.cursor = index;
    }
    return value;
  }
}

const EMPTY_COLUMN = new Float64Array(0);

/** Points every stream at its queue's first request outside the candidate, on its roll-out variant. */
function resetStreams(streams: readonly Stream[], candidate: RolloutStart): void {
  for (const stream of streams) {
    const queue = stream.queue;
    const isCandidateApplication = queue === candidate.queue;
    const variantIndex = isCandidateApplication ? queue.variants.indexOf(candidate.variant) : queue.rolloutVariant;
    const variant = queue.variants[variantIndex];
    if (variant === undefined) {
      // A queue without a variant has no request to serve; an exhausted cursor leaves it out.
      stream.cursor = stream.windowEnd;
      continue;
    }

    const skipsRange = isCandidateApplication && candidate.members === undefined;
    stream.variant = variant;
    stream.estimates = queue.estimates[variantIndex] ?? EMPTY_COLUMN;
    stream.skipStart = skipsRange ? candidate.start : -1;
    stream.skipEnd = skipsRange ? candidate.start + candidate.size : -1;
    stream.skipSet = isCandidateApplication && candidate.members !== undefined ? new Set(candidate.members) : null;
    stream.loadPending = !(variant === candidate.variant || (variant.resident && variant.evictionPosition >= candidate.evictCount));
    stream.cursor = skipMembers(stream, 0);
  }
}

/** Moves an index past the candidate's own members, which the roll-out does not serve again. */
function skipMembers(stream: Stream, index: number): number {
  if (stream.skipSet !== null) {
    let next = index;
    while (stream.skipSet.has(next)) next += 1;
    return next;
  }
  return index === stream.skipStart ? stream.skipEnd : index;
}

/** Returns the stream whose next request comes first in the deadline order, if any remains in the window. */
function mostUrgentStream(streams: readonly Stream[]): Stream | undefined {
  let best: Stream | undefined;
  let bestRank = Infinity;
  for (let position = 0; position < streams.length; position += 1) {
    const stream = streams[position] as Stream;
    if (stream.cursor >= stream.windowEnd) continue;
    const rank = stream.queue.ranks[stream.cursor] ?? Infinity;
    if (rank < bestRank) {
      best = stream;
      bestRank = rank;
    }
  }
  return best;
}
