/**
 * Smoke test of `npm run bench --smoke`: runs the suite as a user would, on the production build
 * the other browser tests serve, and checks the shape of what it writes and that its counts add
 * up. It asserts no timing and no accuracy: those are the benchmark's to print.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { expect, test } from '@playwright/test';

import { SMOKE_DEFAULTS } from '../../tools/bench/suite-options.js';
import type { SuiteReport } from '../../tools/bench/suite-report.js';

const root = resolve(import.meta.dirname, '../..');

test('bench --smoke writes consistent figures', async () => {
  test.setTimeout(10 * 60 * 1000);
  const out = mkdtempSync(join(tmpdir(), 'bench-suite-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/bench.ts', '--smoke', '--skip-build', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 9 * 60 * 1000,
    });
    expect(result.status, `exit status; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
    expect(result.stdout).toContain('Live against simulated on WASM');

    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SuiteReport;
    expect(report.benchmark).toBe('suite');
    expect(report.options.smoke).toBe(true);
    expect(report.options.docs, 'the smoke run writes no report into docs/').toBeUndefined();
    expect(report.ortVersion).toBe(report.environment.ortVersion);

    // One run per policy for each trace: single stream, one server load, bursts, mixed.
    const traces = 1 + SMOKE_DEFAULTS.serverLoads.length + 2;
    expect(report.runs).toHaveLength(SMOKE_DEFAULTS.providers.length * SMOKE_DEFAULTS.policies.length * traces);
    const applications = report.applications.length;
    for (const run of report.runs) {
      const label = `${run.provider} ${run.scenario} ${run.policy}`;
      if (run.scenario === 'single-stream') {
        expect(run.live.requests, label).toBe(SMOKE_DEFAULTS.singleStream);
      } else {
        // Every application arrives at the same rate, so each has the same count, within the cap.
        expect(run.live.requests % applications, label).toBe(0);
        expect(run.live.requests, label).toBeGreaterThanOrEqual(applications);
        expect(run.live.requests, label).toBeLessThanOrEqual(SMOKE_DEFAULTS.maxRequests * applications);
      }
      expect(run.live.completed + run.live.dropped + run.live.rejected, label).toBe(run.live.requests);
      expect(Object.values(run.live.dropReasons).reduce((sum, count) => sum + count, 0), label).toBe(run.live.dropped);
      expect(run.live.onTime, label).toBeLessThanOrEqual(run.live.completed);
      for (const figures of [run.live, run.simulated]) {
        for (const value of [figures.effectiveAccuracy, figures.deadlineSatisfaction]) {
          expect(value, label).toBeGreaterThanOrEqual(0);
          expect(value, label).toBeLessThanOrEqual(1);
        }
        expect(figures.effectiveAccuracy, label).toBeLessThanOrEqual(figures.deadlineSatisfaction);
      }
      expect(run.differencePoints.effectiveAccuracy, label).toBeCloseTo(100 * (run.live.effectiveAccuracy - run.simulated.effectiveAccuracy), 6);
      expect(run.differenceWithRequestCostPoints!.deadlineSatisfaction, label).toBeCloseTo(100 * (run.live.deadlineSatisfaction - run.simulatedWithRequestCost!.deadlineSatisfaction), 6);
      // Submission happens on the page before the worker receives it; the epoch clocks of two
      // threads may differ by a fraction of a millisecond.
      expect(run.live.transitP50, label).toBeGreaterThan(-1);
      expect(run.live.estimationP50, label).toBeGreaterThanOrEqual(0);
    }

    // The probe ran once per provider, lost nothing, and its fitted cost reproduces its length.
    expect(report.requestCosts.map((record) => record.provider)).toEqual([...SMOKE_DEFAULTS.providers]);
    for (const probe of report.requestCosts) {
      expect(probe.requests).toBe(SMOKE_DEFAULTS.probeRequests);
      expect(probe.requestCostMs).toBeGreaterThanOrEqual(0);
      if (probe.requestCostMs > 0) expect(probe.simulatedMs).toBeGreaterThanOrEqual(probe.liveMs);
    }

    // Cold start downloads every model; warm start reads them and their profiles from IndexedDB.
    expect(report.starts.map((start) => start.provider)).toEqual([...SMOKE_DEFAULTS.providers]);
    for (const start of report.starts) {
      expect(start.coldNetworkModels).toBeGreaterThan(0);
      expect(start.warmCachedModels).toBe(start.coldNetworkModels);
      expect(start.warmStoredProfiles).toBe(start.coldNetworkModels);
    }
    expect(report.overhead).toHaveLength(SMOKE_DEFAULTS.providers.length * applications);
    for (const record of report.overhead) {
      expect(Number.isFinite(record.ratio), `${record.variantId} ratio ${record.ratio}`).toBe(true);
      expect(record.ratio).toBeGreaterThan(0);
    }

    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(report.runs.length + 1);
    expect(existsSync(join(out, 'starts.csv'))).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
