/**
 * Scheduling policy options in three parts: `PolicyOptions` as a user writes them, one frozen
 * `DEFAULT_POLICY_OPTIONS`, and `resolvePolicyOptions`, which validates and fills in the defaults
 * to give a `ResolvedPolicyOptions`. No other policy module contains a default.
 */

import type { UtilityOptions } from './utility';

/** Options of the scheduling policy as a user gives them. */
export interface PolicyOptions {
  /**
   * Device memory, in bytes, that resident variants may fill together. WebGPU reports no free
   * memory, so this is configured, and variant footprints are estimates.
   */
  memoryBudgetBytes: number;
  /**
   * Expected utility that a candidate needing a variant load must gain over the best candidate on a
   * resident variant before the policy swaps. It keeps small estimated gains from thrashing the
   * resident set. The unit is expected correct predictions per unit of request weight.
   * @default 0.5
   */
  swapMargin?: number;
  /**
   * Difference below which two candidate scores count as equal. Equal scores prefer the larger
   * batch, then the shorter duration.
   * @default 1e-9
   */
  scoreTolerance?: number;
  /**
   * Maximum time, in milliseconds, the oldest queued request may wait for a fuller batch. 0 runs the
   * best batch at once, whatever its size.
   * @default 0
   */
  maxQueueDelayMs?: number;
  /**
   * Batch sizes the policy may run, ascending or not. Each variant uses the sizes up to its
   * `maxBatch`. The list must contain 1, so that a lone request can always run.
   * @default every size from 1 to each variant's maxBatch
   */
  batchSizes?: readonly number[];
  /**
   * Soft-deadline grace period in milliseconds: a request finishing this long after its deadline
   * earns nothing, and one finishing in between earns a linearly decayed share. 0 makes deadlines
   * hard.
   * @default 0
   */
  graceMs?: number;
  /**
   * Utility subtracted, per unit of request weight, from a request that finishes after its deadline.
   * @default 0
   */
  missPenalty?: number;
  /**
   * Utility subtracted, per unit of request weight, from a request that is dropped.
   * @default 0
   */
  dropPenalty?: number;
  /**
   * Whether a candidate batch is charged for the requests expected to arrive while it runs and
   * miss their deadlines because the executor is busy (the arrival cost, from
   * `SchedulerState.traffic`). Without it, long batches look free to requests not yet queued.
   * @default true
   */
  anticipateArrivals?: boolean;
  /**
   * Whether each variant and batch size also gets a candidate whose members are the feasible
   * requests on which that variant's estimate most exceeds the best other variant's, instead of
   * the most urgent ones. It lets a variant that is better on some inputs take those inputs.
   * @default false
   */
  advantageCandidates?: boolean;
}

/** Policy options with every default filled in and every value validated. */
export interface ResolvedPolicyOptions extends UtilityOptions {
  readonly memoryBudgetBytes: number;
  readonly swapMargin: number;
  readonly scoreTolerance: number;
  readonly maxQueueDelayMs: number;
  /** Sorted ascending without duplicates; `null` means every size from 1 to each variant's maxBatch. */
  readonly batchSizes: readonly number[] | null;
  readonly graceMs: number;
  readonly missPenalty: number;
  readonly dropPenalty: number;
  readonly anticipateArrivals: boolean;
  readonly advantageCandidates: boolean;
}

/** Defaults of every optional policy option. */
export const DEFAULT_POLICY_OPTIONS = Object.freeze({
  swapMargin: 0.5,
  scoreTolerance: 1e-9,
  maxQueueDelayMs: 0,
  batchSizes: null,
  graceMs: 0,
  missPenalty: 0,
  dropPenalty: 0,
  anticipateArrivals: true,
  advantageCandidates: false,
} as const satisfies Omit<ResolvedPolicyOptions, 'memoryBudgetBytes'>);

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'memoryBudgetBytes',
  'swapMargin',
  'scoreTolerance',
  'maxQueueDelayMs',
  'batchSizes',
  'graceMs',
  'missPenalty',
  'dropPenalty',
  'anticipateArrivals',
  'advantageCandidates',
]);

/**
 * Validates user options and fills in the defaults. Throws a TypeError for a missing option, a
 * value of the wrong type or an unknown option name, and a RangeError for a value out of range.
 * Each message quotes the option, the value and the fix.
 */
