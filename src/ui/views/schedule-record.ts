/**
 * The schedule view's data, kept as plain data over a sliding time window: batches, loads,
 * evictions and drops as they happened, queue depth, and per-second bins of outcomes. Counts
 * cover everything recorded since the record was created; the series keep only the last
 * `windowMs`, so memory stays bounded however long the runtime runs.
 *
 * No DOM: the view feeds it updates and outcomes and reads it once per animation frame.
 */
import type { BatchUpdate, Outcome, ScheduleUpdate } from '../../protocol/messages.js';

/** A batch as the timeline draws it. */
export interface TimelineBatch {
  batchId: number;
  variantId: string;
  size: number;
  startedAt: number;
  finishedAt: number;
  failed: boolean;
  /** The earliest deadline among the batch's requests. */
  firstDeadline: number;
  /** Requests of the batch that finished after their deadline (all of them for a failed batch). */
  missed: number;
}

/** A load, an eviction or a drop, as a mark on the timeline. */
export interface TimelineMark {
  kind: 'load' | 'evict' | 'drop';
  /** Variant of a load or an eviction; undefined for a drop. */
  variantId?: string;
  at: number;
  /** A load's start; `at` is its end. */
  startedAt?: number;
  /** Cause of a load (`LoadCause`), a drop (`DropReason`), or `'evict'`. */
  cause: string;
  /** Requests dropped (1 for a load or an eviction). */
  count: number;
}

/** Queue depth over one slice of time. */
export interface QueueSample {
  at: number;
  /** Largest number of queued requests seen in the slice. */
  queued: number;
}

/** Outcomes of one second. */
export interface OutcomeBin {
  start: number;
  outcomes: number;
  /** Sum over the bin's outcomes of the estimated accuracy of those that met their deadlines. */
  onTimeEstimate: number;
  /** Sum of `weight × estimated accuracy` over outcomes that met their deadlines. */
  utility: number;
  missed: number;
  dropped: number;
}

export interface ScheduleCounts {
  batches: number;
  failedBatches: number;
  batchedRequests: number;
  completed: number;
  deadlineMet: number;
  dropped: number;
  swaps: number;
  loads: number;
  evictions: number;
}

export interface ResidentSet {
  variants: string[];
  bytes: number;
  budgetBytes: number;
}

/** Length of one queue-depth slice and one outcome bin, in milliseconds. */
const QUEUE_SLICE_MS = 100;
const OUTCOME_BIN_MS = 1000;

/** An array that grows at the end and is cut at the front, without moving elements on every cut. */
class SlidingList<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  last(): T | undefined {
    return this.items.length > this.head ? this.items[this.items.length - 1] : undefined;
  }

  /** Drops items from the front while `stale` holds. */
  dropWhile(stale: (item: T) => boolean): void {
    while (this.head < this.items.length && stale(this.items[this.head]!)) this.head++;
    // Compact once the dead prefix is half the array, so the copying costs O(1) per item on average.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }

  get length(): number {
    return this.items.length - this.head;
  }
}

export class ScheduleRecord {
  readonly counts: ScheduleCounts = { batches: 0, failedBatches: 0, batchedRequests: 0, completed: 0, deadlineMet: 0, dropped: 0, swaps: 0, loads: 0, evictions: 0 };
  resident: ResidentSet = { variants: [], bytes: 0, budgetBytes: 0 };
  /** Time of the latest update or outcome, on the runtime clock. */
  latest = 0;
  private readonly batchList = new SlidingList<TimelineBatch>();
  private readonly markList = new SlidingList<TimelineMark>();
  private readonly queueList = new SlidingList<QueueSample>();
  private readonly binList = new SlidingList<OutcomeBin>();

