/**
 * Statistics, tables and CSV of `npm run bench:runtime`, computed from what the benchmark page
 * measured (`RuntimeBenchMeasurements`). Percentiles are nearest-rank.
 */

import type { OverheadResult, SoakCheckpoint, SoakResult, SwapResult } from '../../src/bench/results.js';
import type { MachineInfo } from './machine.js';
import type { RuntimeBenchMeasurements } from './runtime-driver.js';
import { OVERHEAD_TARGET, type RuntimeBenchOptions } from './runtime-options.js';

/** Order statistics of timing samples, in milliseconds. */
export interface Summary {
  samples: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('No samples to summarise; run at least one batch or repetition.');
  const sorted = [...values].sort((left, right) => left - right);
  return { samples: sorted.length, median: nearestRank(sorted, 0.5), p90: nearestRank(sorted, 0.9), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function nearestRank(sorted: readonly number[], quantile: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))]!;
}

// ---- overhead -------------------------------------------------------------------------------

export interface OverheadRow {
  provider: string;
  variantId: string;
  application: string;
  batchSize: number;
  raw: Summary;
  workerCall: Summary;
  workerRun: Summary;
  runtime: Summary;
  runtimeArrivalToFinish: Summary;
  runtimeDelivery: Summary;
  runtimeSubmitSpread: Summary;
  /** Median from the runtime's start-up profile, measured in the scheduler worker; undefined if not profiled at this size. */
  startupSneakPeekMs: number | undefined;
  startupInferenceCallMs: number | undefined;
  /** Runtime median divided by raw median. */
  ratio: number;
  /** Runtime p90 divided by raw p90. */
  ratioP90: number;
  /** Bare-worker call median divided by raw median. */
  workerRatio: number;
  /** At the target's batch size: whether `ratio` is within the target; undefined at other sizes. */
  targetMet: boolean | undefined;
}

export function overheadRows(results: readonly OverheadResult[]): OverheadRow[] {
  return results.flatMap((result) =>
    result.samples.map((samples) => {
      const raw = summarize(samples.rawMs);
      const runtime = summarize(samples.runtimeMs);
      const workerCall = summarize(samples.workerRoundTripMs);
      const ratio = runtime.median / raw.median;
      return {
        provider: result.provider,
        variantId: result.variantId,
        application: result.application,
        batchSize: samples.batchSize,
        raw,
        workerCall,
        workerRun: summarize(samples.workerRunMs),
        runtime,
        runtimeArrivalToFinish: summarize(samples.runtimeArrivalToFinishMs),
        runtimeDelivery: summarize(samples.runtimeDeliveryMs),
        runtimeSubmitSpread: summarize(samples.runtimeSubmitSpreadMs),
        startupSneakPeekMs: result.startupSneakPeekMs[String(samples.batchSize)],
        startupInferenceCallMs: result.startupInferenceCallMs[String(samples.batchSize)],
        ratio,
        ratioP90: runtime.p90 / raw.p90,
        workerRatio: workerCall.median / raw.median,
        targetMet: samples.batchSize === OVERHEAD_TARGET.batchSize ? ratio <= OVERHEAD_TARGET.ratio : undefined,
      };
    }),
  );
}

// ---- soak -----------------------------------------------------------------------------------

export interface SoakSummary {
  provider: string;
  providerNote: string;
  requests: number;
  ratePerSecond: number;
  achievedRatePerSecond: number;
  deadlineMs: Record<string, number>;
  counts: SoakResult['counts'];
  /** Accepted requests (submitted minus rejected) as the runtime counted them at the end. */
  runtimeAccepted: number;
  /** Whether every accepted request got exactly one outcome, by the page's and the runtime's counts. */
  everyRequestOneOutcome: boolean;
  response: Summary | undefined;
  swaps: number;
  evictions: number;
  checkpoints: SoakCheckpointRow[];
  /**
   * Per thread, used JS heap at the last checkpoint minus at the second one (after the first
   * window of requests, once code paths are warm), in bytes.
   */
  heapGrowthAfterWarmupBytes: Record<string, number>;
}

