/**
 * The state `decide()` keeps from one decision to the next: an entry per queued request object, with
 * its checked fields and its estimate row, the last queue's entries by id, and the deadline order of
 * the last queue it ordered.
 *
 * The live scheduler and the simulator change their queue between two decisions by removing the
 * batch that ran and the dropped requests and by appending arrivals. Most requests of a queue were
 * therefore in the previous one, already checked, with their estimate rows built and their place in
 * the deadline order known. A decision then checks and sorts only the `k` new requests and merges
 * them into the surviving order: `O(n + k log k)` for `n` queued requests instead of
 * `O(n log n)`. Finding a request's entry mostly costs one comparison too: the entry is usually the
 * next one of the last queue, and only a request out of that order is looked up by id.
 *
 * The cache never changes a decision or an error, whatever the caller does to its queue between
 * calls:
 * - An entry is reused only for the same request object, and only while that object still has the
 *   id, application, arrival, deadline, weight and `estimates` object it had when the entry was
 *   made. Otherwise the request gets a new entry and counts as new. Values inside `estimates` are
 *   not compared, because `QueuedRequest` declares them read-only.
 * - Each admission stamps the entries of the queued requests, so the surviving order keeps exactly
 *   the requests queued now, whatever was removed, reordered, replaced or added.
 * - Duplicate ids are found without a set of every id. An entry stamped twice in one admission is
 *   one object queued twice. The entries reused from the last queue have distinct ids, because that
 *   queue passed this check, so only a new entry can share an id: with a queued entry that `byId`
 *   maps it to, or with an earlier new entry.
 * - When any check fails, the cache is emptied, and `rejectInvalidQueue` checks the queue again
 *   without the cache and throws the error for its first invalid request.
 *
 * Entries are looked up only among the last queue's, so a request that leaves the queue and comes
 * back later gets a new entry. A `WeakMap` by request object would find it, but every new request
 * would pay for a weak-map insertion, and new requests join at every decision. The cache references
 * the requests of its last two queues until later decisions replace them, and entries whose
 * requests left wait in a pool for new ones.
 */

import type { QueuedRequest, SchedulerState } from './model';
import { compareIds } from './residency';
import {
  rejectInvalidQueue,
  validateEstimates,
  validateRequestFields,
  type ApplicationVariants,
} from './state-validation';

/** One application's variants at a decision, as the cache checks requests and builds rows. */
export interface QueueApplication extends ApplicationVariants {
  /** Variant ids that estimate rows list, in row order; absent when no row is needed. */
  rowVariantIds?: readonly string[];
  /** `variantKeyOf(rowVariantIds)`. */
  rowKey?: string;
  /** Index in `ids` of each of `rowVariantIds`. */
  rowSources?: Int32Array;
  /** Index the caller groups the application's requests under, copied to each entry's `slot`. */
  slot: number;
}

/**
 * A request object as the cache last checked it. Entries of requests that left the queue go back
 * to their cache's pool and are filled again for new requests, so a queue of new requests does not
 * allocate one object per request that would then outlive a young-generation collection.
 */
export class RequestEntry {
  /** The request, or `RETIRED` while the entry is in the pool. */
  request: QueuedRequest = RETIRED;
  id = '';
  application = '';
  arrival = 0;
  deadline = 0;
  weight = 0;
  estimates: Readonly<Record<string, number>> = RETIRED.estimates;
  /** The request's application, as the cache tracks it. */
  applicationRecord: ApplicationRecord = RETIRED_RECORD;
  /** Variant key the estimates were last checked against; undefined before the first check. */
  checkedKey: string | undefined = undefined;
  /** Variant key the row follows; undefined before the first row. */
  rowKey: string | undefined = undefined;
  /** `Â` of each row variant, in row order. Rewritten when the entry is reused, so callers must not keep it. */
  row: Float64Array = EMPTY_ROW;
  /** Number of the last admission whose queue contained the request. */
  stamp = 0;
  /** Whether the entry is in the cache's last deadline order. */
  inOrder = false;
  /** Index of the request in the queue of the admission numbered `stamp`. */
  position = -1;
  /** The `slot` of the request's application at the current decision. */
  slot = 0;

  /** Fills the entry for `request`, as if new. */
  reset(request: QueuedRequest, applicationRecord: ApplicationRecord): void {
    this.request = request;
    this.id = request.id;
    this.application = request.application;
    this.arrival = request.arrival;
    this.deadline = request.deadline;
    this.weight = request.weight;
    this.estimates = request.estimates;
    this.applicationRecord = applicationRecord;
    this.checkedKey = undefined;
    this.rowKey = undefined;
    this.stamp = 0;
    this.inOrder = false;
    this.position = -1;
    this.slot = 0;
  }

