/**
 * A priority queue of timed events for the discrete-event loop: a binary min-heap on time, with
 * ties broken by insertion order so that equal inputs replay identically.
 */

interface Entry<T> {
  time: number;
  sequence: number;
  event: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private inserted = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: T): void {
    if (!Number.isFinite(time)) throw new RangeError(`Event time ${String(time)} is not finite. Schedule events at finite times.`);
    this.heap.push({ time, sequence: this.inserted++, event });
    this.siftUp(this.heap.length - 1);
  }

  /** Removes and returns the earliest event, or undefined when the queue is empty. */
  pop(): { time: number; event: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;

    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return { time: top.time, event: top.event };
  }

  private siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && this.before(left, smallest)) smallest = left;
      if (right < this.heap.length && this.before(right, smallest)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private before(left: number, right: number): boolean {
    const a = this.heap[left] as Entry<T>;
    const b = this.heap[right] as Entry<T>;
    return a.time !== b.time ? a.time < b.time : a.sequence < b.sequence;
  }

  private swap(left: number, right: number): void {
    const held = this.heap[left] as Entry<T>;
    this.heap[left] = this.heap[right] as Entry<T>;
    this.heap[right] = held;
  }
}