export interface SoakCheckpointRow {
  submitted: number;
  elapsedSeconds: number;
  /** Thread name mapped to its figures, in bytes. */
  threads: Record<string, { usedBytes: number; totalBytes: number; backingStorageBytes: number; memoryBytes: number | undefined }>;
  resident: string[];
  residentBytes: number;
  accepted: number;
  completed: number;
  dropped: number;
  queued: number;
}

export function soakSummaries(results: readonly SoakResult[]): SoakSummary[] {
  return results.map((result) => {
    const checkpoints = result.checkpoints.map(checkpointRow);
    const last = result.checkpoints[result.checkpoints.length - 1];
    const counts = result.counts;
    const droppedTotal = Object.values(counts.dropped).reduce((sum, count) => sum + count, 0);
    const accepted = counts.submitted - counts.rejected;
    const runtimeAccepted = last?.stats.accepted ?? 0;
    return {
      provider: result.provider,
      providerNote: result.providerNote,
      requests: result.requests,
      ratePerSecond: result.ratePerSecond,
      achievedRatePerSecond: result.achievedRatePerSecond,
      deadlineMs: result.deadlineMs,
      counts,
      runtimeAccepted,
      everyRequestOneOutcome:
        counts.completed + droppedTotal === accepted &&
        runtimeAccepted === accepted &&
        counts.duplicateOutcomes === 0 &&
        counts.unknownOutcomes === 0 &&
        counts.missingOutcomes === 0,
      response: result.responseMs.length === 0 ? undefined : summarize(result.responseMs),
      swaps: last?.stats.swaps ?? 0,
      evictions: last?.stats.evictions ?? 0,
      checkpoints,
      heapGrowthAfterWarmupBytes: heapGrowth(checkpoints),
    };
  });
}

function checkpointRow(checkpoint: SoakCheckpoint): SoakCheckpointRow {
  const threads: SoakCheckpointRow['threads'] = {};
  for (const heap of checkpoint.heap) {
    threads[heap.thread] = {
      usedBytes: heap.usedBytes,
      totalBytes: heap.totalBytes,
      backingStorageBytes: heap.backingStorageBytes,
      memoryBytes: checkpoint.memoryBytes[heap.thread],
    };
  }
  const stats = checkpoint.stats;
  return {
    submitted: checkpoint.submitted,
    elapsedSeconds: checkpoint.elapsedSeconds,
    threads,
    resident: stats.resident,
    residentBytes: stats.residentBytes,
    accepted: stats.accepted,
    completed: stats.completed,
    dropped: Object.values(stats.dropped).reduce((sum, count) => sum + count, 0),
    queued: stats.queued,
  };
}

function heapGrowth(checkpoints: readonly SoakCheckpointRow[]): Record<string, number> {
  const warm = checkpoints[Math.min(1, checkpoints.length - 1)];
  const last = checkpoints[checkpoints.length - 1];
  if (warm === undefined || last === undefined) return {};
  const growth: Record<string, number> = {};
  for (const [thread, figures] of Object.entries(last.threads)) {
    const before = warm.threads[thread];
    if (before !== undefined) growth[thread] = figures.usedBytes - before.usedBytes;
  }
  return growth;
}

// ---- swaps ----------------------------------------------------------------------------------

export interface SwapRow {
  provider: string;
  providerNote: string;
  variantId: string;
  application: string;
  firstLoadMs: number;
  firstLoadCallMs: number;
  evictCall: Summary;
  reload: Summary;
  reloadCall: Summary;
  /** The scheduler's own load figure from the soak's runtime start-up on the same provider, if the soak ran and served the variant. */
  schedulerStartupLoadMs: number | undefined;
}

