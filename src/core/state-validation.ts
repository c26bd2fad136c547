/**
 * Checks of the scheduler state that the policy relies on. Each error names the request or variant,
 * the field, the value and the fix.
 *
 * `validateStateShape` checks everything but the queued requests. `DecisionCache` checks the queued
 * requests, each request object once and the duplicate ids incrementally. When it finds a problem it
 * calls `rejectInvalidQueue`, which checks every request in queue order without any cache, so the
 * error is always the one for the first invalid request.
 */

import type { QueuedRequest, SchedulerState, VariantProfile } from './model';

/** The variants of one application in a scheduler state. */
export interface ApplicationVariants {
  /** Variant ids in the order of `state.variants`. */
  ids: string[];
  /** `variantKeyOf(ids)`. */
  key: string;
}

/**
 * Checks the time, the variants, the resident set and `lastVariant`. Returns the variants of each
 * application, which the checks of the queued requests need.
 */
export function validateStateShape(state: SchedulerState): Map<string, ApplicationVariants> {
  if (!Number.isFinite(state.now)) {
    throw new RangeError(`Scheduler state "now" is ${String(state.now)}. Pass the current time in milliseconds.`);
  }

  const variantsById = new Map<string, VariantProfile>();
  for (const variant of state.variants) {
    if (variantsById.has(variant.id)) {
      throw new RangeError(`Variant id "${variant.id}" appears twice in state.variants. Variant ids must be unique.`);
    }
    variantsById.set(variant.id, variant);
    validateVariantForPolicy(variant);
  }

  for (const [variantId, lastUse] of state.resident) {
    if (!variantsById.has(variantId)) {
      throw new RangeError(`Resident variant "${variantId}" is not in state.variants. Remove it from the resident set.`);
    }
    if (!Number.isFinite(lastUse)) {
      throw new RangeError(`Resident variant "${variantId}" has last-use time ${String(lastUse)}. Give a finite time.`);
    }
  }
  for (const [application, variantId] of state.lastVariant) {
    if (variantsById.get(variantId)?.application !== application) {
      throw new RangeError(
        `lastVariant maps application "${application}" to "${variantId}", which is not one of its variants in state.variants. Remove the entry or name a variant of that application.`,
      );
    }
  }

  const idsByApplication = new Map<string, string[]>();
  for (const variant of state.variants) {
    const ids = idsByApplication.get(variant.application) ?? [];
    ids.push(variant.id);
    idsByApplication.set(variant.application, ids);
  }
  const applications = new Map<string, ApplicationVariants>();
  for (const [application, ids] of idsByApplication) applications.set(application, { ids, key: variantKeyOf(ids) });
  return applications;
}

/**
 * Checks every queued request in queue order, with no cache, and throws the error of the first
 * invalid one. Callers use it once a faster check has found a problem, so returning is a bug.
 */
export function rejectInvalidQueue(state: SchedulerState, applications: ReadonlyMap<string, ApplicationVariants>): never {
  const requestIds = new Set<string>();
  for (const request of state.queue) {
    validateArrival(request, state.now);
    validateRequestFields(request);
    validateEstimates(request, applications.get(request.application)?.ids);
    // An id already in the set leaves its size unchanged.
    const distinct = requestIds.size;
    requestIds.add(request.id);
    if (requestIds.size === distinct) {
      throw new RangeError(`Request id "${request.id}" is queued twice. Request ids must be unique.`);
    }
  }
  throw new Error(
    `The request cache rejected a queue of ${state.queue.length} requests that passes every check. This is a bug in the policy's request cache; please report it with the scheduler state.`,
  );
}

/** Checks that a queued request has arrived by `now`. */
export function validateArrival(request: QueuedRequest, now: number): void {
  if (!Number.isFinite(request.arrival) || request.arrival > now) {
    throw new RangeError(`Request "${request.id}" has arrival ${String(request.arrival)} but now is ${now}. A queued request must have arrived by now.`);
  }
}

/** Checks a request's deadline and weight, which do not depend on the variants. */
export function validateRequestFields(request: QueuedRequest): void {
  if (!Number.isFinite(request.deadline)) {
    throw new RangeError(`Request "${request.id}" has deadline ${String(request.deadline)}. Give a finite absolute deadline.`);
  }
  if (!Number.isFinite(request.weight) || request.weight < 0) {
    throw new RangeError(`Request "${request.id}" has weight ${String(request.weight)}. Weights must be finite and >= 0; use 1 by default.`);
  }
}

/**
 * Checks that a request has a probability for every one of `variantIds`, its application's
 * variants; `undefined` means the application has no variant. When `into` is given, it receives the
 * estimates in the order of `variantIds`.
 */
export function validateEstimates(request: QueuedRequest, variantIds: readonly string[] | undefined, into?: Float64Array): void {
  if (variantIds === undefined) {
    throw new RangeError(
      `Request "${request.id}" names application "${request.application}", which has no variant in state.variants. Register its variants or reject the request at submission.`,
    );
  }
  for (let index = 0; index < variantIds.length; index += 1) {
    const variantId = variantIds[index] as string;
    const estimate = request.estimates[variantId];
    if (estimate === undefined || !Number.isFinite(estimate) || estimate < 0 || estimate > 1) {
      throw new RangeError(
        `Request "${request.id}" has accuracy estimate ${String(estimate)} for variant "${variantId}". Give a probability in [0, 1] for every variant of application "${request.application}".`,
      );
    }
    if (into !== undefined) into[index] = estimate;
  }
}

function validateVariantForPolicy(variant: VariantProfile): void {
  if (!Number.isFinite(variant.footprintBytes) || variant.footprintBytes <= 0) {
    throw new RangeError(`Variant "${variant.id}" has footprintBytes ${String(variant.footprintBytes)}. Give an estimate above 0.`);
  }
  if (!Number.isInteger(variant.maxBatch) || variant.maxBatch < 1) {
    throw new RangeError(`Variant "${variant.id}" has maxBatch ${String(variant.maxBatch)}. Use an integer >= 1.`);
  }
  if (!Number.isFinite(variant.loadMs) || variant.loadMs < 0) {
    throw new RangeError(`Variant "${variant.id}" has loadMs ${String(variant.loadMs)}. Give a finite load cost >= 0.`);
  }
}

/**
 * Variant keys (an application's variant ids, joined) seen so far, each mapped to itself. An equal
 * key built at a later decision is replaced by the stored string, so the request cache compares
 * keys by reference instead of character by character.
 */
const variantKeyStrings = new Map<string, string>();

/** Number of distinct variant keys kept; past it the store starts over. */
const MAX_VARIANT_KEYS = 256;

/** Returns the key of a list of variant ids, the same string for equal lists. */
export function variantKeyOf(ids: readonly string[]): string {
  const key = ids.join('\n');
  const known = variantKeyStrings.get(key);
  if (known !== undefined) return known;

  if (variantKeyStrings.size >= MAX_VARIANT_KEYS) variantKeyStrings.clear();
  variantKeyStrings.set(key, key);
  return key;
}
