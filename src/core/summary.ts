/**
 * Running figures of a replay: effective accuracy (answered correctly and on time), deadline
 * satisfaction, accuracy of the answers served, drops, and the same per phase and per variant.
 */

/** One finished request, as the summary reads it. */
export interface ReplayResult {
  phase: string;
  /** True class of the record. */
  label: number;
  status: 'completed' | 'dropped';
  variantId?: string;
  classIndex?: number;
  deadlineMet?: boolean;
  batchSize?: number;
}

export interface ReplayFigures {
  requests: number;
  completed: number;
  dropped: number;
  correct: number;
  onTime: number;
  correctOnTime: number;
  /** Share of requests answered correctly by their deadline. */
  effectiveAccuracy: number;
  /** Share of requests answered by their deadline. */
  deadlineSatisfaction: number;
  /** Share of completed requests answered correctly, on time or not. */
  servedAccuracy: number;
  /** Mean size of the batch that served each completed request: a request-weighted mean. */
  meanBatchSize: number;
  servedByVariant: Record<string, number>;
}

export interface ReplaySummary extends ReplayFigures {
  byPhase: Record<string, ReplayFigures>;
}

export function summarize(results: readonly ReplayResult[]): ReplaySummary {
  const byPhase: Record<string, ReplayFigures> = {};
  const phases = [...new Set(results.map((result) => result.phase))];
  for (const phase of phases) byPhase[phase] = figures(results.filter((result) => result.phase === phase));
  return { ...figures(results), byPhase };
}

function figures(results: readonly ReplayResult[]): ReplayFigures {
  let completed = 0;
  let correct = 0;
  let onTime = 0;
  let correctOnTime = 0;
  let batchSizeSum = 0;
  const servedByVariant: Record<string, number> = {};

  for (const result of results) {
    if (result.status !== 'completed') continue;
    completed++;
    const isCorrect = result.classIndex === result.label;
    if (isCorrect) correct++;
    if (result.deadlineMet === true) onTime++;
    if (isCorrect && result.deadlineMet === true) correctOnTime++;
    batchSizeSum += result.batchSize ?? 1;
    if (result.variantId !== undefined) servedByVariant[result.variantId] = (servedByVariant[result.variantId] ?? 0) + 1;
  }

  const requests = results.length;
  const share = (count: number, total: number): number => (total === 0 ? 0 : count / total);
  return {
    requests,
    completed,
    dropped: requests - completed,
    correct,
    onTime,
    correctOnTime,
    effectiveAccuracy: share(correctOnTime, requests),
    deadlineSatisfaction: share(onTime, requests),
    servedAccuracy: share(correct, completed),
    meanBatchSize: share(batchSizeSum, completed),
    servedByVariant,
  };
}
