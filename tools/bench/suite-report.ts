/**
 * Figures of the benchmark suite: live figures from the page's rows, the comparison with the
 * simulator's prediction, and the tables, CSV, charts and Markdown report built from them.
 */

import type { RunSummary } from '../../src/core/simulator/run-metrics.js';
import type { Interval } from '../../src/core/simulator/statistics.js';
import type { PageEnvironment } from '../../src/bench/results.js';
import type { LiveRow } from '../../src/bench/suite-types.js';
import type { RuntimeStats } from '../../src/protocol/messages.js';
import { renderPlot, type PlotSeries } from '../sim/plot.js';
import type { MachineInfo } from './machine.js';
import { table, type TableStyle } from './runtime-report.js';
import type { SuiteOptions, SuiteScenario } from './suite-options.js';
import type { RequestCostFit } from './suite-plan.js';

/** The live counterpart of the simulator's run figures, plus what only a live run has. */
export interface LiveFigures {
  requests: number;
  completed: number;
  onTime: number;
  dropped: number;
  /** Drops by reason. */
  dropReasons: Record<string, number>;
  rejected: number;
  effectiveAccuracy: number;
  deadlineSatisfaction: number;
  servedAccuracy: number;
  /** Submission to outcome of completed requests, in milliseconds. */
  latencyP50: number;
  latencyP90: number;
  latencyP99: number;
  /** Completed requests per second, from the first submission to the last outcome. */
  throughput: number;
  swaps: number;
  batches: number;
  meanBatchSize: number;
  /** How late the page submitted requests against the plan, p99, in milliseconds. */
  submitLagP99: number;
  /** Submission to the scheduler worker's receipt, in milliseconds: the page's `submit()` and the message. */
  transitP50: number;
  transitP99: number;
  /** Receipt to joining the queue, in milliseconds: the SneakPeek step and its wait for the lane. */
  estimationP50: number;
  estimationP99: number;
}

/** Simulated figures of the same trace, for comparison. */
export interface SimulatedFigures {
  effectiveAccuracy: number;
  deadlineSatisfaction: number;
  servedAccuracy: number;
  swaps: number;
  meanBatchSize: number;
}

/** One policy on one scenario's trace on one provider. */
export interface SuiteRunRecord {
  provider: string;
  scenario: SuiteScenario;
  load: number | undefined;
  policy: string;
  startupMs: number;
  /** Share of the machine's CPU time the hypervisor stole during the run (Linux only). */
  cpuSteal?: number;
  live: LiveFigures;
  simulated: SimulatedFigures;
  /** Live minus simulated, in percentage points. */
  differencePoints: PointDifference;
  /**
   * The simulator charging the runtime's own cost per request that the calibration probe fitted
   * (`planAdmission`), and live minus that. Absent when the probe did not run.
   */
  simulatedWithRequestCost?: SimulatedFigures;
  differenceWithRequestCostPoints?: PointDifference;
}

/** The calibration probe on one provider and the runtime's cost per request fitted to it. */
export interface RequestCostRecord extends RequestCostFit {
  provider: string;
  /** Share of the machine's CPU time the hypervisor stole during the probe (Linux only). */
  cpuSteal?: number;
}

/** Live minus simulated effective accuracy and deadline satisfaction, in percentage points. */
export interface PointDifference {
  effectiveAccuracy: number;
  deadlineSatisfaction: number;
}

export function differencePoints(live: LiveFigures, simulated: SimulatedFigures): PointDifference {
  return {
    effectiveAccuracy: 100 * (live.effectiveAccuracy - simulated.effectiveAccuracy),
    deadlineSatisfaction: 100 * (live.deadlineSatisfaction - simulated.deadlineSatisfaction),
  };
}

/** Cold and warm start on one provider: navigation to the first completed outcome. */
export interface StartRecord {
  provider: string;
  coldMs: number;
  warmMs: number;
  /** `createRuntime()` alone. */
  coldStartupMs: number;
  warmStartupMs: number;
  /** Models downloaded on the cold start and read from IndexedDB on the warm one. */
  coldNetworkModels: number;
  warmCachedModels: number;
  warmStoredProfiles: number;
}