export function swapRows(results: readonly SwapResult[], soaks: readonly SoakResult[]): SwapRow[] {
  return results.flatMap((result) =>
    result.variants.map((variant) => ({
      provider: result.provider,
      providerNote: result.providerNote,
      variantId: variant.variantId,
      application: variant.application,
      firstLoadMs: variant.firstLoadMs,
      firstLoadCallMs: variant.firstLoadCallMs,
      evictCall: summarize(variant.evictCallMs),
      reload: summarize(variant.reloadMs),
      reloadCall: summarize(variant.reloadCallMs),
      schedulerStartupLoadMs: soaks.find((soak) => soak.provider === result.provider)?.startupLoadMs[variant.variantId],
    })),
  );
}

// ---- the whole report -----------------------------------------------------------------------

export interface RuntimeBenchReport {
  benchmark: 'runtime';
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo & { os: string; loadAverageAtEnd: [number, number, number] };
  browser: string;
  /** onnxruntime-web version of the installed package. */
  ortVersion: string;
  environment: RuntimeBenchMeasurements['environment'];
  options: RuntimeBenchOptions;
  target: typeof OVERHEAD_TARGET;
  overhead: OverheadRow[];
  soak: SoakSummary[];
  swap: SwapRow[];
  /** Every sample the page returned, for other analyses. */
  measurements: RuntimeBenchMeasurements;
}

// ---- printing -------------------------------------------------------------------------------

/** Formats milliseconds with two decimals below 10 and one above; `-` when missing. */
function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

const mib = (bytes: number | undefined): string => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(2));

/** `text` for the terminal, `markdown` for pipe tables that docs can include as they are. */
export type TableStyle = 'text' | 'markdown';

/** Renders rows as a table with the first column left-aligned and the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], style: TableStyle = 'text'): string {
  if (style === 'markdown') {
    const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
    return [line(header), `|${header.map((_, column) => (column === 0 ? '---' : '---:')).join('|')}|`, ...rows.map(line)].join('\n');
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Labels a provider with its adapter, so no WebGPU figure is read as GPU speed. */
export function providerLabel(provider: string, report: RuntimeBenchReport): string {
  return provider === 'webgpu' ? `WebGPU, adapter ${describeAdapter(report)}` : 'WASM';
}

