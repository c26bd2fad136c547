/**
 * The precomputed view of one `SchedulerState` for a policy decision. It validates the state and
 * collects every variant's latency table and swap cost and the requests that must be dropped. It
 * also groups the remaining queue by application, in deadline order: deadlines, horizons, ranks,
 * weights and each variant's estimates as typed arrays.
 *
 * The requests come checked and in deadline order from a `DecisionCache` (decision-cache.ts), which
 * keeps each request's checked fields and estimate row, and the last deadline order, between
 * decisions. Building the view then costs `O(variants × maxBatch + n × variants of the request's
 * application + k log k)` for `n` queued requests of which `k` are new since the last decision, so
 * the candidate search and its roll-outs can look everything up in constant time.
 *
 * The typed arrays of the view are views of buffers that the cache's later decisions reuse, so a
 * context is valid only until the next decision with the same cache.
 */

import { arrivalCostFunction, DeadlineWindows } from './arrival-cost';
import { latencyTable } from './latency';
import { defaultDecisionCache, type DecisionCache, type QueueApplication, type RequestEntry } from './decision-cache';
import type { Drop, LatencyPoint, QueuedRequest, SchedulerState, VariantProfile } from './model';
import { DropReason } from './model';
import { batchSizesFor, type ResolvedPolicyOptions } from './policy-options';
import { ROLLOUT_WINDOW } from './rollout';
import { compareIds, evictionOrder } from './residency';
import { validateStateShape, variantKeyOf } from './state-validation';
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
  /** `estimates[v][i]`: `Â` of `variants[v]` for `requests[i]`. */
  estimates: Float64Array[];
  /** Index into `variants` of the variant the roll-out uses when another application runs. */
  rolloutVariant: number;
  /** Number of leading requests whose rank is below `ROLLOUT_WINDOW`: those a roll-out serves. */
  rolloutEnd: number;
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

/**
 * Validates the state, drops infeasible requests, and precomputes what the decision needs. `cache`
 * keeps request entries and the deadline order between decisions; it changes no result.
 */
export function buildDecisionContext(
  state: SchedulerState,
  options: ResolvedPolicyOptions,
  cache: DecisionCache = defaultDecisionCache,
): DecisionContext {
  const applicationVariants = validateStateShape(state);
  const variantStates = buildVariantStates(state, options);
  const footprints = new Map(state.variants.map((variant) => [variant.id, variant.footprintBytes]));
  const footprintOf = (variantId: string): number => footprints.get(variantId) ?? 0;

  // One group per application: the keys the request cache checks estimates and rows against, and
  // the quickest lone finish over the variants that fit the budget, swap included.
  const buffers = scratchOf(cache).queueBuffers;
  const groups: ApplicationGroup[] = [];
  const cacheApplications = new Map<string, QueueApplication>();
  for (const [application, variantsInState] of applicationVariants) {
    const variants = variantStates.get(application) ?? [];
    let quickest = Infinity;
    for (const variant of variants) quickest = Math.min(quickest, variant.swapMs + (variant.latency[1] ?? 0));
    const rowVariantIds = variants.map((variant) => variant.profile.id);
    const rowSources = Int32Array.from(rowVariantIds, (id) => variantsInState.ids.indexOf(id));
    const slot = groups.length;
    cacheApplications.set(application, { ...variantsInState, rowVariantIds, rowKey: variantKeyOf(rowVariantIds), rowSources, slot });
    if (buffers.length === slot) buffers.push(new QueueBuffers());
    const groupBuffers = buffers[slot] as QueueBuffers;
    groupBuffers.fit(variants.length);
    groups.push({ application, variants, quickestAloneMs: quickest, remaining: 0, queue: undefined, filled: 0, buffers: groupBuffers });
  }
  const ordered = cache.orderQueue(state, cacheApplications);
  const { applications, drops, oldestArrival } = buildApplicationQueues(ordered, groups, state, options);

  // Eviction order is the same for every candidate, because it depends only on what stays queued.
  const order = evictionOrder(state.resident, queuedValuesOf(applications));
  for (const variants of variantStates.values()) {
    for (const variant of variants) variant.evictionPosition = order.indexOf(variant.profile.id);
  }

  let residentBytes = 0;
  for (const variantId of state.resident.keys()) residentBytes += footprintOf(variantId);

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
    arrivalCost: options.anticipateArrivals ? arrivalCostFunction(state.traffic, variantStates, scratchOf(cache).deadlineWindows) : () => 0,
  };
}