/** Runtime time over raw onnxruntime-web time for one batch of 8. */
export interface SuiteOverheadRecord {
  provider: string;
  variantId: string;
  batchSize: number;
  rawP50: number;
  runtimeP50: number;
  ratio: number;
}

export interface SuiteReport {
  benchmark: 'suite';
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  /** Share of the machine's CPU time the hypervisor stole over the whole command (Linux only). */
  cpuSteal?: number;
  browser: string;
  environment: PageEnvironment;
  ortVersion: string;
  options: SuiteOptions;
  /** Applications served together in every run. */
  applications: string[];
  starts: StartRecord[];
  overhead: SuiteOverheadRecord[];
  runs: SuiteRunRecord[];
  /** The runtime's own cost per request on each provider, from the calibration probe; empty without one. */
  requestCosts: RequestCostRecord[];
  /** The earlier run whose figures for the other providers `--keep` carried over, if any. */
  keptFrom?: string;
}

/** Computes a live run's figures from its rows and the runtime's counters before and after them. */
export function liveFigures(rows: readonly LiveRow[], before: RuntimeStats, stats: RuntimeStats): LiveFigures {
  const completed = rows.filter((row) => row.status === 'completed');
  const onTime = completed.filter((row) => row.deadlineMet);
  const latencies = completed.map((row) => row.settledMs - row.submittedMs);
  const start = Math.min(...rows.map((row) => row.submittedMs));
  const end = Math.max(...rows.map((row) => row.settledMs));
  const share = (count: number, total: number): number => (total === 0 ? 0 : count / total);
  const transit = rows.flatMap((row) => (row.receivedMs === undefined ? [] : [row.receivedMs - row.submittedMs]));
  const estimation = rows.flatMap((row) => (row.receivedMs === undefined || row.queuedMs === undefined ? [] : [row.queuedMs - row.receivedMs]));
  return {
    requests: rows.length,
    completed: completed.length,
    onTime: onTime.length,
    dropped: rows.filter((row) => row.status === 'dropped').length,
    dropReasons: rows.reduce<Record<string, number>>((counts, row) => {
      if (row.status === 'dropped') counts[String(row.reason)] = (counts[String(row.reason)] ?? 0) + 1;
      return counts;
    }, {}),
    rejected: rows.filter((row) => row.status === 'rejected').length,
    effectiveAccuracy: share(onTime.filter((row) => row.correct).length, rows.length),
    deadlineSatisfaction: share(onTime.length, rows.length),
    servedAccuracy: share(completed.filter((row) => row.correct).length, completed.length),
    latencyP50: nearestRank(latencies, 0.5),
    latencyP90: nearestRank(latencies, 0.9),
    latencyP99: nearestRank(latencies, 0.99),
    throughput: end > start ? completed.length / ((end - start) / 1000) : 0,
    swaps: stats.swaps - before.swaps,
    batches: stats.batches - before.batches,
    meanBatchSize: share(completed.reduce((sum, row) => sum + (row.batchSize ?? 1), 0), completed.length),
    submitLagP99: nearestRank(rows.map((row) => row.submitLagMs), 0.99),
    transitP50: nearestRank(transit, 0.5),
    transitP99: nearestRank(transit, 0.99),
    estimationP50: nearestRank(estimation, 0.5),
    estimationP99: nearestRank(estimation, 0.99),
  };
}

export function simulatedFigures(summary: RunSummary): SimulatedFigures {
  return {
    effectiveAccuracy: summary.effectiveAccuracy,
    deadlineSatisfaction: summary.deadlineSatisfaction,
    servedAccuracy: summary.servedAccuracy,
    swaps: summary.swaps,
    meanBatchSize: summary.meanBatchSize,
  };
}