/** Renders the whole report: the machine, then one table per scenario and provider. */
export function formatReport(report: RuntimeBenchReport, style: TableStyle = 'text'): string {
  // Markdown needs a blank line between a paragraph and a table; the terminal reads better without.
  const section = (blocks: readonly string[]): string => blocks.join(style === 'markdown' ? '\n\n' : '\n');
  const sections: string[] = [];
  const machine = report.machine;
  const facts = [
    `Machine: ${machine.cores}-core ${machine.cpuModel}, ${machine.os}, Node ${machine.node}`,
    `Browser: ${report.browser}, onnxruntime-web ${report.ortVersion}, page ${report.environment.crossOriginIsolated ? '' : 'not '}cross-origin isolated`,
    `WebGPU adapter: ${describeAdapter(report)}`,
    `Load average (1, 5, 15 min): ${machine.loadAverage.map((value) => value.toFixed(2)).join(', ')} at start, ${machine.loadAverageAtEnd.map((value) => value.toFixed(2)).join(', ')} at end`,
    `Commit ${machine.commit}${machine.uncommittedChanges ? ' with uncommitted changes' : ''}`,
  ];
  sections.push(section([`Runtime benchmark, ${report.startedAt}`, style === 'markdown' ? facts.map((fact) => `- ${fact}`).join('\n') : facts.join('\n')]));

  for (const provider of new Set(report.overhead.map((row) => row.provider))) {
    const rows = report.overhead.filter((row) => row.provider === provider);
    sections.push(
      section([
        `Overhead on ${providerLabel(provider, report)}, ms per batch (${report.options.batches} batches each; ratio = runtime / raw; target at batch ${OVERHEAD_TARGET.batchSize}: <= ${OVERHEAD_TARGET.ratio})`,
        table(
          ['variant', 'b', 'raw p50', 'raw p90', 'worker call', 'worker run', 'runtime p50', 'runtime p90', 'submit spread', 'arrival-finish', 'delivery', 'SneakPeek*', 'ratio p50', 'ratio p90', 'target'],
          rows.map((row) => [
            row.variantId,
            String(row.batchSize),
            ms(row.raw.median),
            ms(row.raw.p90),
            ms(row.workerCall.median),
            ms(row.workerRun.median),
            ms(row.runtime.median),
            ms(row.runtime.p90),
            ms(row.runtimeSubmitSpread.median),
            ms(row.runtimeArrivalToFinish.median),
            ms(row.runtimeDelivery.median),
            ms(row.startupSneakPeekMs),
            row.ratio.toFixed(2),
            row.ratioP90.toFixed(2),
            verdict(row.targetMet),
          ]),
          style,
        ),
        "* SneakPeek: median of the runtime's start-up profile at that batch size, in the scheduler worker.",
      ]),
    );
  }

  for (const soak of report.soak) {
    const threads = [...new Set(soak.checkpoints.flatMap((checkpoint) => Object.keys(checkpoint.threads)))].sort();
    const counts = soak.counts;
    const dropped = Object.entries(counts.dropped).map(([reason, count]) => `${count} ${reason}`).join(', ') || 'none dropped';
    const growth = Object.entries(soak.heapGrowthAfterWarmupBytes).map(([thread, bytes]) => `${thread} ${(bytes / 1024).toFixed(0)} KiB`);
    sections.push(
      section([
        `Soak on ${providerLabel(soak.provider, report)}: ${soak.requests} requests at ${soak.ratePerSecond}/s (achieved ${soak.achievedRatePerSecond.toFixed(1)}/s). ` +
          'Per thread, MiB: "heap" is the JS heap in use after garbage collection, "all" is measureUserAgentSpecificMemory, WASM memory included.',
        table(
          ['submitted', 'seconds', ...threads.map((thread) => `${thread} heap`), ...threads.map((thread) => `${thread} all`), 'resident', 'resident MiB', 'completed', 'dropped'],
          soak.checkpoints.map((checkpoint) => [
            String(checkpoint.submitted),
            checkpoint.elapsedSeconds.toFixed(1),
            ...threads.map((thread) => mib(checkpoint.threads[thread]?.usedBytes)),
            ...threads.map((thread) => mib(checkpoint.threads[thread]?.memoryBytes)),
            String(checkpoint.resident.length),
            mib(checkpoint.residentBytes),
            String(checkpoint.completed),
            String(checkpoint.dropped),
          ]),
          style,
        ),
        `Outcomes: ${counts.submitted} submitted, ${counts.rejected} rejected, ${counts.completed} completed (${counts.deadlineMet} by their deadline), ${dropped}; ` +
          `${counts.duplicateOutcomes} duplicate, ${counts.unknownOutcomes} unknown, ${counts.missingOutcomes} missing. Every accepted request one outcome: ${soak.everyRequestOneOutcome ? 'yes' : 'NO'}.`,
        `Response time (arrival to finish) of completed requests: p50 ${ms(soak.response?.median)} ms, p90 ${ms(soak.response?.p90)} ms, max ${ms(soak.response?.max)} ms; ${soak.swaps} swaps, ${soak.evictions} evictions.`,
        `JS heap growth from the second checkpoint to the last: ${growth.join(', ')}.`,
      ]),
    );
  }

  for (const provider of new Set(report.swap.map((row) => row.provider))) {
    const rows = report.swap.filter((row) => row.provider === provider);
    sections.push(
      section([
        `Swap cost on ${providerLabel(provider, report)}, ms (${report.options.swapRepetitions} evict-and-reload cycles per variant; "call" is as the caller sees it)`,
        table(
          ['variant', 'first load', 'first load call', 'evict call p50', 'reload p50', 'reload p90', 'reload call p50', 'scheduler start-up load'],
          rows.map((row) => [
            row.variantId,
            ms(row.firstLoadMs),
            ms(row.firstLoadCallMs),
            ms(row.evictCall.median),
            ms(row.reload.median),
            ms(row.reload.p90),
            ms(row.reloadCall.median),
            ms(row.schedulerStartupLoadMs),
          ]),
          style,
        ),
      ]),
    );
  }
  return sections.join('\n\n');
}

