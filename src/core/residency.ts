/**
 * The resident set under the memory budget: which variants to evict before a load, and checks
 * that keep `Σ F_m ≤ budget` true.
 *
 * - Eviction order: least queued expected value first (the sum of `Â_v(q)` over the queued
 *   requests of `v`'s application), then least recently used, then variant id, so the order is
 *   total and deterministic.
 * - A load evicts the shortest prefix of that order after which the incoming variant fits.
 * - A variant whose footprint alone exceeds the budget can never be loaded.
 */

import type { QueuedRequest, RunAction, VariantProfile } from './model';

/** Returns, for every variant, the sum of `Â_v(q)` over the queued requests of its application. */
export function queuedExpectedValues(
  variants: readonly Pick<VariantProfile, 'id' | 'application'>[],
  queue: readonly Pick<QueuedRequest, 'id' | 'application' | 'estimates'>[],
): Map<string, number> {
  const variantsByApplication = new Map<string, string[]>();
  const values = new Map<string, number>();
  for (const variant of variants) {
    values.set(variant.id, 0);
    const ids = variantsByApplication.get(variant.application) ?? [];
    ids.push(variant.id);
    variantsByApplication.set(variant.application, ids);
  }

  for (const request of queue) {
    for (const variantId of variantsByApplication.get(request.application) ?? []) {
      const estimate = request.estimates[variantId];
      if (estimate === undefined) {
        throw new RangeError(
          `Request "${request.id}" has no accuracy estimate for variant "${variantId}". Give an estimate for every variant of application "${request.application}".`,
        );
      }
      values.set(variantId, (values.get(variantId) ?? 0) + estimate);
    }
  }
  return values;
}

/**
 * Returns the resident variant ids in eviction order: least queued expected value first, least
 * recently used on ties, then by id. Variants missing from `queuedValues` count as value 0.
 */
export function evictionOrder(resident: ReadonlyMap<string, number>, queuedValues: ReadonlyMap<string, number>): string[] {
  return [...resident.keys()].sort((left, right) => {
    const byValue = (queuedValues.get(left) ?? 0) - (queuedValues.get(right) ?? 0);
    if (byValue !== 0) return byValue;
    const byUse = (resident.get(left) ?? 0) - (resident.get(right) ?? 0);
    if (byUse !== 0) return byUse;
    return compareIds(left, right);
  });
}

/**
 * Returns how many leading entries of `order` must be evicted before `incomingBytes` fit next to
 * what stays resident. `residentBytes` is the footprint of the whole resident set.
 */
export function evictionCount(
  order: readonly string[],
  footprintOf: (variantId: string) => number,
  residentBytes: number,
  incomingBytes: number,
  memoryBudgetBytes: number,
): number {
  if (incomingBytes > memoryBudgetBytes) {
    throw new RangeError(
      `A variant of ${incomingBytes} bytes cannot fit a memory budget of ${memoryBudgetBytes} bytes. Raise memoryBudgetBytes or remove the variant.`,
    );
  }

  let used = residentBytes;
  let count = 0;
  while (used + incomingBytes > memoryBudgetBytes && count < order.length) {
    used -= footprintOf(order[count] as string);
    count += 1;
  }
  return count;
}

/** Everything `planEvictions` needs to choose the variants to evict before a load. */
export interface EvictionRequest {
  /** The variant about to be loaded; it must not be resident. */
  incoming: Pick<VariantProfile, 'id' | 'footprintBytes'>;
  /** Resident variant ids mapped to the time each last ran or was loaded. */
  resident: ReadonlyMap<string, number>;
  /** Every known variant; each resident id must be among them. */
  variants: readonly Pick<VariantProfile, 'id' | 'application' | 'footprintBytes'>[];
  /** Queued requests, whose estimates give each variant's queued expected value. */
  queue: readonly Pick<QueuedRequest, 'id' | 'application' | 'estimates'>[];
  memoryBudgetBytes: number;
}