/** Nearest-rank quantile; NaN for no samples. */
function nearestRank(samples: readonly number[], quantile: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))] as number;
}

// ---- summaries ------------------------------------------------------------------------------

/**
 * Largest and mean absolute live-minus-simulated difference, in points, over the runs that have
 * the difference `of` picks (by default the prediction that charges the runtime's cost).
 */
export function agreement(
  runs: readonly SuiteRunRecord[],
  of: (run: SuiteRunRecord) => PointDifference | undefined = (run) => run.differencePoints,
): { runs: number; maxPoints: number; meanPoints: number; within2: number } {
  const compared = runs.flatMap((run) => {
    const difference = of(run);
    return difference === undefined ? [] : [difference];
  });
  const differences = compared.flatMap((difference) => [Math.abs(difference.effectiveAccuracy), Math.abs(difference.deadlineSatisfaction)]);
  if (differences.length === 0) return { runs: 0, maxPoints: Number.NaN, meanPoints: Number.NaN, within2: 0 };
  return {
    runs: compared.length,
    maxPoints: Math.max(...differences),
    meanPoints: differences.reduce((sum, value) => sum + value, 0) / differences.length,
    within2: compared.filter((difference) => Math.abs(difference.effectiveAccuracy) <= 2 && Math.abs(difference.deadlineSatisfaction) <= 2).length,
  };
}

/** Policies ordered by mean live effective accuracy over the open-loop runs of one provider. */
export function ranking(runs: readonly SuiteRunRecord[], provider: string): { policy: string; meanEffectiveAccuracy: number; meanSimulated: number; runs: number }[] {
  const byPolicy = new Map<string, SuiteRunRecord[]>();
  for (const run of runs) {
    if (run.provider !== provider || run.scenario === 'single-stream') continue;
    byPolicy.set(run.policy, [...(byPolicy.get(run.policy) ?? []), run]);
  }
  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  return [...byPolicy.entries()]
    .map(([policy, own]) => ({
      policy,
      meanEffectiveAccuracy: mean(own.map((run) => run.live.effectiveAccuracy)),
      meanSimulated: mean(own.map((run) => run.simulated.effectiveAccuracy)),
      runs: own.length,
    }))
    .sort((left, right) => right.meanEffectiveAccuracy - left.meanEffectiveAccuracy);
}

