/**
 * The runtime's own work per request, as one serial lane in front of the SneakPeek lanes.
 *
 * A live request costs CPU time beyond its models: the page's `submit()`, the message to the
 * scheduler worker, the checks, the queue and the outcome's way back. On a device where a batch
 * takes a millisecond, that work sets the request rate the runtime can sustain, and a request
 * waits for the requests before it. The lane charges each request `requestCostMs` in arrival
 * order across every application: request `i` is admitted at
 * `max(arrival_i, admitted_(i-1)) + requestCostMs`, then goes to its application's SneakPeek lane.
 * Its deadline still counts from its arrival.
 *
 * With a cost of 0 every request is admitted at its arrival, and a trace is exactly what it was
 * without the lane.
 */

/** Returns each arrival's admission time (same order); `arrivals` must be ascending. */
export function planAdmission(arrivals: readonly number[], requestCostMs: number): number[] {
  if (!Number.isFinite(requestCostMs) || requestCostMs < 0) {
    throw new RangeError(`Request cost is ${String(requestCostMs)} ms. Use a finite number of milliseconds >= 0, or 0 to leave the runtime's own work out.`);
  }
  const admitted = new Array<number>(arrivals.length);
  let laneFree = -Infinity;
  for (const [index, arrival] of arrivals.entries()) {
    if (index > 0 && arrival < (arrivals[index - 1] as number)) {
      throw new RangeError(`Arrival ${index} at ${arrival} ms comes before the previous one. Sort arrivals ascending.`);
    }
    laneFree = Math.max(laneFree, arrival) + requestCostMs;
    admitted[index] = laneFree;
  }
  return admitted;
}
