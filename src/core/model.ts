/**
 * The formal model the scheduler decides on: variants with their profiles, queued requests with
 * their per-variant accuracy estimates, the executor's resident set, and the decisions and
 * outcomes that come out.
 *
 * Times are milliseconds on one clock chosen by the caller (the live runtime uses
 * `performance.timeOrigin + performance.now()`, the tests use small integers). Nothing here
 * reads a clock.
 */

/** Why an accepted request ended without an answer. */
export const DropReason = {
  /** No variant could finish the request by its deadline, swap included. */
  DeadlineInfeasible: 'deadline-infeasible',
  /** The batch that held the request failed in onnxruntime-web. */
  InferenceFailed: 'inference-failed',
  /** The runtime was disposed while the request was queued. */
  RuntimeDisposed: 'runtime-disposed',
  /**
   * The request's batch was lost with the WebGPU device, and its deadline had passed by the time
   * it could be queued again (or it had already been retried once).
   */
  DeviceLost: 'device-lost',
  /**
   * The inference worker crashed or stopped answering while running the request's batch, and the
   * deadline had passed by the time it could be queued again, or it had already been retried once.
   */
  WorkerLost: 'worker-lost',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** One measured point of a latency profile. */
export interface LatencyPoint {
  batchSize: number;
  /** Median wall time of `run()` for a batch of this size, in milliseconds. */
  ms: number;
}

/** Policy's view of one variant of one application. */
export interface VariantProfile {
  id: string;
  application: string;
  /** Estimated device memory while resident, in bytes. */
  footprintBytes: number;
  maxBatch: number;
  /** Load cost `T_m`: session creation plus warm-up, in milliseconds. */
  loadMs: number;
  /** Latency profile `L_m(b)`, ascending by batch size, at least one point. */
  latency: readonly LatencyPoint[];
  /** Per-class recall `r_m(c)`, indexed by class. */
  recall: readonly number[];
  /** Profiled accuracy `A_m = Σ_c π_val(c) · r_m(c)`. */
  profiledAccuracy: number;
}

/** A request waiting in the scheduler's queue. */
export interface QueuedRequest {
  id: string;
  application: string;
  /** Arrival time `t_q`. */
  arrival: number;
  /** Absolute deadline `d_q`. */
  deadline: number;
  /** Utility weight `w_q`. */
  weight: number;
  /** Estimated accuracy `Â_m(q)` for every variant id of the request's application. */
  estimates: Readonly<Record<string, number>>;
}

/** Everything one policy decision depends on. */
export interface SchedulerState {
  /** Decision time `t`. */
  now: number;
  queue: readonly QueuedRequest[];
  /** Every servable variant of every application. */
  variants: readonly VariantProfile[];
  /** Resident variant ids mapped to the time each last ran (or was loaded). */
  resident: ReadonlyMap<string, number>;
  /** Application id mapped to the id of the variant that last ran for it. */
  lastVariant: ReadonlyMap<string, string>;
  /**
   * Swap credit of non-resident variants: estimated gain accumulated over earlier decisions
   * (see `accumulateSwapCredit`). It counts toward the swap margin. Absent means no credit.
   */
  swapCredit?: ReadonlyMap<string, number>;
  /**
   * Recent traffic of each application (see `TrafficTracker`), for the arrival cost: what a batch
   * costs the requests that will arrive while it runs. Absent means no arrivals are anticipated.
   */
  traffic?: ReadonlyMap<string, TrafficEstimate>;
}

/** Recent traffic of one application. */
export interface TrafficEstimate {
  /** Requests per millisecond. */
  ratePerMs: number;
  /** Deadline minus arrival of each recent request, in milliseconds. */
  relativeDeadlinesMs: readonly number[];
  /** Mean utility weight of the recent requests. */
  meanWeight: number;
}

/** A request the policy drops, and why. */
export interface Drop {
  requestId: string;
  reason: DropReason;
}

/** The batch the executor should run next. */
export interface RunAction {
  kind: 'run';
  variantId: string;
  application: string;
  /** Member request ids in deadline order. */
  requestIds: string[];
  /** Resident variants to evict before loading, in eviction order. */
  evict: string[];
  /** Whether the variant must be loaded first. */
  load: boolean;
  /** Expected duration: load cost (if any) plus `L_m(|B|)`, in milliseconds. */
  expectedDurationMs: number;
  /** Roll-out score the candidate won with. */
  score: number;
}

/** Nothing to run until `until`, when waiting for a fuller batch stops paying. */
export interface WaitAction {
  kind: 'wait';
  until: number;
}

export interface IdleAction {
  kind: 'idle';
}

export type Action = RunAction | WaitAction | IdleAction;

export interface Decision {
  drops: Drop[];
  action: Action;
  /**
   * Priority of every request still queued after the drops: the expected utility it loses by
   * waiting one more batch, `w_q · (V_q(t) − V_q(t + Δ))`.
   */
  priorities: ReadonlyMap<string, number>;
  /**
   * For every non-resident variant with a candidate that did not run: its best candidate's score
   * minus the best resident candidate's score. Negative when the resident choice is better.
   */
  swapGains: Map<string, number>;
}
