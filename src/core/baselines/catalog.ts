/**
 * Every policy the evaluation compares, by name: this policy with each estimator, its ablations and
 * the baselines, each built fresh for one simulated run (AIMD keeps state between batches).
 */

import { EstimatorKind } from '../estimation/estimator-set.js';
import { decide } from '../policy.js';
import type { ResolvedPolicyOptions } from '../policy-options.js';
import type { SimPolicy } from '../simulator/sim-model.js';
import { decideInPriorityOrder, decideWithoutSwapMargin } from './ablations.js';
import { createClipperAimdPolicy } from './clipper-aimd.js';
import { FixedChoice, QueueOrder, createFixedVariantPolicy } from './fixed-variant.js';
import { infaasPolicy } from './infaas.js';
import { createLoadSwitchingPolicy } from './load-switching.js';

export const PolicyName = {
  /** `decide` with SneakPeek posterior estimates, as the live runtime runs it. */
  SneakPeek: 'sneakpeek',
  /** `decide` with posteriors re-weighted by the online prior tracker. */
  SneakPeekTracked: 'sneakpeek-em',
  /** `decide` with the joint estimator. */
  Joint: 'joint',
  /** `decide` with profiled accuracy: the estimator ablation. */
  Profiled: 'profiled',
  /** `decide` with profiled accuracy measured on the trace's own label mix: the control. */
  ProfiledDeployment: 'profiled-deployment',
  /** `decide` with oracle estimates: the upper bound. */
  Oracle: 'oracle',
  /** `decide` restricted to batches of one. */
  NoBatching: 'no-batching',
  /** `decide` with batch members chosen by priority. */
  PriorityOrder: 'priority-order',
  /** `decide` without swap margin or credit. */
  NoSwapMargin: 'no-swap-margin',
  /** `decide` without the arrival cost: batches are charged nothing for requests not yet queued. */
  NoArrivalCost: 'no-arrival-cost',
  /** `decide` with SneakPeek estimates and candidates formed by each variant's estimated advantage. */
  AdvantageBatches: 'advantage-batches',
  FifoAccurate: 'fifo-accurate',
  FifoFastest: 'fifo-fastest',
  EdfAccurate: 'edf-accurate',
  EdfFastest: 'edf-fastest',
  Infaas: 'infaas',
  ClipperAimd: 'clipper-aimd',
  LoadSwitching: 'load-switching',
} as const;
export type PolicyName = (typeof PolicyName)[keyof typeof PolicyName];

export const POLICY_NAMES: readonly PolicyName[] = Object.freeze(Object.values(PolicyName));

/** One-line descriptions for help text and reports. */
export const POLICY_DESCRIPTIONS: Readonly<Record<PolicyName, string>> = Object.freeze({
  sneakpeek: 'this policy (decide) with SneakPeek posterior estimates',
  'sneakpeek-em': 'this policy with posteriors re-weighted by the EM prior tracker',
  joint: 'this policy with the joint estimator (class and confidence bin)',
  profiled: 'this policy with profiled accuracy instead of SneakPeek estimates',
  'profiled-deployment': "this policy with profiled accuracy over the traffic's own label mix",
  oracle: 'this policy with oracle estimates (the upper bound)',
  'no-batching': 'this policy with batches of one',
  'priority-order': 'this policy filling batches by priority instead of deadline order',
  'no-swap-margin': 'this policy without swap margin or swap credit',
  'no-arrival-cost': 'this policy without the arrival cost of long batches',
  'advantage-batches': "this policy, also forming batches by each variant's estimated advantage",
  'fifo-accurate': 'FIFO, most accurate variant, batches sized to the tightest deadline',
  'fifo-fastest': 'FIFO, fastest variant, batches sized to the tightest deadline',
  'edf-accurate': 'EDF, most accurate variant, batches sized to the tightest deadline',
  'edf-fastest': 'EDF, fastest variant, batches sized to the tightest deadline',
  infaas: 'INFaaS-style: most accurate variant whose latency fits the tightest deadline',
  'clipper-aimd': 'Clipper-style AIMD batch cap on the most accurate variant, EDF order',
  'load-switching': 'queue-length thresholds with hysteresis step between variants',
});