  /** Drops the references to the request, before the entry goes back to the pool. */
  retire(): void {
    this.request = RETIRED;
    this.estimates = RETIRED.estimates;
    this.applicationRecord = RETIRED_RECORD;
  }

  /** Returns whether the request still has the fields this entry was made from. */
  matches(request: QueuedRequest): boolean {
    return (
      request.deadline === this.deadline &&
      request.arrival === this.arrival &&
      request.weight === this.weight &&
      request.id === this.id &&
      request.application === this.application &&
      request.estimates === this.estimates
    );
  }
}

/** The request of a pooled entry, which no queue contains. */
const RETIRED: QueuedRequest = Object.freeze({ id: '', application: '', arrival: 0, deadline: 0, weight: 0, estimates: Object.freeze({}) });

const EMPTY_ROW = new Float64Array(0);

/**
 * An application name the cache has seen, with its variants at the latest admission that had them.
 * Entries point to their record, so checking a request needs no lookup by application name.
 */
interface ApplicationRecord {
  /** The application at the admission numbered `stamp`. */
  current: QueueApplication;
  /** Number of the last admission whose state had variants of the application. */
  stamp: number;
}

/** The application record of a pooled entry, never current. */
const RETIRED_RECORD: ApplicationRecord = { current: { ids: [], key: '', slot: 0 }, stamp: -1 };

/** Request entries, the last queue by id and the last deadline order, kept between decisions. */
export class DecisionCache {
  /** Entries of the last admission's queue by request id. */
  private readonly byId = new Map<string, RequestEntry>();
  /** Entries of the last admission's queue, in queue order; empty after a rejected queue. */
  private queueEntries: RequestEntry[] = [];
  /** Second buffer for the next admission's queue entries. */
  private spareQueueEntries: RequestEntry[] = [];
  /** Entries of the last ordered queue, in deadline order. */
  private order: RequestEntry[] = [];
  /** Second buffer for the next order, so ordering allocates no array of the queue's length. */
  private spare: RequestEntry[] = [];
  private stamp = 0;
  /** Entries of the current admission that are not in the last order. */
  private readonly fresh: RequestEntry[] = [];
  /** Entries the current admission created. */
  private readonly created: RequestEntry[] = [];
  /** Entries of requests that left, ready to be filled again. */
  private readonly pool: RequestEntry[] = [];
  /** The estimates of the request being checked, in the order of its application's `ids`. */
  private copiedEstimates = new Float64Array(8);
  private readonly applicationRecords = new Map<string, ApplicationRecord>();

  /**
   * Checks the queued requests and returns their entries in deadline order: deadline, then arrival,
   * then id. The returned array is the cache's own and changes at the next call; callers must not
   * modify it or keep it.
   */
  orderQueue(state: SchedulerState, applications: ReadonlyMap<string, QueueApplication>): readonly RequestEntry[] {
    this.admit(state, applications);

    // The last order's entries queued again keep their relative order; the new ones are sorted and
    // merged in. Entries not queued again leave the order.
    const previous = this.order;
    const merged = this.spare;
    mergeDeadlineOrders(previous, this.stamp, sortByDeadlineOrder(this.fresh), merged);
    for (let index = 0; index < this.fresh.length; index += 1) (this.fresh[index] as RequestEntry).inOrder = true;
    this.order = merged;
    this.spare = previous;
    this.retireLeavers();
    return merged;
  }

  /** Checks the queued requests as `orderQueue` does, without ordering them. */
  checkQueue(state: SchedulerState, applications: ReadonlyMap<string, QueueApplication>): void {
    this.admit(state, applications);
    this.retireLeavers();
  }