// ---- text -----------------------------------------------------------------------------------

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const share = (value: number): string => fixed(value, 3);
const percent = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '-' : `${(100 * value).toFixed(0)}%`);
const points = (value: number): string => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)}` : '-');
/** Formats milliseconds with three significant digits at most, or "-" when there is no figure. */
function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Says what the provider ran on, naming a fallback adapter as such. */
export function providerLabel(provider: string, environment: PageEnvironment): string {
  if (provider !== 'webgpu') return 'WASM';
  const adapter = environment.adapter;
  if (adapter === undefined) return 'WebGPU (no adapter reported)';
  const name = `${adapter.vendor} ${adapter.architecture}`.trim();
  return adapter.isFallbackAdapter ? `WebGPU, adapter ${name}, a fallback adapter (software rendering, not GPU speed)` : `WebGPU, adapter ${name}`;
}

function scenarioTitle(scenario: SuiteScenario, load: number | undefined): string {
  const names: Record<SuiteScenario, string> = { 'single-stream': 'SingleStream', server: 'Server', burst: 'Bursts', mixed: 'Mixed, label shift' };
  return load === undefined ? names[scenario] : `${names[scenario]}, load ${load}`;
}

/** Legend of the per-run tables. */
const RUN_COLUMNS = [
  'Columns of the run tables: latency is in ms from submission to outcome. "sim" is the simulator on the same trace and the',
  'runtime\'s profile, and "diff" is live minus sim in points. "with cost" also charges the probe\'s cost per request ("-"',
  'without a probe). "transit" runs from submission to the scheduler worker\'s receipt, in ms.',
].join('\n');

/** Formats the report's tables as plain text for the terminal or as Markdown. */
export function formatSuite(report: SuiteReport, style: TableStyle): string {
  const sections: string[] = [RUN_COLUMNS];
  for (const provider of report.options.providers) {
    const label = providerLabel(provider, report.environment);
    const start = report.starts.find((record) => record.provider === provider);
    if (start !== undefined) {
      sections.push(
        `Start on ${label}, navigation to the first answer, ms:\n\n` +
          table(
            ['start', 'first answer', 'createRuntime', 'models', 'profiles'],
            [
              ['cold (empty IndexedDB)', ms(start.coldMs), ms(start.coldStartupMs), `${start.coldNetworkModels} downloaded`, 'measured'],
              ['warm (models and profiles stored)', ms(start.warmMs), ms(start.warmStartupMs), `${start.warmCachedModels} from IndexedDB`, `${start.warmStoredProfiles} stored`],
            ],
            style,
          ),
      );
    }
    const overhead = report.overhead.filter((record) => record.provider === provider);
    if (overhead.length > 0) {
      sections.push(
        `Runtime overhead on ${label}: one batch of 8 through the runtime against session.run() of the same batch on the page, median ms:\n\n` +
          table(
            ['variant', 'raw', 'runtime', 'ratio'],
            overhead.map((record) => [record.variantId, ms(record.rawP50), ms(record.runtimeP50), fixed(record.ratio, 2)]),
            style,
          ),
      );
    }
    const probe = (report.requestCosts ?? []).find((record) => record.provider === provider);
    if (probe !== undefined) {
      sections.push(
        `Calibration probe on ${label}: ${probe.requests} requests submitted at once with long deadlines, served by the fastest variants. The fitted cost per request makes the simulated probe last as long as the live one:\n\n` +
          table(
            ['requests', 'live, ms', 'simulated without cost, ms', 'simulated with cost, ms', 'cost per request, ms', 'CPU steal'],
            [[String(probe.requests), ms(probe.liveMs), ms(probe.simulatedWithoutCostMs), ms(probe.simulatedMs), fixed(probe.requestCostMs, 3), percent(probe.cpuSteal)]],
            style,
          ),
      );
    }
    const runs = report.runs.filter((run) => run.provider === provider);
    const keys = [...new Set(runs.map((run) => `${run.scenario}|${run.load ?? ''}`))];
    for (const key of keys) {
      const own = runs.filter((run) => `${run.scenario}|${run.load ?? ''}` === key);
      const first = own[0]!;
      sections.push(
        `${scenarioTitle(first.scenario, first.load)} on ${label}, ${first.live.requests} requests:\n\n` +
          table(
            ['policy', 'eff. acc.', 'sim', 'diff', 'with cost', 'deadlines met', 'sim', 'diff', 'with cost', 'served acc.', 'p50', 'p99', 'transit p50', 'transit p99', 'req/s', 'swaps', 'dropped', 'mean batch', 'CPU steal'],
            own.map((run) => [
              run.policy,
              share(run.live.effectiveAccuracy),
              share(run.simulated.effectiveAccuracy),
              points(run.differencePoints.effectiveAccuracy),
              share(run.simulatedWithRequestCost?.effectiveAccuracy ?? Number.NaN),
              share(run.live.deadlineSatisfaction),
              share(run.simulated.deadlineSatisfaction),
              points(run.differencePoints.deadlineSatisfaction),
              share(run.simulatedWithRequestCost?.deadlineSatisfaction ?? Number.NaN),
              share(run.live.servedAccuracy),
              ms(run.live.latencyP50),
              ms(run.live.latencyP99),
              ms(run.live.transitP50 ?? Number.NaN),
              ms(run.live.transitP99 ?? Number.NaN),
              fixed(run.live.throughput, 1),
              String(run.live.swaps),
              String(run.live.dropped),
              fixed(run.live.meanBatchSize, 1),
              percent(run.cpuSteal),
            ]),
            style,
          ),
      );
    }
    const ranked = ranking(report.runs, provider);
    if (ranked.length > 0) {
      sections.push(
        `Ranking on ${label}: mean effective accuracy over the open-loop runs (server, bursts, mixed):\n\n` +
          table(
            ['rank', 'policy', 'live', 'simulated', 'runs'],
            ranked.map((entry, index) => [String(index + 1), entry.policy, share(entry.meanEffectiveAccuracy), share(entry.meanSimulated), String(entry.runs)]),
            style,
          ),
      );
    }
    const agreed = agreement(runs);
    if (agreed.runs > 0) {
      const withCost = agreement(runs, (run) => run.differenceWithRequestCostPoints);
      const steal = runs.flatMap((run) => (run.cpuSteal === undefined ? [] : [run.cpuSteal]));
      sections.push(
        `Live against simulated on ${label}: over ${agreed.runs} runs, the largest difference in effective accuracy or deadline satisfaction is ${fixed(agreed.maxPoints, 1)} points and the mean ${fixed(agreed.meanPoints, 1)}; ${agreed.within2} of ${agreed.runs} runs are within 2 points on both.` +
          (withCost.runs > 0
            ? ` Charging the probe's cost per request: largest ${fixed(withCost.maxPoints, 1)} points, mean ${fixed(withCost.meanPoints, 1)}, ${withCost.within2} of ${withCost.runs} within 2 points.`
            : '') +
          (steal.length > 0 ? ` The hypervisor stole ${percent(Math.min(...steal))} to ${percent(Math.max(...steal))} of the CPU time during these runs.` : ''),
      );
    }
  }
  return sections.join('\n\n');
}

