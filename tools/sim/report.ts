/**
 * Aggregates simulated runs over seeds and renders them: one text table per workload, the
 * SneakPeek-versus-profiled comparison with 95% confidence intervals over seeds and the share of
 * the oracle's headroom it captures, estimator quality, and CSV rows.
 */

import { ESTIMATOR_KINDS } from '../../src/core/estimation/estimator-set.js';
import type { PolicyName } from '../../src/core/baselines/catalog.js';
import type { EstimatorRecord, RunRecord } from '../../src/core/simulator/experiment.js';
import type { RunFigures } from '../../src/core/simulator/run-metrics.js';
import { confidenceInterval95, pairedDifference95, type Interval } from '../../src/core/simulator/statistics.js';
import type { WorkloadKind } from '../../src/core/workloads/workload-plan.js';

/** The per-run figures the tables and the summary CSV report, with how to read each from a run. */
export const REPORTED_METRICS = {
  effectiveAccuracy: (figures: RunFigures) => figures.effectiveAccuracy,
  deadlineSatisfaction: (figures: RunFigures) => figures.deadlineSatisfaction,
  servedAccuracy: (figures: RunFigures) => figures.servedAccuracy,
  dropShare: (figures: RunFigures) => (figures.requests === 0 ? 0 : figures.dropped / figures.requests),
  lateShare: (figures: RunFigures) => (figures.requests === 0 ? 0 : figures.late / figures.requests),
  swaps: (figures: RunFigures) => figures.swaps,
  meanBatchSize: (figures: RunFigures) => figures.meanBatchSize,
  totalUtility: (figures: RunFigures) => figures.totalUtility,
} as const;
export type ReportedMetric = keyof typeof REPORTED_METRICS;
const METRIC_NAMES = Object.keys(REPORTED_METRICS) as ReportedMetric[];

export interface CellSummary {
  workload: WorkloadKind;
  load: number;
  policy: PolicyName;
  seeds: number;
  metrics: Record<ReportedMetric, Interval>;
}

/** A data-aware estimator's gain over profiled estimates at one workload and load. */
export interface Comparison {
  workload: WorkloadKind;
  load: number;
  policy: PolicyName;
  /** Paired difference in effective accuracy, this policy minus `profiled`, over seeds. */
  difference: Interval;
  /** Mean effective accuracy of `oracle` minus `profiled`, when both ran. */
  oracleHeadroom: number | undefined;
  /** `difference.mean / oracleHeadroom`; undefined when the headroom is not positive. */
  headroomShare: number | undefined;
}

