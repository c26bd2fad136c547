import { describe, expect, it } from 'vitest';

import type { LiveRow } from '../../src/bench/suite-types.js';
import { WARMUP_DEADLINE_MS } from '../../src/bench/suite-types.js';
import { PolicyName } from '../../src/core/baselines/catalog.js';
import { fitRequestCost, planProbe, predictRun, PROBE_DEADLINE_MS, WARMUP_LEAD_MS, warmupArrivals } from '../../tools/bench/suite-plan.js';
import { liveFigures } from '../../tools/bench/suite-report.js';
import { constantProfile, toyApplication } from '../core/sim-fixtures.js';
import type { RuntimeStats } from '../../src/protocol/messages.js';

const row = (id: string, submittedMs: number, extra: Partial<LiveRow>): LiveRow => ({
  id,
  application: 'spam',
  record: 0,
  submittedMs,
  submitLagMs: 0,
  status: 'completed',
  settledMs: submittedMs + 5,
  deadlineMet: true,
  correct: true,
  ...extra,
});

describe('liveFigures', () => {
  const stats = { swaps: 0, batches: 0 } as RuntimeStats;

  it('measures transit from submission to receipt and estimation from receipt to the queue', () => {
    const rows = [1, 2, 3, 4].map((transit, index) => row(`r${index}`, 10 * index, { receivedMs: 10 * index + transit, queuedMs: 10 * index + transit + 2 * transit }));
    const figures = liveFigures(rows, stats, stats);
    expect(figures.transitP50).toBe(2);
    expect(figures.transitP99).toBe(4);
    expect(figures.estimationP50).toBe(4);
    expect(figures.estimationP99).toBe(8);
  });

  it('reports no transit figure when the runtime reported no receipt times', () => {
    const figures = liveFigures([row('old', 0, {})], stats, stats);
    expect(figures.transitP50).toBeNaN();
    expect(figures.estimationP99).toBeNaN();
  });
});

describe('fitRequestCost', () => {
  const { application, costs } = toyApplication(constantProfile());
  const options = { memoryBudgetBytes: 10_000, seed: 1, probeRequests: 30 };
  const probe = planProbe(options, [application]);
  const finishedBy = (liveMs: number): LiveRow[] => probe.map((arrival) => row(arrival.id, 0, { settledMs: liveMs }));

  it('plans every probe request at time 0 with a deadline no run reaches', () => {
    expect(probe).toHaveLength(30);
    expect(probe.every((arrival) => arrival.arrival === 0 && arrival.relativeDeadlineMs === PROBE_DEADLINE_MS)).toBe(true);
  });

  it('fits no cost to a short probe', () => {
    const fit = fitRequestCost([application], costs, probe, finishedBy(1), options);
    expect(fit.requestCostMs).toBe(0);
    expect(fit.simulatedMs).toBe(fit.simulatedWithoutCostMs);
  });

  it('fits the probe length', () => {
    const fit = fitRequestCost([application], costs, probe, finishedBy(600), options);
    expect(fit.simulatedWithoutCostMs).toBeLessThan(600);
    expect(fit.requestCostMs).toBeGreaterThan(0);
    // The admission lane alone cannot exceed the live length, so the cost stays below 600 / 30.
    expect(fit.requestCostMs).toBeLessThanOrEqual(20);
    expect(fit.simulatedMs).toBeGreaterThanOrEqual(600);
    expect(fit.simulatedMs).toBeLessThan(600 + 1);
  });

  it('rejects a probe that lost requests', () => {
    const rows = finishedBy(600);
    rows[3] = { ...rows[3]!, status: 'dropped' };
    expect(() => fitRequestCost([application], costs, probe, rows, options)).toThrow('completed 29 of 30 requests');
  });
});

describe('warm-up in predictions', () => {
  const { application, costs } = toyApplication(constantProfile());
  const options = { memoryBudgetBytes: 10_000, seed: 1, probeRequests: 12 };
  const arrivals = planProbe(options, [application]).map((arrival, index) => ({ ...arrival, arrival: 5 * index }));

  it('puts one warm-up per application before the trace', () => {
    const warmup = warmupArrivals(arrivals);
    expect(warmup).toHaveLength(1);
    expect(warmup[0]).toMatchObject({ application: application.id, record: 0, arrival: -WARMUP_LEAD_MS, relativeDeadlineMs: WARMUP_DEADLINE_MS });
  });

  it('leaves the warm-up out of the predicted figures', () => {
    const summary = predictRun([application], costs, arrivals, PolicyName.SneakPeek, options);
    expect(summary.requests).toBe(arrivals.length);
  });
});