export function resolvePolicyOptions(user: PolicyOptions): ResolvedPolicyOptions {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) {
    throw new TypeError(
      `Policy options must be an object such as { memoryBudgetBytes: 512 * 2 ** 20 }, got ${describe(user)}.`,
    );
  }
  for (const key of Object.keys(user)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`Unknown policy option "${key}". Known options: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }

  if (user.memoryBudgetBytes === undefined) {
    throw new TypeError(
      'Policy option "memoryBudgetBytes" is missing. Set it to the device memory, in bytes, that resident variants may fill together.',
    );
  }
  const memoryBudgetBytes = requireNumber('memoryBudgetBytes', user.memoryBudgetBytes);
  if (!(memoryBudgetBytes > 0)) {
    throw new RangeError(
      `Policy option "memoryBudgetBytes" must be above 0, got ${memoryBudgetBytes}. Set it to the device memory, in bytes, that resident variants may fill.`,
    );
  }

  const resolved: ResolvedPolicyOptions = {
    memoryBudgetBytes,
    swapMargin: nonNegative('swapMargin', user.swapMargin, DEFAULT_POLICY_OPTIONS.swapMargin),
    scoreTolerance: nonNegative('scoreTolerance', user.scoreTolerance, DEFAULT_POLICY_OPTIONS.scoreTolerance),
    maxQueueDelayMs: nonNegative('maxQueueDelayMs', user.maxQueueDelayMs, DEFAULT_POLICY_OPTIONS.maxQueueDelayMs),
    batchSizes: resolveBatchSizes(user.batchSizes),
    graceMs: nonNegative('graceMs', user.graceMs, DEFAULT_POLICY_OPTIONS.graceMs),
    missPenalty: nonNegative('missPenalty', user.missPenalty, DEFAULT_POLICY_OPTIONS.missPenalty),
    dropPenalty: nonNegative('dropPenalty', user.dropPenalty, DEFAULT_POLICY_OPTIONS.dropPenalty),
    anticipateArrivals: resolveBoolean('anticipateArrivals', user.anticipateArrivals, DEFAULT_POLICY_OPTIONS.anticipateArrivals),
    advantageCandidates: resolveBoolean('advantageCandidates', user.advantageCandidates, DEFAULT_POLICY_OPTIONS.advantageCandidates),
  };
  return Object.freeze(resolved);
}

/** Returns the batch sizes variant `maxBatch` may run under the options, ascending; always starts with 1. */
export function batchSizesFor(maxBatch: number, options: Pick<ResolvedPolicyOptions, 'batchSizes'>): number[] {
  if (options.batchSizes === null) return Array.from({ length: maxBatch }, (_, index) => index + 1);
  return options.batchSizes.filter((size) => size <= maxBatch);
}

function resolveBatchSizes(value: readonly number[] | undefined): readonly number[] | null {
  if (value === undefined) return DEFAULT_POLICY_OPTIONS.batchSizes;
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Policy option "batchSizes" must be an array of batch sizes such as [1, 2, 4, 8], got ${describe(value)}. Omit it to allow every size.`,
    );
  }

  for (const [index, size] of value.entries()) {
    if (typeof size !== 'number') {
      throw new TypeError(`Policy option "batchSizes" entry ${index} is ${describe(size)}. Batch sizes must be numbers.`);
    }
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Policy option "batchSizes" entry ${index} is ${describe(size)}. Batch sizes must be integers >= 1.`,
      );
    }
  }
  if (!value.includes(1)) {
    throw new RangeError(
      `Policy option "batchSizes" is [${value.join(', ')}] without 1, so a lone request could never run. Add 1 to the list.`,
    );
  }
  return Object.freeze([...new Set(value)].sort((left, right) => left - right));
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;

  const number = requireNumber(name, value);
  if (number < 0) {
    throw new RangeError(`Policy option "${name}" must be >= 0, got ${number}. Use 0 or a positive value (default ${fallback}).`);
  }
  return number;
}

function resolveBoolean(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`Policy option "${name}" must be true or false, got ${describe(value)}.`);
  }
  return value;
}

function requireNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`Policy option "${name}" must be a number, got ${describe(value)}.`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Policy option "${name}" must be finite, got ${value}. Give a finite number.`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value}"`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
