/**
 * Smoke test of `npm run bench:runtime --quick`: runs the command as a user would, on the
 * production build the other browser tests serve, and checks the shape of what it writes and that
 * its counts add up. It asserts no timing: the figures are the benchmark's to print.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { expect, test } from '@playwright/test';

import type { RuntimeBenchReport } from '../../tools/bench/runtime-report.js';
import { QUICK_DEFAULTS } from '../../tools/bench/runtime-options.js';

const root = resolve(import.meta.dirname, '../..');

test('bench:runtime --quick writes consistent figures', async () => {
  test.setTimeout(10 * 60 * 1000);
  const out = mkdtempSync(join(tmpdir(), 'bench-runtime-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench-runtime.ts', '--quick', '--skip-build', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 9 * 60 * 1000,
    });
    expect(result.status, `exit status; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
    expect(result.stdout).toContain('fallback adapter');

    const report = JSON.parse(readFileSync(join(out, 'bench-runtime.json'), 'utf8')) as RuntimeBenchReport;
    const providers = ['webgpu', 'wasm'];
    expect(report.benchmark).toBe('runtime');
    expect(report.environment.adapter?.isFallbackAdapter, 'SwiftShader is a fallback adapter').toBe(true);
    expect(report.ortVersion).toBe(report.environment.ortVersion);

    // Overhead: one variant, two batch sizes, per provider; every path timed as often as asked.
    expect(report.overhead.map((row) => `${row.provider}/${row.batchSize}`)).toEqual(['webgpu/1', 'webgpu/8', 'wasm/1', 'wasm/8']);
    for (const row of report.overhead) {
      for (const summary of [row.raw, row.workerCall, row.workerRun, row.runtime, row.runtimeArrivalToFinish, row.runtimeDelivery, row.runtimeSubmitSpread]) {
        expect(summary.samples, `samples of ${row.provider} batch ${row.batchSize}`).toBe(QUICK_DEFAULTS.batches);
      }
      expect(Number.isFinite(row.ratio), `ratio ${row.ratio} is finite`).toBe(true);
      expect(row.ratio).toBeGreaterThan(0);
      expect(row.targetMet === undefined, `target verdict only at batch 8 (batch ${row.batchSize})`).toBe(row.batchSize !== 8);
    }

    // Soak: every accepted request exactly one outcome, by the page's and the runtime's counts.
    expect(report.soak.map((soak) => soak.provider)).toEqual(providers);
    for (const soak of report.soak) {
      const counts = soak.counts;
      const dropped = Object.values(counts.dropped).reduce((sum, count) => sum + count, 0);
      expect(counts.submitted).toBe(QUICK_DEFAULTS.soakRequests);
      expect(counts.completed + dropped + counts.rejected).toBe(counts.submitted);
      expect(counts.duplicateOutcomes).toBe(0);
      expect(counts.unknownOutcomes).toBe(0);
      expect(counts.missingOutcomes).toBe(0);
      expect(soak.runtimeAccepted).toBe(counts.submitted - counts.rejected);
      expect(soak.everyRequestOneOutcome).toBe(true);
      expect(soak.response?.samples).toBe(counts.completed);

      const expectedCheckpoints = QUICK_DEFAULTS.soakRequests / QUICK_DEFAULTS.soakCheckpoint + 1;
      expect(soak.checkpoints.map((checkpoint) => checkpoint.submitted)).toEqual(
        Array.from({ length: expectedCheckpoints }, (_, index) => index * QUICK_DEFAULTS.soakCheckpoint),
      );
      for (const checkpoint of soak.checkpoints) {
        const threads = Object.keys(checkpoint.threads).sort();
        expect(threads.filter((thread) => thread === 'page' || thread === 'scheduler')).toEqual(['page', 'scheduler']);
        expect(threads.some((thread) => thread.startsWith('inference')), `inference worker among ${threads.join(', ')}`).toBe(true);
        for (const figures of Object.values(checkpoint.threads)) expect(figures.usedBytes).toBeGreaterThan(0);
        expect(checkpoint.resident.length).toBeGreaterThan(0);
        // Checkpoints wait until every accepted request has its outcome.
        expect(checkpoint.completed + checkpoint.dropped).toBe(checkpoint.accepted);
        expect(checkpoint.queued).toBe(0);
      }
    }

    // Swaps: one variant per provider, each reload timed as often as asked.
    expect(report.swap.map((row) => row.provider)).toEqual(providers);
    for (const row of report.swap) {
      expect(row.reload.samples).toBe(QUICK_DEFAULTS.swapRepetitions);
      expect(row.evictCall.samples).toBe(QUICK_DEFAULTS.swapRepetitions);
      expect(row.firstLoadMs).toBeGreaterThan(0);
    }

    // The CSV files hold a header and one line per row of the JSON.
    const lines = (name: string): number => readFileSync(join(out, name), 'utf8').trimEnd().split('\n').length;
    expect(lines('bench-runtime-overhead.csv')).toBe(1 + report.overhead.length);
    expect(lines('bench-runtime-swap.csv')).toBe(1 + report.swap.length);
    const threadRows = report.soak.flatMap((soak) => soak.checkpoints.flatMap((checkpoint) => Object.keys(checkpoint.threads))).length;
    expect(lines('bench-runtime-soak.csv')).toBe(1 + threadRows);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