/**
 * Checks the parts of a scheduler state the policy relies on. Each error names the request or
 * variant, the field, the value and the fix. `cache` makes checking a request seen at an earlier
 * call cheap; it changes no result.
 */
export function validateSchedulerState(state: SchedulerState, cache: DecisionCache = defaultDecisionCache): void {
  const applications = new Map<string, QueueApplication>();
  for (const [application, variants] of validateStateShape(state)) applications.set(application, { ...variants, slot: 0 });
  cache.checkQueue(state, applications);
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

/**
 * Batch sizes by resolved options and `maxBatch`. Callers keep one options object across
 * decisions, so each variant's list is built once. The lists are shared and must not be modified.
 */
const batchSizeLists = new WeakMap<ResolvedPolicyOptions, Map<number, number[]>>();

function cachedBatchSizes(maxBatch: number, options: ResolvedPolicyOptions): number[] {
  let lists = batchSizeLists.get(options);
  if (lists === undefined) {
    lists = new Map();
    batchSizeLists.set(options, lists);
  }
  let sizes = lists.get(maxBatch);
  if (sizes === undefined) {
    sizes = batchSizesFor(maxBatch, options);
    lists.set(maxBatch, sizes);
  }
  return sizes;
}

/** Builds the variant states of each application, leaving out variants too large for the budget. */
function buildVariantStates(state: SchedulerState, options: ResolvedPolicyOptions): Map<string, VariantState[]> {
  const byApplication = new Map<string, VariantState[]>();
  const sorted = [...state.variants].sort((left, right) => compareIds(left.id, right.id));

  for (const profile of sorted) {
    if (profile.footprintBytes > options.memoryBudgetBytes) continue;

    const resident = state.resident.has(profile.id);
    const sizes = cachedBatchSizes(profile.maxBatch, options);
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
  /** Variants that fit the budget, by id; empty when none does. */
  variants: VariantState[];
  /** Quickest lone finish over the variants, swap included, from now; `Infinity` without variants. */
  quickestAloneMs: number;
  /** Number of feasible requests, which sizes the queue. */
  remaining: number;
  queue: ApplicationQueue | undefined;
  /** Next free position in `queue`. */
  filled: number;
  /** Buffers the queue's typed arrays are views of. */
  buffers: QueueBuffers;
}

/**
 * Drops the infeasible requests among `ordered` (in deadline order) and groups the rest by
 * application. A request is infeasible when no variant of its application can finish
 * it in time, even alone and started now, swap included. Returns the queues, the drops in deadline
 * order, and the oldest arrival among the queued requests.
 */
function buildApplicationQueues(
  ordered: readonly RequestEntry[],
  groups: readonly ApplicationGroup[],
  state: SchedulerState,
  options: ResolvedPolicyOptions,
): { applications: ApplicationQueue[]; drops: Drop[]; oldestArrival: number } {
  const { now } = state;
  const { graceMs } = options;

  // The first pass drops and counts, so each queue's request array is allocated at its length.
  const drops: Drop[] = [];
  for (let index = 0; index < ordered.length; index += 1) {
    const entry = ordered[index] as RequestEntry;
    const group = groups[entry.slot] as ApplicationGroup;
    if (now + group.quickestAloneMs <= latestUsefulFinish(entry.deadline, graceMs)) group.remaining += 1;
    else drops.push({ requestId: entry.id, reason: DropReason.DeadlineInfeasible });
  }

  // Queues are created at their application's most urgent request, so they come in that order.
  const queues: ApplicationQueue[] = [];
  let oldestArrival = Infinity;
  let rank = 0;
  for (let index = 0; index < ordered.length; index += 1) {
    const entry = ordered[index] as RequestEntry;
    const group = groups[entry.slot] as ApplicationGroup;
    const horizon = latestUsefulFinish(entry.deadline, graceMs);
    if (!(now + group.quickestAloneMs <= horizon)) continue;

    let queue = group.queue;
    if (queue === undefined) {
      queue = emptyQueue(group.application, group.remaining, group.variants, state.lastVariant);
      group.queue = queue;
      queues.push(queue);
      group.buffers.reserve(group.remaining);
    }
    const buffers = group.buffers;
    const position = group.filled;
    group.filled += 1;
    queue.requests[position] = entry.request;
    buffers.deadlines[position] = entry.deadline;
    buffers.horizons[position] = horizon;
    buffers.ranks[position] = rank;
    buffers.weights[position] = entry.weight;
    const row = entry.row;
    for (let variant = 0; variant < row.length; variant += 1) (buffers.estimates[variant] as Float64Array)[position] = row[variant] as number;
    oldestArrival = Math.min(oldestArrival, entry.arrival);
    if (rank < ROLLOUT_WINDOW) queue.rolloutEnd = position + 1;
    rank += 1;
  }

  for (const group of groups) if (group.queue !== undefined) group.buffers.viewInto(group.queue);
  return { applications: queues, drops, oldestArrival };
}

/**
 * Returns a queue whose request array has room for `count` requests and whose typed arrays are
 * empty until `QueueBuffers.viewInto` sets them.
 */
function emptyQueue(application: string, count: number, variants: VariantState[], lastVariant: ReadonlyMap<string, string>): ApplicationQueue {
  const none = new Float64Array(0);
  return {
    application,
    requests: new Array<QueuedRequest>(count),
    deadlines: none,
    horizons: none,
    ranks: new Int32Array(0),
    weights: none,
    variants,
    estimates: [],
    rolloutVariant: chooseRolloutVariant(variants, lastVariant.get(application)),
    rolloutEnd: 0,
  };
}

/**
 * The per-request typed arrays of one application's queue, reused by every decision with the same
 * cache. They grow to the longest queue seen and never shrink.
 */
class QueueBuffers {
  capacity = INITIAL_CAPACITY;
  deadlines: Float64Array = new Float64Array(INITIAL_CAPACITY);
  horizons: Float64Array = new Float64Array(INITIAL_CAPACITY);
  ranks: Int32Array = new Int32Array(INITIAL_CAPACITY);
  weights: Float64Array = new Float64Array(INITIAL_CAPACITY);
  estimates: Float64Array[] = [];

  /** Adds estimate columns until there is one per variant. */
  fit(variantCount: number): void {
    while (this.estimates.length < variantCount) this.estimates.push(new Float64Array(this.capacity));
  }

  /** Grows every array to hold at least `count` entries. Their contents are not kept. */
  reserve(count: number): void {
    if (count <= this.capacity) return;
    while (this.capacity < count) this.capacity *= 2;
    this.deadlines = new Float64Array(this.capacity);
    this.horizons = new Float64Array(this.capacity);
    this.ranks = new Int32Array(this.capacity);
    this.weights = new Float64Array(this.capacity);
    this.estimates = this.estimates.map(() => new Float64Array(this.capacity));
  }

  /** Points the queue's typed arrays at the first `queue.requests.length` entries. */
  viewInto(queue: ApplicationQueue): void {
    const count = queue.requests.length;
    queue.deadlines = this.deadlines.subarray(0, count);
    queue.horizons = this.horizons.subarray(0, count);
    queue.ranks = this.ranks.subarray(0, count);
    queue.weights = this.weights.subarray(0, count);
    queue.estimates = this.estimates.slice(0, queue.variants.length).map((column) => column.subarray(0, count));
  }
}

const INITIAL_CAPACITY = 64;

/** State that the decisions of one cache reuse besides the cache's own entries. */
interface CacheScratch {
  /** Queue buffers, one per application slot. */
  queueBuffers: QueueBuffers[];
  /** Sorted relative deadlines of each application's traffic, for the arrival cost. */
  deadlineWindows: DeadlineWindows;
}

/**
 * Scratch by the cache whose decisions use it. A cache's decisions run one at a time and drop
 * their context when they return, so no context reads another's data.
 */
const scratchByCache = new WeakMap<DecisionCache, CacheScratch>();

function scratchOf(cache: DecisionCache): CacheScratch {
  let scratch = scratchByCache.get(cache);
  if (scratch === undefined) {
    scratch = { queueBuffers: [], deadlineWindows: new DeadlineWindows() };
    scratchByCache.set(cache, scratch);
  }
  return scratch;
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
