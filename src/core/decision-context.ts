/**
 * The precomputed view of one `SchedulerState` for a policy decision. It validates the state and
 * collects every variant's latency table and swap cost and the requests that must be dropped. It
 * also groups the remaining queue by application, in deadline order: deadlines, horizons, ranks and
 * weights as typed arrays, and the estimates both by request (`rows`) and by variant (`estimates`).
 *
 * Building it costs `O(variants × maxBatch + n log n + n × variants of the request's application)`,
 * so the candidate search and its roll-outs can look everything up in constant time. A request's
 * estimate row is built once and reused by later decisions while its application's variants stay
 * the same, so most decisions copy numbers instead of reading each request's `estimates` object.
 *
 * The file passes 400 lines because validation, the deadline sort and the caches all serve this
 * one view, and splitting them would spread its invariants over several modules.
 */

import { arrivalCostFunction } from './arrival-cost';
import { latencyTable } from './latency';
import type { Drop, LatencyPoint, QueuedRequest, SchedulerState, VariantProfile } from './model';
import { DropReason } from './model';
import { batchSizesFor, type ResolvedPolicyOptions } from './policy-options';
import { compareIds, evictionOrder } from './residency';
import { latestUsefulFinish } from './utility';

/** Precomputed state of one variant for a decision. */
export interface VariantState {
  profile: VariantProfile;
  /** `L(b)` indexed by batch size, from 1 to `maxBatch`. Index 0 is unused. */
  latency: number[];
  /** Batch sizes this variant may run, ascending, starting with 1. */
  sizes: number[];
  /** The largest size in `sizes`: a full batch. */
  fullBatch: number;
  resident: boolean;
  /**
   * Swap cost: 0 when resident, else the load cost.
   * NOTE: evictions are taken to cost nothing, because releasing a session is assumed quick
   * next to creating one. This is not measured.
   */
  swapMs: number;
  /** Position in the eviction order when resident, else -1. */
  evictionPosition: number;
}

/** The remaining (not dropped) queue of one application. */
export interface ApplicationQueue {
  application: string;
  /** Requests in deadline order: deadline, then arrival, then id. */
  requests: QueuedRequest[];
  /** Deadline of each request, ascending with `requests`. */
  deadlines: Float64Array;
  /** Latest useful finish of each request, ascending with `requests`. */
  horizons: Float64Array;
  /** Position of each request in the deadline order across all applications. */
  ranks: Int32Array;
  weights: Float64Array;
  /** Variants of the application that fit the memory budget, by id. */
  variants: VariantState[];
  /**
   * `rows[i][v]`: `Â` of `variants[v]` for `requests[i]`. Rows are shared with later decisions,
   * so callers must not modify them.
   */
  rows: (readonly number[])[];
  /** `estimates[v][i]`: the same values by variant, for loops over requests on one variant. */
  estimates: Float64Array[];
  /** Index into `variants` of the variant the roll-out uses when another application runs. */
  rolloutVariant: number;
}

export interface DecisionContext {
  now: number;
  options: ResolvedPolicyOptions;
  drops: Drop[];
  /** Applications with remaining requests, ordered by their most urgent request. */
  applications: ApplicationQueue[];
  /** Resident variant ids, least valuable first. */
  evictionOrder: string[];
  footprintOf: (variantId: string) => number;
  residentBytes: number;
  /** Arrival of the oldest remaining request, or `Infinity` when none remains. */
  oldestArrival: number;
  /** Swap credit of each non-resident variant; 0 when absent. */
  swapCredit: (variantId: string) => number;
  /** Arrival cost of keeping the executor busy for a duration, in expected utility (`arrival-cost.ts`). */
  arrivalCost: (durationMs: number) => number;
}

