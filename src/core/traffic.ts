/**
 * Recent traffic per application, for the policy's arrival cost: the arrival rate and the relative
 * deadlines of the last requests that joined the queue. The live scheduler and the simulator both
 * keep one `TrafficTracker` and pass its snapshot in `SchedulerState.traffic`, so the policy reads
 * the same figures under both clocks.
 */

import type { TrafficEstimate } from './model.js';

/** Requests per application the tracker remembers. */
export const DEFAULT_TRAFFIC_WINDOW = 128;

/** Fewest recorded requests of an application before the tracker estimates its traffic. */
export const MIN_TRAFFIC_SAMPLES = 16;

interface Arrival {
  arrival: number;
  relativeDeadlineMs: number;
  weight: number;
}

/** Sliding windows of the most recent arrivals, one per application. */
export class TrafficTracker {
  private readonly windows = new Map<string, Arrival[]>();
  /** Per application, its window's relative deadlines and mean weight, until the next `observe`. */
  private readonly summaries = new Map<string, { relativeDeadlinesMs: readonly number[]; meanWeight: number }>();

  constructor(private readonly windowSize = DEFAULT_TRAFFIC_WINDOW) {
    if (!Number.isInteger(windowSize) || windowSize < 2) {
      throw new RangeError(`Traffic window is ${String(windowSize)} requests; pass a whole number of at least 2.`);
    }
  }

  /** Records one request as it joins the queue. */
  observe(application: string, arrival: number, deadline: number, weight: number): void {
    const window = this.windows.get(application) ?? [];
    window.push({ arrival, relativeDeadlineMs: Math.max(0, deadline - arrival), weight });
    if (window.length > this.windowSize) window.shift();
    this.windows.set(application, window);
    this.summaries.delete(application);
  }

  /**
   * Returns each application's estimate at time `now`. The rate is the window's request count over
   * the time from its oldest arrival to `now`, so it decays while nothing arrives. Applications with
   * fewer than `MIN_TRAFFIC_SAMPLES` recorded requests are left out, because a handful of requests
   * gives a poor estimate of a rate.
   */
  snapshot(now: number): Map<string, TrafficEstimate> {
    const estimates = new Map<string, TrafficEstimate>();
    for (const [application, window] of this.windows) {
      const oldest = window[0];
      if (oldest === undefined || window.length < Math.min(MIN_TRAFFIC_SAMPLES, this.windowSize)) continue;
      const span = now - oldest.arrival;
      if (!(span > 0)) continue;

      let summary = this.summaries.get(application);
      if (summary === undefined) {
        summary = {
          relativeDeadlinesMs: Object.freeze(window.map((entry) => entry.relativeDeadlineMs)),
          meanWeight: window.reduce((sum, entry) => sum + entry.weight, 0) / window.length,
        };
        this.summaries.set(application, summary);
      }
      estimates.set(application, { ratePerMs: window.length / span, ...summary });
    }
    return estimates;
  }
}