/** Groups runs by workload, load and policy, in the order they first appear. */
export function summarizeCells(runs: readonly RunRecord[]): CellSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.workload}|${run.load}|${run.policy}`;
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }

  return [...groups.values()].map((group) => {
    const first = group[0] as RunRecord;
    const metrics = {} as Record<ReportedMetric, Interval>;
    for (const name of METRIC_NAMES) metrics[name] = confidenceInterval95(group.map((run) => REPORTED_METRICS[name](run.summary)));
    return { workload: first.workload, load: first.load, policy: first.policy, seeds: group.length, metrics };
  });
}

/** Policies compared with `profiled`: the data-aware estimators and profiles measured on the traffic itself. */
const DATA_AWARE: readonly PolicyName[] = ['sneakpeek', 'sneakpeek-em', 'joint', 'advantage-batches', 'profiled-deployment'];

/** Compares each data-aware policy that ran with `profiled`, paired by seed. */
export function compareWithProfiled(runs: readonly RunRecord[]): Comparison[] {
  const byKey = new Map<string, Map<number, number>>();
  for (const run of runs) {
    const key = `${run.workload}|${run.load}|${run.policy}`;
    const seeds = byKey.get(key) ?? new Map<number, number>();
    seeds.set(run.seed, run.summary.effectiveAccuracy);
    byKey.set(key, seeds);
  }

  const comparisons: Comparison[] = [];
  const cells = [...new Set(runs.map((run) => `${run.workload}|${run.load}`))];
  for (const cell of cells) {
    const [workload, loadText] = cell.split('|') as [WorkloadKind, string];
    const profiled = byKey.get(`${cell}|profiled`);
    if (profiled === undefined) continue;
    const oracle = byKey.get(`${cell}|oracle`);

    for (const policy of DATA_AWARE) {
      const aware = byKey.get(`${cell}|${policy}`);
      if (aware === undefined) continue;
      const seeds = [...aware.keys()].filter((seed) => profiled.has(seed)).sort((left, right) => left - right);
      if (seeds.length === 0) continue;

      const difference = pairedDifference95(
        seeds.map((seed) => aware.get(seed) as number),
        seeds.map((seed) => profiled.get(seed) as number),
      );
      const oracleSeeds = oracle === undefined ? [] : seeds.filter((seed) => oracle.has(seed));
      const oracleHeadroom =
        oracle === undefined || oracleSeeds.length === 0
          ? undefined
          : oracleSeeds.reduce((sum, seed) => sum + (oracle.get(seed) as number) - (profiled.get(seed) as number), 0) / oracleSeeds.length;
      const headroomShare = oracleHeadroom !== undefined && oracleHeadroom > 0 ? difference.mean / oracleHeadroom : undefined;
      comparisons.push({ workload, load: Number(loadText), policy, difference, oracleHeadroom, headroomShare });
    }
  }
  return comparisons;
}

/** Mean Brier score and ECE per workload, application and estimator, over loads and seeds. */
export interface EstimatorSummary {
  workload: WorkloadKind;
  application: string;
  estimator: string;
  traces: number;
  brier: number;
  ece: number;
}

export function summarizeEstimators(records: readonly EstimatorRecord[]): EstimatorSummary[] {
  const groups = new Map<string, EstimatorRecord[]>();
  for (const record of records) {
    const key = `${record.workload}|${record.application}|${record.estimator}`;
    const list = groups.get(key) ?? [];
    list.push(record);
    groups.set(key, list);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as EstimatorRecord;
    const mean = (pick: (record: EstimatorRecord) => number): number => group.reduce((sum, record) => sum + pick(record), 0) / group.length;
    return {
      workload: first.workload,
      application: first.application,
      estimator: first.estimator,
      traces: group.length,
      brier: mean((record) => record.brier),
      ece: mean((record) => record.ece),
    };
  });
}

/** Renders the tables of one workload as text. */
export function renderWorkload(
  workload: WorkloadKind,
  cells: readonly CellSummary[],
  comparisons: readonly Comparison[],
  estimators: readonly EstimatorSummary[],
): string {
  const lines: string[] = [];
  const rows = cells.filter((cell) => cell.workload === workload);
  const seeds = rows[0]?.seeds ?? 0;
  lines.push(`== Workload "${workload}": mean over ${seeds} seeds, ± half-width of the 95% interval`);

  const header = ['load', 'policy', 'effective acc.', 'deadline met', 'served acc.', 'dropped', 'late', 'swaps', 'batch', 'utility'];
  const table: string[][] = [header];
  for (const cell of rows) {
    const m = cell.metrics;
    table.push([
      String(cell.load),
      cell.policy,
      withInterval(m.effectiveAccuracy, 3),
      withInterval(m.deadlineSatisfaction, 3),
      withInterval(m.servedAccuracy, 3),
      m.dropShare.mean.toFixed(3),
      m.lateShare.mean.toFixed(3),
      m.swaps.mean.toFixed(1),
      m.meanBatchSize.mean.toFixed(2),
      m.totalUtility.mean.toFixed(1),
    ]);
  }
  lines.push(...alignColumns(table));

  const relevant = comparisons.filter((comparison) => comparison.workload === workload);
  if (relevant.length > 0) {
    lines.push('', 'Effective accuracy minus profiled (paired by seed, 95% interval); oracle headroom = oracle minus profiled:');
    const comparisonTable: string[][] = [['load', 'policy', 'difference', '95% interval', 'oracle headroom', 'share captured']];
    for (const comparison of relevant) {
      comparisonTable.push([
        String(comparison.load),
        comparison.policy,
        signed(comparison.difference.mean),
        Number.isNaN(comparison.difference.low) ? 'n/a (1 seed)' : `[${signed(comparison.difference.low)}, ${signed(comparison.difference.high)}]`,
        comparison.oracleHeadroom === undefined ? 'n/a' : signed(comparison.oracleHeadroom),
        comparison.headroomShare === undefined ? 'n/a' : `${(comparison.headroomShare * 100).toFixed(0)}%`,
      ]);
    }
    lines.push(...alignColumns(comparisonTable));
  }

  const quality = estimators.filter((summary) => summary.workload === workload);
  if (quality.length > 0) {
    lines.push('', 'Estimator quality against realised correctness, every request and variant (mean over loads and seeds):');
    const qualityTable: string[][] = [['application', ...ESTIMATOR_KINDS.flatMap((kind) => [`${kind} Brier`, `${kind} ECE`])]];
    const applications = [...new Set(quality.map((summary) => summary.application))];
    for (const application of applications) {
      const row = [application === '*' ? 'all' : application];
      for (const kind of ESTIMATOR_KINDS) {
        const summary = quality.find((candidate) => candidate.application === application && candidate.estimator === kind);
        row.push(formatScore(summary?.brier), formatScore(summary?.ece));
      }
      qualityTable.push(row);
    }
    lines.push(...alignColumns(qualityTable));
  }
  return lines.join('\n');
}

/** Renders rows as CSV with a header; values containing commas or quotes are quoted. */
export function toCsv(rows: readonly Record<string, string | number | undefined>[]): string {
  const first = rows[0];
  if (first === undefined) return '';
  const columns = Object.keys(first);
  const escape = (value: string | number | undefined): string => {
    const text = value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[columns.join(','), ...rows.map((row) => columns.map((column) => escape(row[column])).join(','))].join('\n')}\n`;
}