/** Validates the state, drops infeasible requests, and precomputes what the decision needs. */
export function buildDecisionContext(state: SchedulerState, options: ResolvedPolicyOptions): DecisionContext {
  validateSchedulerState(state);

  const variantStates = buildVariantStates(state, options);
  const footprints = new Map(state.variants.map((variant) => [variant.id, variant.footprintBytes]));
  const footprintOf = (variantId: string): number => footprints.get(variantId) ?? 0;

  // Feasibility: a request that no variant can finish in time, even alone and started now, is dropped.
  const ordered = sortByDeadlineOrder(state.queue);
  const drops: Drop[] = [];
  // A request is feasible when its application's quickest lone finish, swap included, is in time.
  // The pass also counts each application's feasible requests, which sizes its queue's arrays.
  const groups = new Map<string, ApplicationGroup>();
  for (const [application, variants] of variantStates) {
    let quickest = Infinity;
    for (const variant of variants) quickest = Math.min(quickest, variant.swapMs + (variant.latency[1] ?? 0));
    const variantKey = variantKeyOf(variants.map((variant) => variant.profile.id));
    groups.set(application, { application, variants, variantKey, quickestAloneMs: quickest, remaining: 0, queue: undefined, filled: 0 });
  }
  // Feasible requests move down over the dropped ones, so `ordered` ends as the remaining queue,
  // and `groupOf[rank]` is the group of `ordered[rank]`.
  const groupOf = new Array<ApplicationGroup>(ordered.length);
  let remainingCount = 0;
  for (let index = 0; index < ordered.length; index += 1) {
    const request = ordered[index] as QueuedRequest;
    const horizon = latestUsefulFinish(request.deadline, options.graceMs);
    const group = groups.get(request.application);
    const feasible = group !== undefined && state.now + group.quickestAloneMs <= horizon;
    if (feasible) {
      groupOf[remainingCount] = group;
      ordered[remainingCount++] = request;
      group.remaining += 1;
    } else drops.push({ requestId: request.id, reason: DropReason.DeadlineInfeasible });
  }
  ordered.length = remainingCount;
  const remaining = ordered;

  const applications = buildApplicationQueues(remaining, groupOf, state.lastVariant, options);

  // Eviction order is the same for every candidate, because it depends only on what stays queued.
  const order = evictionOrder(state.resident, queuedValuesOf(applications));
  for (const variants of variantStates.values()) {
    for (const variant of variants) variant.evictionPosition = order.indexOf(variant.profile.id);
  }

  let residentBytes = 0;
  for (const variantId of state.resident.keys()) residentBytes += footprintOf(variantId);

  let oldestArrival = Infinity;
  for (let index = 0; index < remaining.length; index += 1) {
    oldestArrival = Math.min(oldestArrival, (remaining[index] as QueuedRequest).arrival);
  }

  return {
    now: state.now,
    options,
    drops,
    applications,
    evictionOrder: order,
    footprintOf,
    residentBytes,
    oldestArrival,
    swapCredit: (variantId) => state.swapCredit?.get(variantId) ?? 0,
    arrivalCost: options.anticipateArrivals ? arrivalCostFunction(state.traffic, variantStates) : () => 0,
  };
}

/** Orders requests by deadline, then arrival, then id. */
export function compareDeadlineOrder(left: QueuedRequest, right: QueuedRequest): number {
  if (left.deadline !== right.deadline) return left.deadline - right.deadline;
  if (left.arrival !== right.arrival) return left.arrival - right.arrival;
  return compareIds(left.id, right.id);
}

/**
 * Returns the requests sorted by `compareDeadlineOrder`. Validated ids are unique, so that order is
 * total and any correct sort gives it. This sort (insertion sort of short runs, then bottom-up
 * merges) compares copied deadlines and calls `compareDeadlineOrder` only on equal deadlines, so
 * most comparisons read a typed array instead of two request objects.
 */
