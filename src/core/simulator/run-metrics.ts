/**
 * Figures of one simulated run, overall and per application:
 *
 * - effective accuracy: share of requests completed correctly by their deadline;
 * - deadline satisfaction: share of requests completed by their deadline;
 * - served accuracy: share of completed requests answered correctly, on time or not;
 * - drops, late completions, swaps (variant loads after the preload) and evictions;
 * - mean batch size, weighted by request: the size of the batch that served each completed
 *   request, averaged, as the live replay summary reports it;
 * - total utility: the sum of each outcome's realised utility.
 */

import { OutcomeKind, type SimulationResult } from './sim-model.js';

export interface RunFigures {
  requests: number;
  completed: number;
  onTime: number;
  late: number;
  dropped: number;
  correct: number;
  correctOnTime: number;
  effectiveAccuracy: number;
  deadlineSatisfaction: number;
  servedAccuracy: number;
  meanBatchSize: number;
  batches: number;
  swaps: number;
  evictions: number;
  totalUtility: number;
  servedByVariant: Record<string, number>;
}

export interface RunSummary extends RunFigures {
  byApplication: Record<string, RunFigures>;
}

/** Summarises a run overall and per application. */
export function summarizeRun(result: SimulationResult): RunSummary {
  const applications = [...new Set(result.outcomes.map((outcome) => outcome.application))].sort();
  const byApplication: Record<string, RunFigures> = {};
  for (const application of applications) byApplication[application] = figures(result, application);
  return { ...figures(result, undefined), byApplication };
}

function figures(result: SimulationResult, application: string | undefined): RunFigures {
  const counts = { requests: 0, completed: 0, onTime: 0, late: 0, dropped: 0, correct: 0, correctOnTime: 0 };
  let batchSizeSum = 0;
  let totalUtility = 0;
  const servedByVariant: Record<string, number> = {};

  for (const outcome of result.outcomes) {
    if (application !== undefined && outcome.application !== application) continue;
    counts.requests += 1;
    totalUtility += outcome.utility;
    if (outcome.kind === OutcomeKind.Dropped) {
      counts.dropped += 1;
      continue;
    }

    counts.completed += 1;
    const onTime = outcome.kind === OutcomeKind.OnTime;
    if (onTime) counts.onTime += 1;
    else counts.late += 1;
    if (outcome.correct === true) counts.correct += 1;
    if (outcome.correct === true && onTime) counts.correctOnTime += 1;
    batchSizeSum += outcome.batchSize ?? 1;
    if (outcome.variantId !== undefined) servedByVariant[outcome.variantId] = (servedByVariant[outcome.variantId] ?? 0) + 1;
  }

  const batches = result.batches.filter((batch) => application === undefined || batch.application === application);
  const share = (count: number, total: number): number => (total === 0 ? 0 : count / total);
  return {
    ...counts,
    effectiveAccuracy: share(counts.correctOnTime, counts.requests),
    deadlineSatisfaction: share(counts.onTime, counts.requests),
    servedAccuracy: share(counts.correct, counts.completed),
    meanBatchSize: share(batchSizeSum, counts.completed),
    batches: batches.length,
    swaps: batches.filter((batch) => batch.loaded).length,
    evictions: batches.reduce((sum, batch) => sum + batch.evicted.length, 0),
    totalUtility,
    servedByVariant,
  };
}