/**
 * Policies the live runtime can run. The others need what only the simulator has: the true labels
 * (oracle, the deployment's own label mix) or estimator state the runtime does not keep yet (the
 * EM prior tracker, the joint estimator's tables).
 */
export const LIVE_POLICY_NAMES: readonly PolicyName[] = Object.freeze(
  POLICY_NAMES.filter(
    (name) =>
      name !== PolicyName.SneakPeekTracked && name !== PolicyName.Joint && name !== PolicyName.ProfiledDeployment && name !== PolicyName.Oracle,
  ),
);

/** Returns whether `name` is a known policy name. */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** Builds a fresh policy for one run, with `options` as its base options. */
export function createSimPolicy(name: PolicyName, options: ResolvedPolicyOptions): SimPolicy {
  const base = { name, options, estimator: EstimatorKind.Posterior, decide };
  switch (name) {
    case PolicyName.SneakPeek:
      return base;
    case PolicyName.SneakPeekTracked:
      return { ...base, estimator: EstimatorKind.Tracked };
    case PolicyName.Joint:
      return { ...base, estimator: EstimatorKind.Joint };
    case PolicyName.Profiled:
      return { ...base, estimator: EstimatorKind.Profiled };
    case PolicyName.ProfiledDeployment:
      return { ...base, estimator: EstimatorKind.ProfiledDeployment };
    case PolicyName.Oracle:
      return { ...base, estimator: EstimatorKind.Oracle };
    case PolicyName.NoBatching:
      return { ...base, options: Object.freeze({ ...options, batchSizes: Object.freeze([1]) }) };
    case PolicyName.PriorityOrder:
      return { ...base, decide: decideInPriorityOrder };
    case PolicyName.NoSwapMargin:
      return { ...base, decide: decideWithoutSwapMargin };
    case PolicyName.NoArrivalCost:
      return { ...base, options: Object.freeze({ ...options, anticipateArrivals: false }) };
    case PolicyName.AdvantageBatches:
      return { ...base, options: Object.freeze({ ...options, advantageCandidates: true }) };
    // Baselines read profiled accuracy only. They receive profiled estimates, so nothing the
    // SneakPeek model computed reaches them.
    case PolicyName.FifoAccurate:
      return { ...base, estimator: EstimatorKind.Profiled, decide: createFixedVariantPolicy(QueueOrder.Fifo, FixedChoice.Accurate) };
    case PolicyName.FifoFastest:
      return { ...base, estimator: EstimatorKind.Profiled, decide: createFixedVariantPolicy(QueueOrder.Fifo, FixedChoice.Fastest) };
    case PolicyName.EdfAccurate:
      return { ...base, estimator: EstimatorKind.Profiled, decide: createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Accurate) };
    case PolicyName.EdfFastest:
      return { ...base, estimator: EstimatorKind.Profiled, decide: createFixedVariantPolicy(QueueOrder.Edf, FixedChoice.Fastest) };
    case PolicyName.Infaas:
      return { ...base, estimator: EstimatorKind.Profiled, decide: infaasPolicy };
    case PolicyName.ClipperAimd: {
      const aimd = createClipperAimdPolicy();
      return { ...base, estimator: EstimatorKind.Profiled, decide: aimd.decide, observe: aimd.observe };
    }
    case PolicyName.LoadSwitching:
      return { ...base, estimator: EstimatorKind.Profiled, decide: createLoadSwitchingPolicy() };
    default: {
      const unknown: never = name;
      throw new RangeError(`Unknown policy "${String(unknown)}". Known policies: ${POLICY_NAMES.join(', ')}.`);
    }
  }
}