function sortByDeadlineOrder(requests: readonly QueuedRequest[]): QueuedRequest[] {
  const count = requests.length;
  const deadlines = new Float64Array(count);
  let order = new Int32Array(count);
  let merged = new Int32Array(count);
  for (let index = 0; index < count; index += 1) {
    deadlines[index] = (requests[index] as QueuedRequest).deadline;
    order[index] = index;
  }

  // Insertion-sort short runs first, which takes fewer steps than merging from runs of 1.
  for (let low = 0; low < count; low += INSERTION_RUN) {
    const high = Math.min(low + INSERTION_RUN, count);
    for (let next = low + 1; next < high; next += 1) {
      const moving = order[next] as number;
      let slot = next;
      while (slot > low && comesBefore(requests, deadlines, moving, order[slot - 1] as number)) {
        order[slot] = order[slot - 1] as number;
        slot -= 1;
      }
      order[slot] = moving;
    }
  }

  // Merge sorted runs of `width` pairwise into runs of twice the width. The left run wins ties.
  for (let width = INSERTION_RUN; width < count; width *= 2) {
    for (let low = 0; low < count; low += 2 * width) {
      const middle = Math.min(low + width, count);
      const high = Math.min(low + 2 * width, count);
      let left = low;
      let right = middle;
      let out = low;
      while (left < middle && right < high) {
        const leftIndex = order[left] as number;
        const rightIndex = order[right] as number;
        if (comesBefore(requests, deadlines, rightIndex, leftIndex)) {
          merged[out] = rightIndex;
          right += 1;
        } else {
          merged[out] = leftIndex;
          left += 1;
        }
        out += 1;
      }
      while (left < middle) merged[out++] = order[left++] as number;
      while (right < high) merged[out++] = order[right++] as number;
    }
    [order, merged] = [merged, order];
  }

  const sorted: QueuedRequest[] = new Array<QueuedRequest>(count);
  for (let position = 0; position < count; position += 1) sorted[position] = requests[order[position] as number] as QueuedRequest;
  return sorted;
}

/** Length of the runs that `sortByDeadlineOrder` sorts by insertion before merging. */
const INSERTION_RUN = 8;

/** Returns whether request `first` comes strictly before request `second` in the deadline order. */
function comesBefore(requests: readonly QueuedRequest[], deadlines: Float64Array, first: number, second: number): boolean {
  const firstDeadline = deadlines[first] as number;
  const secondDeadline = deadlines[second] as number;
  if (firstDeadline !== secondDeadline) return firstDeadline < secondDeadline;
  return compareDeadlineOrder(requests[first] as QueuedRequest, requests[second] as QueuedRequest) < 0;
}

/**
 * Checks the parts of a scheduler state the policy relies on. Each error names the request or
 * variant, the field, the value and the fix.
 */
