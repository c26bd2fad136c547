/**
 * Builders for policy test inputs with small, readable defaults: one application "app", a
 * generous memory budget, and deadlines far in the future unless a test sets them.
 */

import type { LatencyPoint, QueuedRequest, SchedulerState, VariantProfile } from '../../src/core/model';
import { resolvePolicyOptions, type PolicyOptions, type ResolvedPolicyOptions } from '../../src/core/policy-options';

/** Fast and cheap: `L(b) = 10 + 2 (b − 1)`, so L(1) = 10, L(2) = 12, L(3) = 14, L(4) = 16 ms. */
export const SMALL_LATENCY: readonly LatencyPoint[] = [
  { batchSize: 1, ms: 10 },
  { batchSize: 4, ms: 16 },
];

/** Slow and accurate: `L(b) = 40 + 20 (b − 1)`, so L(1) = 40, L(2) = 60, L(3) = 80, L(4) = 100 ms. */
export const LARGE_LATENCY: readonly LatencyPoint[] = [
  { batchSize: 1, ms: 40 },
  { batchSize: 4, ms: 100 },
];

export function makeVariant(fields: Partial<VariantProfile> & Pick<VariantProfile, 'id'>): VariantProfile {
  return {
    application: 'app',
    footprintBytes: 100,
    maxBatch: 4,
    loadMs: 0,
    latency: SMALL_LATENCY,
    recall: [1],
    profiledAccuracy: 0.8,
    ...fields,
  };
}

export function makeRequest(fields: Partial<QueuedRequest> & Pick<QueuedRequest, 'id' | 'estimates'>): QueuedRequest {
  return {
    application: 'app',
    arrival: 0,
    deadline: 1000,
    weight: 1,
    ...fields,
  };
}

export interface StateFields {
  now?: number;
  queue: readonly QueuedRequest[];
  variants: readonly VariantProfile[];
  /** Resident variant ids, each with last use 0, or a map of last-use times. */
  resident?: readonly string[] | ReadonlyMap<string, number>;
  lastVariant?: ReadonlyMap<string, string>;
}

export function makeState(fields: StateFields): SchedulerState {
  const given = fields.resident ?? [];
  const resident = isMap(given) ? new Map(given) : new Map(given.map((variantId) => [variantId, 0] as const));
  return {
    now: fields.now ?? 0,
    queue: fields.queue,
    variants: fields.variants,
    resident,
    lastVariant: fields.lastVariant ?? new Map(),
  };
}

function isMap(value: readonly string[] | ReadonlyMap<string, number>): value is ReadonlyMap<string, number> {
  return value instanceof Map;
}

/** Resolved options with a budget of 1000 bytes unless the test sets one. */
export function makeOptions(fields: Partial<PolicyOptions> = {}): ResolvedPolicyOptions {
  return resolvePolicyOptions({ memoryBudgetBytes: 1000, ...fields });
}

/** Requests `q1` … `qN` with the same estimates, arriving one per millisecond up to time -1. */
export function makeRequests(
  count: number,
  fields: Partial<QueuedRequest> & Pick<QueuedRequest, 'estimates'>,
): QueuedRequest[] {
  return Array.from({ length: count }, (_, index) =>
    makeRequest({ arrival: index - count, ...fields, id: `q${index + 1}` }),
  );
}
