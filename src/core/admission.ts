/**
 * Backpressure: the runtime holds at most a configured number of accepted requests that have no
 * outcome yet (estimating, queued or in a running batch), and rejects submissions beyond it.
 * Rejecting at submission keeps memory bounded and tells the caller at once, where an unbounded
 * queue would only turn the excess into late drops.
 */

/** Default of the `maxQueuedRequests` option. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 2000;

/** Error of a submission rejected because the runtime already has `maxQueuedRequests` open requests. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/** Throws `QueueFullError` when `openRequests` already reaches `maxQueuedRequests`. */
export function checkQueueBound(requestId: string, openRequests: number, maxQueuedRequests: number): void {
  if (openRequests < maxQueuedRequests) return;
  throw new QueueFullError(
    `Request "${requestId}" was not accepted: ${openRequests} requests are open, the maxQueuedRequests bound of ${maxQueuedRequests}. ` +
      'Wait for outcomes before submitting more, or create the runtime with a larger maxQueuedRequests.',
  );
}