export function validateSchedulerState(state: SchedulerState): void {
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

  const variantIdsByApplication = new Map<string, string[]>();
  for (const variant of state.variants) {
    const ids = variantIdsByApplication.get(variant.application) ?? [];
    ids.push(variant.id);
    variantIdsByApplication.set(variant.application, ids);
  }
  const variantKeys = new Map<string, string>();
  for (const [application, ids] of variantIdsByApplication) variantKeys.set(application, variantKeyOf(ids));

  const requestIds = new Set<string>();
  for (const request of state.queue) {
    validateRequest(request, state.now, variantIdsByApplication, variantKeys);
    // An id already in the set leaves its size unchanged.
    const distinct = requestIds.size;
    requestIds.add(request.id);
    if (requestIds.size === distinct) {
      throw new RangeError(`Request id "${request.id}" is queued twice. Request ids must be unique.`);
    }
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
 * key built at a later decision is replaced by the stored string, so the per-request caches below
 * compare keys by reference instead of character by character.
 */
const variantKeyStrings = new Map<string, string>();

/** Number of distinct variant keys kept; past it the store starts over. */
const MAX_VARIANT_KEYS = 256;

/** Returns the key of a list of variant ids, the same string for equal lists. */
function variantKeyOf(ids: readonly string[]): string {
  const key = ids.join('\n');
  const known = variantKeyStrings.get(key);
  if (known !== undefined) return known;

  if (variantKeyStrings.size >= MAX_VARIANT_KEYS) variantKeyStrings.clear();
  variantKeyStrings.set(key, key);
  return key;
}

/**
 * Requests whose deadline, weight and estimates were validated, mapped to the variant ids of their
 * application at the time. Queued requests are not changed once queued, so a request seen at an
 * earlier decision with the same variants is checked again only for its arrival.
 */
const validatedRequests = new WeakMap<QueuedRequest, string>();

function validateRequest(
  request: QueuedRequest,
  now: number,
  variantIdsByApplication: ReadonlyMap<string, readonly string[]>,
  variantKeys: ReadonlyMap<string, string>,
): void {
  if (!Number.isFinite(request.arrival) || request.arrival > now) {
    throw new RangeError(`Request "${request.id}" has arrival ${String(request.arrival)} but now is ${now}. A queued request must have arrived by now.`);
  }
  const variantKey = variantKeys.get(request.application);
  if (variantKey !== undefined && validatedRequests.get(request) === variantKey) return;

  const label = `Request "${request.id}"`;
  if (!Number.isFinite(request.deadline)) {
    throw new RangeError(`${label} has deadline ${String(request.deadline)}. Give a finite absolute deadline.`);
  }
  if (!Number.isFinite(request.weight) || request.weight < 0) {
    throw new RangeError(`${label} has weight ${String(request.weight)}. Weights must be finite and >= 0; use 1 by default.`);
  }

  const variantIds = variantIdsByApplication.get(request.application);
  if (variantIds === undefined || variantKey === undefined) {
    throw new RangeError(
      `${label} names application "${request.application}", which has no variant in state.variants. Register its variants or reject the request at submission.`,
    );
  }
  for (const variantId of variantIds) {
    const estimate = request.estimates[variantId];
    if (estimate === undefined || !Number.isFinite(estimate) || estimate < 0 || estimate > 1) {
      throw new RangeError(
        `${label} has accuracy estimate ${String(estimate)} for variant "${variantId}". Give a probability in [0, 1] for every variant of application "${request.application}".`,
      );
    }
  }
  validatedRequests.set(request, variantKey);
}

/**
 * Latency tables by the latency array they were built from. A scheduler replaces a profile's array
 * when it refines it, so an array seen before gives the same table, and decisions between two
 * refinements build each table once.
 */
const latencyTables = new WeakMap<readonly LatencyPoint[], { maxBatch: number; table: number[] }>();

function cachedLatencyTable(profile: VariantProfile): number[] {
  const cached = latencyTables.get(profile.latency);
  if (cached !== undefined && cached.maxBatch === profile.maxBatch) return cached.table;
  const table = latencyTable(profile.latency, profile.maxBatch, `variant "${profile.id}" latency profile`);
  latencyTables.set(profile.latency, { maxBatch: profile.maxBatch, table });
  return table;
}

/** Builds the variant states of each application, leaving out variants too large for the budget. */
function buildVariantStates(state: SchedulerState, options: ResolvedPolicyOptions): Map<string, VariantState[]> {
  const byApplication = new Map<string, VariantState[]>();
  const sorted = [...state.variants].sort((left, right) => compareIds(left.id, right.id));

  for (const profile of sorted) {
    if (profile.footprintBytes > options.memoryBudgetBytes) continue;

    const resident = state.resident.has(profile.id);
    const sizes = batchSizesFor(profile.maxBatch, options);
    const variant: VariantState = {
      profile,
      latency: cachedLatencyTable(profile),
      sizes,
      fullBatch: sizes[sizes.length - 1] ?? 1,
      resident,
      swapMs: resident ? 0 : profile.loadMs,
      evictionPosition: -1,
    };
    const list = byApplication.get(profile.application) ?? [];
    list.push(variant);
    byApplication.set(profile.application, list);
  }
  return byApplication;
}

/**
 * Returns, for every variant with queued requests, the sum of `Â_v(q)` over them: the values of
 * `queuedExpectedValues`, summed in the same order, from the queues' flat estimate arrays.
 */
function queuedValuesOf(applications: readonly ApplicationQueue[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const queue of applications) {
    for (let variantIndex = 0; variantIndex < queue.variants.length; variantIndex += 1) {
      let sum = 0;
      const column = queue.estimates[variantIndex] as Float64Array;
      for (let index = 0; index < column.length; index += 1) sum += column[index] as number;
      values.set((queue.variants[variantIndex] as VariantState).profile.id, sum);
    }
  }
  return values;
}

/** One application's feasibility figures and, once its first request is grouped, its queue. */
interface ApplicationGroup {
  application: string;
  variants: VariantState[];
  /** The variants' ids, joined: the key of the estimate rows cached for the application. */
  variantKey: string;
  /** Quickest lone finish over the variants, swap included, from now. */
  quickestAloneMs: number;
  /** Number of feasible requests, which sizes the queue's arrays. */
  remaining: number;
  queue: ApplicationQueue | undefined;
  /** Next free position in `queue`. */
  filled: number;
}

/**
 * Groups the remaining requests (already in deadline order) by application; `groupOf[rank]` is the
 * group of `remaining[rank]`.
 */
function buildApplicationQueues(
  remaining: readonly QueuedRequest[],
  groupOf: readonly ApplicationGroup[],
  lastVariant: ReadonlyMap<string, string>,
  options: ResolvedPolicyOptions,
): ApplicationQueue[] {
  // Queues are created at their application's most urgent request, so they come in that order.
  const queues: ApplicationQueue[] = [];
  for (let rank = 0; rank < remaining.length; rank += 1) {
    const request = remaining[rank] as QueuedRequest;
    const group = groupOf[rank] as ApplicationGroup;
    let queue = group.queue;
    if (queue === undefined) {
      queue = sizedQueue(group.application, group.remaining, group.variants, lastVariant);
      group.queue = queue;
      queues.push(queue);
    }

    const position = group.filled;
    group.filled += 1;
    queue.requests[position] = request;
    queue.deadlines[position] = request.deadline;
    queue.horizons[position] = latestUsefulFinish(request.deadline, options.graceMs);
    queue.ranks[position] = rank;
    queue.weights[position] = request.weight;
    const row = estimateRow(request, queue.variants, group.variantKey);
    queue.rows[position] = row;
    for (let index = 0; index < row.length; index += 1) (queue.estimates[index] as Float64Array)[position] = row[index] as number;
  }
  return queues;
}

/**
 * Returns an application's queue with every per-request array allocated at its final length, so
 * filling it allocates nothing more.
 */
function sizedQueue(
  application: string,
  count: number,
  variants: VariantState[],
  lastVariant: ReadonlyMap<string, string>,
): ApplicationQueue {
  return {
    application,
    requests: new Array<QueuedRequest>(count),
    deadlines: new Float64Array(count),
    horizons: new Float64Array(count),
    ranks: new Int32Array(count),
    weights: new Float64Array(count),
    variants,
    rows: new Array<readonly number[]>(count),
    estimates: variants.map(() => new Float64Array(count)),
    rolloutVariant: chooseRolloutVariant(variants, lastVariant.get(application)),
  };
}

/**
 * Estimate rows by request, with the variant key (the application's variant ids, joined) they are
 * aligned with. Queued requests are not changed once queued, so a row stays true while the key does.
 */
const estimateRows = new WeakMap<QueuedRequest, { variantKey: string; row: readonly number[] }>();

/** Returns `Â` of each of `variants` for the request, in the order of `variants`. */
function estimateRow(request: QueuedRequest, variants: readonly VariantState[], variantKey: string): readonly number[] {
  const cached = estimateRows.get(request);
  if (cached !== undefined && cached.variantKey === variantKey) return cached.row;

  const row = variants.map((variant) => request.estimates[variant.profile.id] ?? 0);
  estimateRows.set(request, { variantKey, row });
  return row;
}

/** Picks the variant that last ran for the application, or its cheapest (lowest `L(1)`) before it has run. */
function chooseRolloutVariant(variants: readonly VariantState[], lastVariantId: string | undefined): number {
  const last = variants.findIndex((variant) => variant.profile.id === lastVariantId);
  if (last >= 0) return last;

  // Variants are sorted by id, so a strict comparison keeps the smallest id on equal latency.
  let cheapest = 0;
  for (const [index, variant] of variants.entries()) {
    if ((variant.latency[1] ?? 0) < (variants[cheapest]?.latency[1] ?? 0)) cheapest = index;
  }
  return cheapest;
}
