/**
 * Turns planned arrivals into the requests of a simulated trace. Each request gets the time it
 * clears the runtime's admission lane (free unless `requestCostMs` is set) and its application's
 * SneakPeek lane, its absolute deadline, every estimator's `Â_m(q)` and
 * every variant's recorded prediction. None of it depends on the policy, so one trace serves every policy
 * of a comparison.
 */

import { EstimatorSet } from '../estimation/estimator-set.js';
import type { ResolvedJointEstimatorOptions } from '../estimation/joint-estimator.js';
import type { ResolvedPriorTrackerOptions } from '../estimation/prior-tracker.js';
import { createRandom } from '../random.js';
import { compareIds } from '../residency.js';
import { deriveSeed } from '../workloads/seeds.js';
import type { PlannedArrival } from '../workloads/workload-plan.js';
import type { CostModel } from './device-costs.js';
import type { SimApplication, SimRequest } from './sim-model.js';
import { planAdmission } from './admission-lane.js';
import { planSneakPeekLane } from './sneakpeek-lane.js';

/** Largest batch the live SneakPeek lane runs at once. */
export const SNEAKPEEK_LANE_MAX_BATCH = 64;

export interface TraceSpec {
  applications: readonly SimApplication[];
  /** Planned arrivals of every application, in any order. */
  arrivals: readonly PlannedArrival[];
  costs: CostModel;
  seed: number;
  jointOptions: ResolvedJointEstimatorOptions;
  trackerOptions: ResolvedPriorTrackerOptions;
  /**
   * The runtime's own work per request in milliseconds, charged in one serial lane before the
   * SneakPeek lanes (`planAdmission`).
   * @default 0
   */
  requestCostMs?: number;
}

/** Builds the requests of a trace, ordered by the time they join the queue, then by id. */
export function buildTrace(spec: TraceSpec): SimRequest[] {
  const requests: SimRequest[] = [];
  const admittedAt = admissionTimes(spec.arrivals, spec.requestCostMs ?? 0);

  for (const application of spec.applications) {
    const planned = spec.arrivals
      .filter((arrival) => arrival.application === application.id)
      .sort((left, right) => left.arrival - right.arrival || left.position - right.position);
    if (planned.length === 0) continue;

    const laneRandom = createRandom(deriveSeed(spec.seed, `${application.id}/sneakpeek-lane`));
    const ready = planSneakPeekLane(
      planned.map((arrival) => admittedAt.get(arrival.id) as number),
      SNEAKPEEK_LANE_MAX_BATCH,
      (batchSize) => spec.costs.drawLatency(application.sneakpeekId, batchSize, laneRandom),
    );

    // Estimators see requests in the order their posteriors arrive: the lane keeps arrival order.
    const test = application.recorded.test;
    const estimators = new EstimatorSet({
      variants: application.variants,
      validationMix: application.validationMix,
      deploymentMix: labelMix(planned.map((arrival) => test.labels[arrival.record] ?? -1), application.classes.length),
      temperature: application.temperature,
      validation: application.recorded.validation,
      jointOptions: spec.jointOptions,
      trackerOptions: spec.trackerOptions,
    });
    for (const [index, arrival] of planned.entries()) {
      const label = test.labels[arrival.record];
      const logits = test.sneakpeekLogits[arrival.record];
      if (label === undefined || logits === undefined) {
        throw new RangeError(
          `Request "${arrival.id}" names test record ${arrival.record}, but application "${application.id}" has ${test.labels.length} test records. Plan records within the test split.`,
        );
      }

      const predictions: Record<string, number> = {};
      const correct: Record<string, boolean> = {};
      for (const variant of application.variants) {
        const predicted = test.predictions[variant.id]?.[arrival.record] ?? -1;
        predictions[variant.id] = predicted;
        correct[variant.id] = predicted === label;
      }

      requests.push({
        id: arrival.id,
        application: application.id,
        record: arrival.record,
        label,
        arrival: arrival.arrival,
        readyAt: ready[index] as number,
        deadline: arrival.arrival + arrival.relativeDeadlineMs,
        weight: arrival.weight,
        inBurst: arrival.inBurst,
        estimates: estimators.estimate(logits, correct),
        predictions,
      });
    }
  }

  return requests.sort((left, right) => left.readyAt - right.readyAt || left.arrival - right.arrival || compareIds(left.id, right.id));
}

/** Admission time of every arrival by id, through the one lane all applications share. */
function admissionTimes(arrivals: readonly PlannedArrival[], requestCostMs: number): Map<string, number> {
  // Within an application the order is the one its SneakPeek lane keeps: arrival, then position.
  const ordered = [...arrivals].sort(
    (left, right) => left.arrival - right.arrival || compareIds(left.application, right.application) || left.position - right.position,
  );
  const admitted = planAdmission(
    ordered.map((arrival) => arrival.arrival),
    requestCostMs,
  );
  return new Map(ordered.map((arrival, index) => [arrival.id, admitted[index] as number]));
}

/** Returns the share of each class among `labels`; labels outside the classes are left out. */
function labelMix(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  let total = 0;
  for (const label of labels) {
    if (label < 0 || label >= classes) continue;
    counts[label] = (counts[label] ?? 0) + 1;
    total += 1;
  }
  return counts.map((count) => (total === 0 ? 1 / classes : count / total));
}