function verdict(targetMet: boolean | undefined): string {
  if (targetMet === undefined) return '';
  return targetMet ? 'met' : 'not met';
}

function describeAdapter(report: RuntimeBenchReport): string {
  const adapter = report.environment.adapter;
  if (adapter === undefined) return 'none (navigator.gpu.requestAdapter() returned no adapter)';
  return `${adapter.vendor} ${adapter.architecture}${adapter.isFallbackAdapter ? ', a fallback adapter (software rendering, not GPU speed)' : ''}`;
}

// ---- CSV ------------------------------------------------------------------------------------

export function overheadCsv(rows: readonly OverheadRow[]): string {
  const header = [
    'provider', 'variant', 'application', 'batch_size', 'batches',
    'raw_p50_ms', 'raw_p90_ms', 'worker_call_p50_ms', 'worker_run_p50_ms',
    'runtime_p50_ms', 'runtime_p90_ms', 'submit_spread_p50_ms', 'arrival_to_finish_p50_ms', 'delivery_p50_ms',
    'startup_sneakpeek_ms', 'startup_inference_call_ms', 'ratio_p50', 'ratio_p90', 'worker_ratio', 'target_met',
  ];
  const lines = rows.map((row) =>
    [
      row.provider, row.variantId, row.application, row.batchSize, row.raw.samples,
      row.raw.median, row.raw.p90, row.workerCall.median, row.workerRun.median,
      row.runtime.median, row.runtime.p90, row.runtimeSubmitSpread.median, row.runtimeArrivalToFinish.median, row.runtimeDelivery.median,
      row.startupSneakPeekMs ?? '', row.startupInferenceCallMs ?? '', row.ratio, row.ratioP90, row.workerRatio, row.targetMet ?? '',
    ].map(csvCell).join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function soakCsv(summaries: readonly SoakSummary[]): string {
  const header = ['provider', 'submitted', 'elapsed_s', 'thread', 'heap_used_bytes', 'heap_total_bytes', 'backing_storage_bytes', 'memory_bytes', 'resident', 'resident_bytes', 'accepted', 'completed', 'dropped'];
  const lines = summaries.flatMap((soak) =>
    soak.checkpoints.flatMap((checkpoint) =>
      Object.entries(checkpoint.threads).map(([thread, figures]) =>
        [
          soak.provider, checkpoint.submitted, checkpoint.elapsedSeconds, thread, figures.usedBytes, figures.totalBytes, figures.backingStorageBytes,
          figures.memoryBytes ?? '', checkpoint.resident.join(' '), checkpoint.residentBytes, checkpoint.accepted, checkpoint.completed, checkpoint.dropped,
        ].map(csvCell).join(','),
      ),
    ),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function swapCsv(rows: readonly SwapRow[]): string {
  const header = ['provider', 'variant', 'application', 'first_load_ms', 'first_load_call_ms', 'evict_call_p50_ms', 'reload_p50_ms', 'reload_p90_ms', 'reload_call_p50_ms', 'repetitions', 'scheduler_startup_load_ms'];
  const lines = rows.map((row) =>
    [
      row.provider, row.variantId, row.application, row.firstLoadMs, row.firstLoadCallMs, row.evictCall.median, row.reload.median, row.reload.p90,
      row.reloadCall.median, row.reload.samples, row.schedulerStartupLoadMs ?? '',
    ].map(csvCell).join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

function csvCell(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
