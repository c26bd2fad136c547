/**
 * The priorities of one decision as a read-only map from request id to priority.
 *
 * The policy writes the priorities into one array per application queue. Iterating walks those
 * arrays, in the policy's order: queue by queue, requests in deadline order. The id index that
 * `get` and `has` need is built at their first call. So the callers that only iterate, the live
 * scheduler and the decision record, hash no id, and a decision whose priorities are never read
 * builds no map.
 */

import type { QueuedRequest } from './model';

export class RequestPriorities implements ReadonlyMap<string, number> {
  readonly size: number;
  private index: Map<string, number> | undefined;

  /**
   * `priorities[g][i]` is the priority of `requests[g][i]`. Both are kept, not copied, so the
   * caller must not modify them afterwards.
   */
  constructor(
    private readonly requests: readonly (readonly QueuedRequest[])[],
    private readonly priorities: readonly Float64Array[],
  ) {
    let size = 0;
    for (const group of requests) size += group.length;
    this.size = size;
  }

  get(id: string): number | undefined {
    return this.indexed().get(id);
  }

  has(id: string): boolean {
    return this.indexed().has(id);
  }

  forEach(callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (let group = 0; group < this.requests.length; group += 1) {
      const requests = this.requests[group] as readonly QueuedRequest[];
      const values = this.priorities[group] as Float64Array;
      for (let index = 0; index < requests.length; index += 1) {
        callback.call(thisArg, values[index] as number, (requests[index] as QueuedRequest).id, this);
      }
    }
  }

  entries(): MapIterator<[string, number]> {
    return this.walk((id, value): [string, number] => [id, value]);
  }

  keys(): MapIterator<string> {
    return this.walk((id) => id);
  }

  values(): MapIterator<number> {
    return this.walk((_id, value) => value);
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'RequestPriorities';
  }

  private *walk<T>(item: (id: string, value: number) => T): Generator<T, undefined, unknown> {
    for (let group = 0; group < this.requests.length; group += 1) {
      const requests = this.requests[group] as readonly QueuedRequest[];
      const values = this.priorities[group] as Float64Array;
      for (let index = 0; index < requests.length; index += 1) yield item((requests[index] as QueuedRequest).id, values[index] as number);
    }
    return undefined;
  }

  private indexed(): Map<string, number> {
    if (this.index === undefined) {
      const index = new Map<string, number>();
      this.forEach((value, id) => index.set(id, value));
      this.index = index;
    }
    return this.index;
  }
}