/** Returns the resident variant ids to evict, in order, so that `incoming` fits the budget. */
export function planEvictions(request: EvictionRequest): string[] {
  if (request.resident.has(request.incoming.id)) {
    throw new RangeError(`Variant "${request.incoming.id}" is already resident, so loading it needs no eviction.`);
  }

  const footprints = footprintIndex(request.variants);
  const footprintOf = (variantId: string): number => {
    const bytes = footprints.get(variantId);
    if (bytes === undefined) {
      throw new RangeError(`Resident variant "${variantId}" is not among the known variants. Remove it from the resident set.`);
    }
    return bytes;
  };

  const order = evictionOrder(request.resident, queuedExpectedValues(request.variants, request.queue));
  const used = residentBytes(request.resident, footprintOf);
  const count = evictionCount(order, footprintOf, used, request.incoming.footprintBytes, request.memoryBudgetBytes);
  return order.slice(0, count);
}

/** Returns the summed footprint of the resident set. */
export function residentBytes(resident: ReadonlyMap<string, number>, footprintOf: (variantId: string) => number): number {
  let total = 0;
  for (const variantId of resident.keys()) total += footprintOf(variantId);
  return total;
}

/**
 * Returns the resident set after a run action: its evictions removed, its variant added or
 * refreshed with `time` as its last use. Pass the batch's start or its finish, but the same one
 * every time, so least-recently-used order stays meaningful.
 */
export function residentAfterRun(
  resident: ReadonlyMap<string, number>,
  action: Pick<RunAction, 'variantId' | 'evict'>,
  time: number,
): Map<string, number> {
  const next = new Map(resident);
  for (const variantId of action.evict) {
    if (!next.delete(variantId)) {
      throw new RangeError(`Cannot evict variant "${variantId}": it is not resident.`);
    }
  }
  next.set(action.variantId, time);
  return next;
}

/**
 * Throws a RangeError naming the first variant whose footprint alone exceeds the memory budget, so
 * a runtime can reject such a configuration before scheduling starts. The policy never picks such
 * a variant, and its requests would otherwise be dropped without an obvious cause.
 */
export function assertVariantsFitBudget(
  variants: readonly Pick<VariantProfile, 'id' | 'footprintBytes'>[],
  memoryBudgetBytes: number,
): void {
  for (const variant of variants) {
    if (variant.footprintBytes > memoryBudgetBytes) {
      throw new RangeError(
        `Variant "${variant.id}" has an estimated footprint of ${variant.footprintBytes} bytes, above the memory budget of ${memoryBudgetBytes} bytes, so it can never be loaded. Raise memoryBudgetBytes or remove the variant.`,
      );
    }
  }
}

/** Compares ids by UTF-16 code units, independent of locale. */
export function compareIds(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

function footprintIndex(variants: readonly Pick<VariantProfile, 'id' | 'footprintBytes'>[]): Map<string, number> {
  return new Map(variants.map((variant) => [variant.id, variant.footprintBytes]));
}

/**
 * Returns the variants to load before the first request, in load order, within the memory budget.
 * Each application's most accurate variant that fits comes first, most accurate first across
 * applications, so every application can be served at once. The other variants follow, most
 * accurate first, while they fit: at start nothing waits, so every variant loaded then is a swap
 * that no request pays for later.
 */
export function preloadOrder(variants: readonly VariantProfile[], memoryBudgetBytes: number): string[] {
  const byAccuracy = [...variants].sort(
    (left, right) => right.profiledAccuracy - left.profiledAccuracy || compareIds(left.id, right.id),
  );
  const order: string[] = [];
  const covered = new Set<string>();
  let used = 0;
  const take = (variant: VariantProfile): void => {
    if (order.includes(variant.id) || used + variant.footprintBytes > memoryBudgetBytes) return;
    order.push(variant.id);
    used += variant.footprintBytes;
    covered.add(variant.application);
  };

  for (const variant of byAccuracy) {
    if (!covered.has(variant.application)) take(variant);
  }
  for (const variant of byAccuracy) take(variant);
  return order;
}
