/**
 * The part of an experiment every grid cell shares, in two forms: plain data that can cross to a
 * worker thread, and the resolved spec `runCell` takes, rebuilt from that data in each thread.
 */

import type { PolicyName } from '../../src/core/baselines/catalog.js';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator.js';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker.js';
import { resolvePolicyOptions } from '../../src/core/policy-options.js';
import type { runCell } from '../../src/core/simulator/experiment.js';
import { resolveBurstOptions } from '../../src/core/workloads/arrivals.js';
import { loadSimInputs, type SimInputs } from './inputs.js';

/** Plain, cloneable settings of every cell. */
export interface CellSpecData {
  root: string;
  manifest: string;
  profile: string;
  apps: string[] | undefined;
  requests: number;
  deadlineRange: [number, number];
  burstRatio: number;
  policies: PolicyName[];
  memoryBudgetBytes: number;
  swapMargin: number;
  maxQueueDelayMs: number;
  batchSizes: number[] | undefined;
}

export type CellSpec = Parameters<typeof runCell>[0];

/** Loads the inputs and resolves every option of a cell spec. */
export function buildCellSpec(data: CellSpecData): { spec: CellSpec; inputs: SimInputs } {
  const inputs = loadSimInputs(data.root, data.manifest, data.profile, data.apps);
  const spec: CellSpec = {
    applications: inputs.applications,
    costs: inputs.costs,
    requestsPerApplication: data.requests,
    deadlineRange: data.deadlineRange,
    bursts: resolveBurstOptions({ rateRatio: data.burstRatio }),
    jointOptions: resolveJointEstimatorOptions(),
    trackerOptions: resolvePriorTrackerOptions(),
    policies: data.policies,
    policyOptions: resolvePolicyOptions({
      memoryBudgetBytes: data.memoryBudgetBytes,
      swapMargin: data.swapMargin,
      maxQueueDelayMs: data.maxQueueDelayMs,
      ...(data.batchSizes === undefined ? {} : { batchSizes: data.batchSizes }),
    }),
  };
  return { spec, inputs };
}
