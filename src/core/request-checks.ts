/**
 * Checks of one request's fields, shared by the client (to fail fast on the main thread) and the
 * scheduler (the boundary nothing invalid may cross).
 */

/** Throws when `input` is not exactly one record of `recordShape` with finite values. */
export function checkInput(application: string, input: ArrayLike<number>, recordShape: readonly number[]): void {
  const expected = recordShape.reduce((product, size) => product * size, 1);
  if (input.length !== expected) {
    throw new RangeError(
      `Input for application "${application}" has ${input.length} values; expected ${expected} (one record of shape ${recordShape.join('×')}, without the batch axis).`,
    );
  }
  for (let index = 0; index < input.length; index++) {
    if (!Number.isFinite(input[index])) {
      throw new RangeError(
        `Input for application "${application}" contains ${String(input[index])} at index ${index}; replace missing or infinite values before submitting.`,
      );
    }
  }
}

/** Throws when the absolute deadline is not in the future. */
export function checkDeadline(deadline: number, currentTime: number): void {
  if (!Number.isFinite(deadline)) {
    throw new RangeError(`Deadline ${deadline} is not a finite time; pass deadlineMs > 0 or an absolute deadline in the future.`);
  }
  if (deadline <= currentTime) {
    throw new RangeError(
      `Deadline ${deadline.toFixed(1)} is already past (now ${currentTime.toFixed(1)}, ${(currentTime - deadline).toFixed(1)} ms ago); pass deadlineMs > 0 or a future absolute deadline.`,
    );
  }
}

/** Throws when the utility weight is not a positive finite number. */
export function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight <= 0) {
    throw new RangeError(`Request weight ${weight} is invalid; pass a positive finite number (default 1).`);
  }
}
