/**
 * The SneakPeek model's own lane: when each request's posterior is in and the request joins the
 * scheduler's queue. It mirrors the live lane of one application:
 *
 * - At most one SneakPeek run is in flight.
 * - An input that arrives while the lane is idle starts a batch at once, together with every
 *   input that arrives at the same instant.
 * - Inputs that arrive during a run wait and form the next batch, at most `maxBatch` at a time.
 * - Every member of a batch is ready when the batch ends.
 *
 * The lane runs beside the executor, so its timing depends only on the arrivals and the drawn
 * run times, never on the policy.
 */

/** Returns the ready time of each arrival (same order); `arrivals` must be ascending. */
export function planSneakPeekLane(
  arrivals: readonly number[],
  maxBatch: number,
  drawRunMs: (batchSize: number) => number,
): number[] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new RangeError(`SneakPeek lane maxBatch is ${String(maxBatch)}. Use a whole number >= 1, such as 64 as in the live lane.`);
  }

  for (let index = 1; index < arrivals.length; index += 1) {
    if ((arrivals[index] as number) < (arrivals[index - 1] as number)) {
      throw new RangeError(`Arrival ${index} at ${arrivals[index]} ms comes before the previous one. Sort arrivals ascending.`);
    }
  }

  const ready = new Array<number>(arrivals.length);
  let next = 0;
  let laneFree = -Infinity;
  while (next < arrivals.length) {
    const first = arrivals[next] as number;

    // The batch starts when the lane is free and the first waiting input has arrived, and takes
    // every input that has arrived by then.
    const start = Math.max(laneFree, first);
    let end = next;
    while (end < arrivals.length && end - next < maxBatch && (arrivals[end] as number) <= start) end += 1;

    const finish = start + drawRunMs(end - next);
    for (let index = next; index < end; index += 1) ready[index] = finish;
    laneFree = finish;
    next = end;
  }
  return ready;
}