/** Flattens a run record into CSV rows: one over all applications (`*`), then one per application. */
export function runRows(run: RunRecord): Record<string, string | number>[] {
  const rows = [runRow(run, '*', run.summary)];
  for (const [application, figures] of Object.entries(run.summary.byApplication)) rows.push(runRow(run, application, figures));
  return rows;
}

function runRow(run: RunRecord, application: string, figures: RunFigures): Record<string, string | number> {
  return {
    workload: run.workload,
    load: run.load,
    seed: run.seed,
    policy: run.policy,
    application,
    requests: figures.requests,
    onTime: figures.onTime,
    late: figures.late,
    dropped: figures.dropped,
    correct: figures.correct,
    correctOnTime: figures.correctOnTime,
    effectiveAccuracy: figures.effectiveAccuracy,
    deadlineSatisfaction: figures.deadlineSatisfaction,
    servedAccuracy: figures.servedAccuracy,
    meanBatchSize: figures.meanBatchSize,
    batches: figures.batches,
    swaps: figures.swaps,
    evictions: figures.evictions,
    totalUtility: figures.totalUtility,
    decisions: run.decisions,
    servedByVariant: Object.entries(figures.servedByVariant)
      .map(([variant, count]) => `${variant}:${count}`)
      .join(' '),
  };
}

/** Flattens a cell summary into one CSV row with mean, low and high of every metric. */
export function cellRow(cell: CellSummary): Record<string, string | number> {
  const row: Record<string, string | number> = { workload: cell.workload, load: cell.load, policy: cell.policy, seeds: cell.seeds };
  for (const name of METRIC_NAMES) {
    const interval = cell.metrics[name];
    row[`${name}Mean`] = interval.mean;
    row[`${name}Low`] = interval.low;
    row[`${name}High`] = interval.high;
  }
  return row;
}

/** Formats a Brier score or calibration error; 'n/a' where no request of the application ran. */
function formatScore(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(4);
}

function withInterval(interval: Interval, digits: number): string {
  if (Number.isNaN(interval.halfWidth)) return interval.mean.toFixed(digits);
  return `${interval.mean.toFixed(digits)} ±${interval.halfWidth.toFixed(digits)}`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row, rowIndex) => {
    const text = row.map((cell, index) => (index < 2 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
    return rowIndex === 0 ? `${text}\n${'-'.repeat(text.length)}` : text;
  });
}