  /**
   * Stamps and checks every queued request, building entries and rows where needed. Collects the
   * entries missing from the last order in `fresh`. Throws the error of the first invalid request.
   */
  private admit(state: SchedulerState, applications: ReadonlyMap<string, QueueApplication>): void {
    this.stamp += 1;
    const stamp = this.stamp;
    const { now, queue } = state;
    const fresh = this.fresh;
    const created = this.created;
    fresh.length = 0;
    created.length = 0;

    for (const [name, application] of applications) {
      const record = this.applicationRecords.get(name);
      if (record === undefined) this.applicationRecords.set(name, { current: application, stamp });
      else {
        record.current = application;
        record.stamp = stamp;
      }
    }

    // Callers keep their queue's order and remove and append requests, so a request's entry is
    // most often the next one of the last admission's queue. A lookup by id takes over after a gap.
    const last = this.queueEntries;
    const next = this.spareQueueEntries;
    let cursor = 0;
    let lastName: string | undefined;
    let lastRecord: ApplicationRecord | undefined;
    let valid = true;
    for (let index = 0; index < queue.length; index += 1) {
      const request = queue[index] as QueuedRequest;
      if (!Number.isFinite(request.arrival) || request.arrival > now) {
        valid = false;
        break;
      }

      let entry: RequestEntry | undefined = last[cursor];
      if (entry !== undefined && entry.request === request) cursor += 1;
      else {
        entry = this.byId.get(request.id);
        if (entry !== undefined && entry.request === request) cursor = entry.position + 1;
        else entry = undefined;
      }
      if (entry === undefined || !entry.matches(request)) {
        // Requests of one application often share the application string, which then compares fast.
        const known = request.application === lastName ? lastRecord : this.applicationRecords.get(request.application);
        if (known === undefined || !hasValidFields(request)) {
          valid = false;
          break;
        }
        entry = this.pool.pop() ?? new RequestEntry();
        entry.reset(request, known);
        created.push(entry);
        lastName = request.application;
        lastRecord = known;
      }
      const record = entry.applicationRecord;
      // An entry already stamped now is one request object queued twice. A record not stamped now
      // is an application without variants in this state.
      if (entry.stamp === stamp || record.stamp !== stamp) {
        valid = false;
        break;
      }
      entry.stamp = stamp;

      // Checking the estimates copies them, so a new row needs no second lookup by variant id.
      const application = record.current;
      let copied = false;
      if (entry.checkedKey !== application.key) {
        if (this.copiedEstimates.length < application.ids.length) this.copiedEstimates = new Float64Array(application.ids.length);
        if (!hasValidEstimates(request, application.ids, this.copiedEstimates)) {
          valid = false;
          break;
        }
        entry.checkedKey = application.key;
        copied = true;
      }
      if (application.rowKey !== undefined && entry.rowKey !== application.rowKey) {
        entry.row = copied
          ? rowOf(this.copiedEstimates, application.rowSources ?? new Int32Array(0), entry.row)
          : estimateRow(request, application.rowVariantIds ?? [], entry.row);
        entry.rowKey = application.rowKey;
      }
      entry.slot = application.slot;
      entry.position = index;
      next[index] = entry;

      if (!entry.inOrder) fresh.push(entry);
    }

    if (valid) valid = this.indexCreated(stamp);
    if (!valid) {
      this.clear();
      rejectInvalidQueue(state, applications);
    }
    next.length = queue.length;
    this.queueEntries = next;
    this.spareQueueEntries = last;
  }

  /**
   * Handles the entries of the queue before the last admission whose requests left: they are no
   * longer found by id, and those outside the deadline order go back to the pool. Entries still in
   * the order leave it at the next ordering and are then left to the garbage collector.
   */
  private retireLeavers(): void {
    const leaving = this.spareQueueEntries;
    for (let index = 0; index < leaving.length; index += 1) {
      const entry = leaving[index] as RequestEntry;
      if (entry.stamp === this.stamp) continue;
      if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
      if (!entry.inOrder && entry.request !== RETIRED) {
        entry.retire();
        this.pool.push(entry);
      }
    }
  }

  /**
   * Adds the entries this admission created to `byId`. Returns false when one shares its id with
   * an entry queued now: two request objects with one id.
   */
  private indexCreated(stamp: number): boolean {
    for (let index = 0; index < this.created.length; index += 1) {
      const entry = this.created[index] as RequestEntry;
      const other = this.byId.get(entry.id);
      if (other !== undefined && other.stamp === stamp) return false;
      this.byId.set(entry.id, entry);
    }
    return true;
  }

  /**
   * Empties the cache after a rejected queue, whose admission left it half updated. Its entries are
   * left to the garbage collector, because the half-updated lists cannot tell which are in use.
   */
  private clear(): void {
    for (let index = 0; index < this.order.length; index += 1) (this.order[index] as RequestEntry).inOrder = false;
    this.order.length = 0;
    this.spare.length = 0;
    this.queueEntries.length = 0;
    this.spareQueueEntries.length = 0;
    this.byId.clear();
  }
}

/** The cache `decide()` uses unless its caller passes another. */
export const defaultDecisionCache = new DecisionCache();

function hasValidFields(request: QueuedRequest): boolean {
  try {
    validateRequestFields(request);
    return true;
  } catch {
    // The caller reports the error through `rejectInvalidQueue`, in queue order.
    return false;
  }
}

function hasValidEstimates(request: QueuedRequest, variantIds: readonly string[], into: Float64Array): boolean {
  try {
    validateEstimates(request, variantIds, into);
    return true;
  } catch {
    // As in `hasValidFields`.
    return false;
  }
}

