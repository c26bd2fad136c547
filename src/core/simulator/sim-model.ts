/**
 * The simulator's vocabulary: applications with their recorded outputs, the requests of a trace,
 * the policies it runs, and the outcomes and batches it records.
 *
 * Times are milliseconds on the virtual clock, from the start of the trace.
 */

import type { EstimateSet, EstimatorKind } from '../estimation/estimator-set.js';
import type { RecordedOutputs } from '../manifest.js';
import type { Decision, DropReason, SchedulerState, VariantProfile } from '../model.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';

/** One application as the simulator serves it. */
export interface SimApplication {
  id: string;
  classes: readonly string[];
  /** Utility weight `w_a` of each of its requests. */
  weight: number;
  /** Variant profiles with the device's median latency and load cost. */
  variants: readonly VariantProfile[];
  sneakpeekId: string;
  /** SneakPeek temperature: the posterior is `softmax(logits / temperature)`. */
  temperature: number;
  /** Validation label mix `π_val`. */
  validationMix: readonly number[];
  recorded: RecordedOutputs;
}

/** One request of a simulated trace, with everything every policy and estimator needs. */
export interface SimRequest {
  id: string;
  application: string;
  /** Test record it carries. */
  record: number;
  /** True class of the record. */
  label: number;
  /** Submission time `t_q`. */
  arrival: number;
  /** When its SneakPeek run finished and it joined the scheduler's queue. */
  readyAt: number;
  /** Absolute deadline `d_q`. */
  deadline: number;
  weight: number;
  inBurst: boolean;
  /** Every estimator's `Â_m(q)` for every variant of the application. */
  estimates: EstimateSet;
  /** Each variant's recorded predicted class on the record. */
  predictions: Readonly<Record<string, number>>;
}

/** The signature every policy shares with `decide`. */
export type PolicyFunction = (state: SchedulerState, options: ResolvedPolicyOptions) => Decision;

/** Feedback from one finished batch to the policy that chose it. */
export interface BatchFeedback {
  variantId: string;
  application: string;
  size: number;
  start: number;
  finish: number;
  /** Members that finished after their deadline. */
  late: number;
}

/** A policy configured for one simulated run. */
export interface SimPolicy {
  name: string;
  /** The estimator whose `Â_m(q)` fills the `estimates` of each queued request. */
  estimator: EstimatorKind;
  options: ResolvedPolicyOptions;
  decide: PolicyFunction;
  /** Called after every batch; stateful baselines such as AIMD batch sizing adapt here. */
  observe?: (feedback: BatchFeedback) => void;
}

/** Kinds of outcome of an accepted request. */
export const OutcomeKind = {
  OnTime: 'completed-on-time',
  Late: 'completed-late',
  Dropped: 'dropped',
} as const;
export type OutcomeKind = (typeof OutcomeKind)[keyof typeof OutcomeKind];

/** The one outcome of one request. */
export interface RequestOutcome {
  requestId: string;
  application: string;
  kind: OutcomeKind;
  /** Time the outcome was settled: the batch finish or the drop time. */
  at: number;
  /** Set when dropped. */
  reason?: DropReason;
  /** Set when completed. */
  variantId?: string;
  correct?: boolean;
  batchSize?: number;
  /** The policy's estimate `Â_m(q)` for the variant that served the request. */
  estimate?: number;
  utility: number;
}

/** One batch the simulated executor ran. */
export interface BatchRecord {
  variantId: string;
  application: string;
  start: number;
  finish: number;
  /** Member count. */
  size: number;
  /** Batch size the run was padded to: the next profiled size at or above `size`. */
  runSize: number;
  loaded: boolean;
  evicted: readonly string[];
  /** The duration the policy expected and the one drawn from the profile. */
  expectedMs: number;
  actualMs: number;
}

/** Everything one simulated run produced. */
export interface SimulationResult {
  policy: string;
  outcomes: RequestOutcome[];
  batches: BatchRecord[];
  /** Variant loads after the initial preload. */
  swaps: number;
  evictions: number;
  decisions: number;
  /** Virtual time of the last event. */
  endTime: number;
}