  /**
   * @param windowMs how much history the series keep, in milliseconds
   * @param weights utility weight per application id (1 for applications not listed)
   */
  constructor(
    readonly windowMs: number,
    private readonly weights: Readonly<Record<string, number>> = {},
  ) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs ${windowMs} is not positive; pass the history to keep in milliseconds, for example 30000.`);
  }

  addUpdate(update: ScheduleUpdate): void {
    this.resident = { variants: update.resident, bytes: update.residentBytes, budgetBytes: update.memoryBudgetBytes };
    this.sampleQueue(update.at, update.queued);
    switch (update.kind) {
      case 'batch':
        this.addBatch(update);
        break;
      case 'load':
        this.counts.loads++;
        if (update.cause === 'swap') this.counts.swaps++;
        this.markList.push({ kind: 'load', variantId: update.variantId, at: update.finishedAt, startedAt: update.startedAt, cause: update.cause, count: 1 });
        break;
      case 'evict':
        // NOTE: evictions by reprofile() and fault recovery count here too, though stats().evictions
        // leaves them out, so after either the view's count can exceed the runtime's.
        this.counts.evictions++;
        this.markList.push({ kind: 'evict', variantId: update.variantId, at: update.at, cause: 'evict', count: 1 });
        break;
      case 'drop':
        this.markList.push({ kind: 'drop', at: update.at, cause: update.reason, count: update.requestIds.length });
        break;
      default: {
        const unknown: never = update;
        throw new TypeError(`Unknown schedule update ${JSON.stringify(unknown)}`);
      }
    }
    this.advance(update.at);
  }

  addOutcome(outcome: Outcome): void {
    const at = outcome.status === 'completed' ? outcome.finishedAt : outcome.droppedAt;
    const bin = this.binAt(at);
    bin.outcomes++;
    if (outcome.status === 'completed') {
      this.counts.completed++;
      if (outcome.deadlineMet) {
        this.counts.deadlineMet++;
        bin.onTimeEstimate += outcome.estimatedAccuracy;
        // NOTE: outcomes do not carry the request's weight, so a request submitted with its own
        // weight counts with its application's.
        bin.utility += (this.weights[outcome.application] ?? 1) * outcome.estimatedAccuracy;
      } else {
        bin.missed++;
      }
    } else {
      this.counts.dropped++;
      bin.dropped++;
    }
    this.advance(at);
  }

  /** Drops what fell out of the window ending at `now`. */
  prune(now: number): void {
    const cutoff = now - this.windowMs;
    this.batchList.dropWhile((batch) => batch.finishedAt < cutoff);
    this.markList.dropWhile((mark) => mark.at < cutoff);
    this.queueList.dropWhile((sample) => sample.at < cutoff - QUEUE_SLICE_MS);
    this.binList.dropWhile((bin) => bin.start + OUTCOME_BIN_MS < cutoff);
  }

  batches(): TimelineBatch[] {
    return this.batchList.toArray();
  }

  marks(): TimelineMark[] {
    return this.markList.toArray();
  }

  queue(): QueueSample[] {
    return this.queueList.toArray();
  }

  bins(): OutcomeBin[] {
    return this.binList.toArray();
  }

  private addBatch(update: BatchUpdate): void {
    const failed = update.status === 'failed';
    if (failed) this.counts.failedBatches++;
    else {
      this.counts.batches++;
      this.counts.batchedRequests += update.size;
    }
    this.batchList.push({
      batchId: update.batchId,
      variantId: update.variantId,
      size: update.size,
      startedAt: update.startedAt,
      finishedAt: update.finishedAt,
      failed,
      firstDeadline: update.requests.reduce((first, request) => Math.min(first, request.deadline), Number.POSITIVE_INFINITY),
      missed: failed ? update.size : update.size - update.deadlinesMet,
    });
  }

  private sampleQueue(at: number, queued: number): void {
    const slice = Math.floor(at / QUEUE_SLICE_MS) * QUEUE_SLICE_MS;
    const last = this.queueList.last();
    if (last !== undefined && last.at === slice) last.queued = Math.max(last.queued, queued);
    else if (last === undefined || slice > last.at) this.queueList.push({ at: slice, queued });
  }

  /** Returns the bin holding time `at`, creating it (and keeping bins in time order). */
  private binAt(at: number): OutcomeBin {
    const start = Math.floor(at / OUTCOME_BIN_MS) * OUTCOME_BIN_MS;
    const last = this.binList.last();
    if (last !== undefined && start <= last.start) {
      // Outcomes arrive nearly in time order; a late one joins the latest bin rather than reorder.
      return last;
    }
    const bin: OutcomeBin = { start, outcomes: 0, onTimeEstimate: 0, utility: 0, missed: 0, dropped: 0 };
    this.binList.push(bin);
    return bin;
  }

  private advance(at: number): void {
    if (at > this.latest) {
      this.latest = at;
      this.prune(at);
    }
  }
}

/** Width of an outcome bin, for the charts' labels. */
export const OUTCOME_BIN_SECONDS = OUTCOME_BIN_MS / 1000;