/** Returns `estimates[sources[i]]` for each `i`, in `reuse` when it has the length. */
function rowOf(estimates: Float64Array, sources: Int32Array, reuse: Float64Array): Float64Array {
  const row = reuse.length === sources.length ? reuse : new Float64Array(sources.length);
  for (let index = 0; index < sources.length; index += 1) row[index] = estimates[sources[index] as number] as number;
  return row;
}

/** Returns `Â` of each of `variantIds` for the request, in that order, in `reuse` when it has the length. */
function estimateRow(request: QueuedRequest, variantIds: readonly string[], reuse: Float64Array): Float64Array {
  const row = reuse.length === variantIds.length ? reuse : new Float64Array(variantIds.length);
  for (let index = 0; index < variantIds.length; index += 1) row[index] = request.estimates[variantIds[index] as string] ?? 0;
  return row;
}

/** The fields the deadline order compares. */
export interface DeadlineOrdered {
  id: string;
  arrival: number;
  deadline: number;
}

/** Orders by deadline, then arrival, then id. */
export function compareDeadlineOrder(left: DeadlineOrdered, right: DeadlineOrdered): number {
  if (left.deadline !== right.deadline) return left.deadline - right.deadline;
  if (left.arrival !== right.arrival) return left.arrival - right.arrival;
  return compareIds(left.id, right.id);
}

/**
 * Returns the items sorted by `compareDeadlineOrder`. Checked ids are unique, so that order is
 * total and any correct sort gives it. This sort (insertion sort of short runs, then bottom-up
 * merges) compares copied deadlines and calls `compareDeadlineOrder` only on equal deadlines, so
 * most comparisons read a typed array instead of two objects.
 */
export function sortByDeadlineOrder<T extends DeadlineOrdered>(items: readonly T[]): T[] {
  const count = items.length;
  const deadlines = new Float64Array(count);
  let order = new Int32Array(count);
  let merged = new Int32Array(count);
  for (let index = 0; index < count; index += 1) {
    deadlines[index] = (items[index] as T).deadline;
    order[index] = index;
  }

  // Insertion-sort short runs first, which takes fewer steps than merging from runs of 1.
  for (let low = 0; low < count; low += INSERTION_RUN) {
    const high = Math.min(low + INSERTION_RUN, count);
    for (let next = low + 1; next < high; next += 1) {
      const moving = order[next] as number;
      let slot = next;
      while (slot > low && comesBefore(items, deadlines, moving, order[slot - 1] as number)) {
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
        if (comesBefore(items, deadlines, rightIndex, leftIndex)) {
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

  const sorted: T[] = new Array<T>(count);
  for (let position = 0; position < count; position += 1) sorted[position] = items[order[position] as number] as T;
  return sorted;
}

/** Length of the runs that `sortByDeadlineOrder` sorts by insertion before merging. */
const INSERTION_RUN = 8;

/** Returns whether item `first` comes strictly before item `second` in the deadline order. */
function comesBefore(items: readonly DeadlineOrdered[], deadlines: Float64Array, first: number, second: number): boolean {
  const firstDeadline = deadlines[first] as number;
  const secondDeadline = deadlines[second] as number;
  if (firstDeadline !== secondDeadline) return firstDeadline < secondDeadline;
  return compareDeadlineOrder(items[first] as DeadlineOrdered, items[second] as DeadlineOrdered) < 0;
}

/**
 * Writes into `out`, replacing its contents, the merge of `previous`'s entries stamped `stamp` and
 * `fresh`, both in deadline order. Marks the entries of `previous` not stamped `stamp` as out of the
 * order.
 */
function mergeDeadlineOrders(previous: readonly RequestEntry[], stamp: number, fresh: readonly RequestEntry[], out: RequestEntry[]): void {
  // Writing by index and truncating once keeps `out`'s storage from one decision to the next.
  let count = 0;
  let freshIndex = 0;
  for (let index = 0; index < previous.length; index += 1) {
    const entry = previous[index] as RequestEntry;
    if (entry.stamp !== stamp) {
      entry.inOrder = false;
      continue;
    }
    while (freshIndex < fresh.length && comesFirst(fresh[freshIndex] as RequestEntry, entry)) out[count++] = fresh[freshIndex++] as RequestEntry;
    out[count++] = entry;
  }
  while (freshIndex < fresh.length) out[count++] = fresh[freshIndex++] as RequestEntry;
  out.length = count;
}

/** Returns whether `first` comes strictly before `second` in the deadline order. */
function comesFirst(first: RequestEntry, second: RequestEntry): boolean {
  if (first.deadline !== second.deadline) return first.deadline < second.deadline;
  return compareDeadlineOrder(first, second) < 0;
}