// ---- files ----------------------------------------------------------------------------------

export function runsCsv(report: SuiteReport): string {
  const header = [
    'provider', 'scenario', 'load', 'policy', 'requests', 'completed', 'on_time', 'dropped', 'rejected', 'effective_accuracy', 'sim_effective_accuracy',
    'diff_effective_accuracy_points', 'deadline_satisfaction', 'sim_deadline_satisfaction', 'diff_deadline_points', 'served_accuracy', 'sim_served_accuracy',
    'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms', 'throughput_per_s', 'swaps', 'sim_swaps', 'batches', 'mean_batch_size', 'sim_mean_batch_size',
    'submit_lag_p99_ms', 'startup_ms', 'sim_with_cost_effective_accuracy', 'sim_with_cost_deadline_satisfaction', 'transit_p50_ms', 'transit_p99_ms',
    'estimation_p50_ms', 'estimation_p99_ms', 'cpu_steal_share',
  ];
  const rows = report.runs.map((run) =>
    [
      run.provider, run.scenario, run.load ?? '', run.policy, run.live.requests, run.live.completed, run.live.onTime, run.live.dropped, run.live.rejected,
      run.live.effectiveAccuracy, run.simulated.effectiveAccuracy, run.differencePoints.effectiveAccuracy, run.live.deadlineSatisfaction,
      run.simulated.deadlineSatisfaction, run.differencePoints.deadlineSatisfaction, run.live.servedAccuracy, run.simulated.servedAccuracy,
      run.live.latencyP50, run.live.latencyP90, run.live.latencyP99, run.live.throughput, run.live.swaps, run.simulated.swaps, run.live.batches,
      run.live.meanBatchSize, run.simulated.meanBatchSize, run.live.submitLagP99, run.startupMs, run.simulatedWithRequestCost?.effectiveAccuracy ?? '',
      run.simulatedWithRequestCost?.deadlineSatisfaction ?? '', run.live.transitP50 ?? '', run.live.transitP99 ?? '', run.live.estimationP50 ?? '',
      run.live.estimationP99 ?? '', run.cpuSteal ?? '',
    ].join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

export function startsCsv(report: SuiteReport): string {
  const header = 'provider,cold_first_answer_ms,warm_first_answer_ms,cold_create_runtime_ms,warm_create_runtime_ms,cold_network_models,warm_cached_models,warm_stored_profiles';
  const rows = report.starts.map((start) =>
    [start.provider, start.coldMs, start.warmMs, start.coldStartupMs, start.warmStartupMs, start.coldNetworkModels, start.warmCachedModels, start.warmStoredProfiles].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/** Draws one SVG chart per figure of the server scenario against load, a panel per provider. */
export function suiteCharts(report: SuiteReport): Record<string, string> {
  const server = report.runs.filter((run) => run.scenario === 'server' && run.load !== undefined);
  if (new Set(server.map((run) => run.load)).size < 2) return {};
  const single = (value: number): Interval => ({ n: 1, mean: value, sd: 0, halfWidth: Number.NaN, low: value, high: value });
  const panels = (metric: (run: SuiteRunRecord) => number, withSimulated?: (run: SuiteRunRecord) => number) =>
    report.options.providers
      .filter((provider) => server.some((run) => run.provider === provider))
      .map((provider) => {
        const own = server.filter((run) => run.provider === provider);
        const series: PlotSeries[] = [];
        for (const policy of report.options.policies) {
          const runs = own.filter((run) => run.policy === policy).sort((left, right) => left.load! - right.load!);
          if (runs.length === 0) continue;
          series.push({ label: withSimulated === undefined ? policy : `${policy} live`, points: runs.map((run) => ({ load: run.load!, value: single(metric(run)) })) });
          if (withSimulated !== undefined) series.push({ label: `${policy} simulated`, points: runs.map((run) => ({ load: run.load!, value: single(withSimulated(run)) })) });
        }
        return { title: providerLabel(provider, report.environment).replace(/, a fallback adapter.*$/, ' (fallback adapter)'), series };
      });
  return {
    'effective-accuracy.svg': renderPlot({ title: 'Server scenario: effective accuracy against load', metric: 'effective accuracy', panels: panels((run) => run.live.effectiveAccuracy), bounds: [0, 1] }),
    'deadline-satisfaction.svg': renderPlot({ title: 'Server scenario: deadline satisfaction against load', metric: 'deadline satisfaction', panels: panels((run) => run.live.deadlineSatisfaction), bounds: [0, 1] }),
    'latency-p99.svg': renderPlot({ title: 'Server scenario: p99 latency against load', metric: 'p99 latency (ms)', panels: panels((run) => run.live.latencyP99) }),
    'live-vs-simulated.svg': renderPlot({
      title: 'Server scenario: live and simulated effective accuracy',
      metric: 'effective accuracy',
      panels: panels((run) => run.live.effectiveAccuracy, (run) => run.simulated.effectiveAccuracy),
      bounds: [0, 1],
    }),
  };
}

/** Writes the Markdown report: what was measured, on what, with which command, then every table. */
export function suiteMarkdown(report: SuiteReport, chartFolder: string | undefined): string {
  const machine = report.machine;
  const adapter = report.environment.adapter;
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`, which serves the production build on 127.0.0.1 and drives the live',
    'runtime in headless Chromium through Playwright. For each provider it measures cold and warm',
    'start, the runtime overhead against raw onnxruntime-web, and then replays the simulator\'s',
    'workloads (the same traces from the same seed) through a fresh runtime per policy. Every live',
    'run is also simulated on the same trace with the same policy and the device profile that',
    'run\'s runtime used, so the tables show how far the simulator\'s prediction is from the device.',
    '',
    '## Setup',
    '',
    ...(report.keptFrom === undefined ? [] : [`- The figures of the providers this command did not measure come from an earlier run, kept with \`--keep\`: ${report.keptFrom}.`]),
    `- Command: \`${report.command}\`, from commit \`${machine.commit.slice(0, 7)}\`${machine.uncommittedChanges ? ' with uncommitted changes' : ''}, ${report.startedAt} to ${report.finishedAt}.`,
    `- Machine: ${machine.cores}-core ${machine.cpuModel}, Node ${machine.node}; load average ${machine.loadAverage.map((value) => value.toFixed(2)).join(', ')} at the start${report.cpuSteal === undefined ? '' : `; the hypervisor stole ${percent(report.cpuSteal)} of the CPU time over the whole command`}.`,
    `- Browser: ${report.browser}, page cross-origin isolated: ${report.environment.crossOriginIsolated ? 'yes' : 'no'}; onnxruntime-web ${report.ortVersion}.`,
    adapter === undefined
      ? '- WebGPU adapter: none reported.'
      : `- WebGPU adapter: \`${`${adapter.vendor} ${adapter.architecture}`.trim()}\`${adapter.isFallbackAdapter ? ', a **fallback adapter**: software rendering on the CPU, so WebGPU timings here are not GPU speed' : ''}.`,
    `- Workloads: each open-loop run planned for ${report.options.seconds} s (at most ${report.options.maxRequests} requests per application), ${report.options.singleStream} requests in each single stream; applications ${report.applications.join(', ')} served together; deadlines uniform between ${report.options.deadlineRange.join(' and ')} times the device's reference latency; memory budget ${report.options.memoryBudgetBytes / 2 ** 20} MiB; seed ${report.options.seed}.`,
    '',
    '## Reading the tables',
    '',
    '- Effective accuracy is the share of requests answered correctly by their deadline; deadline',
    '  satisfaction the share answered by their deadline; served accuracy the share of answers that',
    '  were correct, on time or not. Latency runs from the page\'s `submit()` to the outcome.',
    '- Loads are relative to the device: load 1 keeps it busy all the time if every request runs on',
    '  its application\'s most accurate variant at that variant\'s best throughput, as the runtime',
    '  measured at start. The same load therefore means far fewer requests per second on a slow',
    '  provider.',
    '- Each live run starts with one untimed request per application, as a warm-up.',
    '- SingleStream submits each request when the previous one has its outcome; it is simulated',
    '  with the live submission times as arrivals.',
    '- The simulator draws batch times from the runtime\'s start-up profile; the "sim" columns',
    '  charge nothing else. The live runtime also spends CPU time of its own: the page\'s',
    '  `submit()`, the messages between threads, the checks, the decision and the outcome\'s way',
    '  back. Where a batch takes a millisecond or less, that work decides whether the runtime keeps',
    '  up, and the live figures fall below the simulated ones.',
    ...(report.requestCosts !== undefined && report.requestCosts.length > 0
      ? [
          `- Before the runs, a calibration probe submitted ${report.options.probeRequests} requests at once with long deadlines.`,
          '  The "with cost" columns charge the cost per request that makes the simulated probe last',
          '  as long as the live one, in one serial lane before the SneakPeek step. Because the probe\'s',
          '  requests all arrive at once, that cost is about the live probe\'s length divided by its',
          '  requests, and it includes work that live comes once per batch. Charged per request, it',
          '  makes the simulation collapse at loads the device still serves, to the same figure for',
          '  every policy: read these columns as a bound, not as a prediction that ranks policies.',
        ]
      : ['- No calibration probe ran (`--probe-requests 0`), so there is no "with cost" prediction.']),
    '- CPU steal is the share of the machine\'s CPU time the hypervisor gave to other guests during',
    '  a run (from `/proc/stat`). Other work inside the machine, which steal does not show, slows',
    '  the live runtime too; the load average at the start is in the setup above. The simulator',
    '  knows nothing of either, and the same command can give live figures tens of points apart',
    '  on a busy machine. The page\'s own lag in submitting requests against the plan is in',
    '  runs.csv (`submit_lag_p99_ms`).',
    '',
  ];
  if (chartFolder !== undefined) {
    lines.push('## Charts', '');
    for (const name of Object.keys(suiteCharts(report))) lines.push(`![${name.replace(/\.svg$/, '').replace(/-/g, ' ')}](${chartFolder}/${name})`, '');
  }
  lines.push('## Results', '', formatSuite(report, 'markdown'), '');
  return lines.join('\n');
}
