import { describe, expect, it } from 'vitest';

import { CalibrationAccumulator, scoreEstimates } from '../../src/core/estimation/calibration';
import { EstimatorSet } from '../../src/core/estimation/estimator-set';
import { buildJointTable, confidenceBin, jointEstimate, resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator';
import { PriorTracker, estimateLabelMix, resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker';
import { posteriorAccuracy, softmax } from '../../src/core/estimators';
import type { RecordedSplit } from '../../src/core/manifest';
import { createRandom, type Random } from '../../src/core/random';

/**
 * A synthetic classifier over 3 classes: it observes a noisy symbol x drawn from
 * `LIKELIHOOD[c]`, and reports the exact Bayes posterior under the validation mix, so it is
 * calibrated under that mix by construction.
 */
const LIKELIHOOD = [
  [0.7, 0.2, 0.1],
  [0.15, 0.7, 0.15],
  [0.1, 0.2, 0.7],
];
const VALIDATION_MIX = [1 / 3, 1 / 3, 1 / 3];

function bayesPosterior(symbol: number, prior: readonly number[]): number[] {
  const joint = prior.map((share, label) => share * (LIKELIHOOD[label]?.[symbol] ?? 0));
  const total = joint.reduce((sum, value) => sum + value, 0);
  return joint.map((value) => value / total);
}

function drawPosteriors(mix: readonly number[], count: number, random: Random): number[][] {
  return Array.from({ length: count }, () => {
    const label = random.categorical(mix);
    const symbol = random.categorical(LIKELIHOOD[label] ?? []);
    return bayesPosterior(symbol, VALIDATION_MIX);
  });
}

describe('estimateLabelMix', () => {
  it('recovers a shifted mix from calibrated posteriors', () => {
    const shifted = [0.6, 0.3, 0.1];
    const posteriors = drawPosteriors(shifted, 20_000, createRandom(3));
    const estimate = estimateLabelMix(posteriors, VALIDATION_MIX, resolvePriorTrackerOptions({ floor: 0 }));

    expect(estimate.converged).toBe(true);
    // With 20,000 draws the maximum-likelihood mix is within about 0.01 of the truth per class.
    for (const [label, share] of shifted.entries()) expect(estimate.mix[label]).toBeCloseTo(share, 1);
  });

  it('stays at the validation mix when nothing shifted', () => {
    const posteriors = drawPosteriors(VALIDATION_MIX, 20_000, createRandom(4));
    const estimate = estimateLabelMix(posteriors, VALIDATION_MIX, resolvePriorTrackerOptions({ floor: 0 }));
    for (const share of estimate.mix) expect(share).toBeCloseTo(1 / 3, 1);
  });

  it('is closer to the truth than the mean posterior', () => {
    // The mean of uncorrected posteriors is pulled toward the validation mix; EM removes that pull.
    const shifted = [0.8, 0.1, 0.1];
    const posteriors = drawPosteriors(shifted, 10_000, createRandom(5));
    const meanPosterior = [0, 1, 2].map((label) => posteriors.reduce((sum, posterior) => sum + (posterior[label] ?? 0), 0) / posteriors.length);
    const estimate = estimateLabelMix(posteriors, VALIDATION_MIX, resolvePriorTrackerOptions({ floor: 0 }));

    expect(Math.abs((estimate.mix[0] ?? 0) - 0.8)).toBeLessThan(Math.abs((meanPosterior[0] ?? 0) - 0.8));
  });

  it('pulls toward the reference with a prior strength', () => {
    const shifted = [0.8, 0.1, 0.1];
    const posteriors = drawPosteriors(shifted, 1000, createRandom(8));
    const free = estimateLabelMix(posteriors, VALIDATION_MIX, resolvePriorTrackerOptions({ floor: 0, priorStrength: 0 }));
    const held = estimateLabelMix(posteriors, VALIDATION_MIX, resolvePriorTrackerOptions({ floor: 0, priorStrength: 1000 }));

    expect(held.mix[0]).toBeLessThan(free.mix[0] ?? 0);
    expect(held.mix[0]).toBeGreaterThan(1 / 3);
  });

  it('rejects an empty window', () => {
    expect(() => estimateLabelMix([], VALIDATION_MIX)).toThrow('received no posteriors');
  });
});

describe('PriorTracker', () => {
  it('follows a shift within one window', () => {
    const options = resolvePriorTrackerOptions({ windowSize: 2000, refreshEvery: 100, minimumWindow: 100, priorStrength: 0 });
    const tracker = new PriorTracker(VALIDATION_MIX, options);
    const random = createRandom(6);
    for (const posterior of drawPosteriors(VALIDATION_MIX, 2000, random)) tracker.observe(posterior);
    expect(tracker.mix()[2]).toBeCloseTo(1 / 3, 1);

    for (const posterior of drawPosteriors([0.1, 0.1, 0.8], 2000, random)) tracker.observe(posterior);
    expect(tracker.mix()[2]).toBeCloseTo(0.8, 1);
  });

  it('keeps the validation mix until the window fills', () => {
    const tracker = new PriorTracker(VALIDATION_MIX, resolvePriorTrackerOptions({ minimumWindow: 50, refreshEvery: 1 }));
    for (let index = 0; index < 49; index += 1) tracker.observe([1, 0, 0]);
    expect(tracker.mix()).toEqual(VALIDATION_MIX);
  });

  it('re-weights a posterior toward the tracked mix', () => {
    const tracker = new PriorTracker(VALIDATION_MIX, resolvePriorTrackerOptions({ minimumWindow: 50, refreshEvery: 50, windowSize: 500, priorStrength: 0 }));
    for (const posterior of drawPosteriors([0.8, 0.1, 0.1], 500, createRandom(7))) tracker.observe(posterior);
    const adjusted = tracker.adjust([1 / 3, 1 / 3, 1 / 3]);
    expect(adjusted[0]).toBeGreaterThan(0.6);
  });

  it('rejects a minimum window above the window size', () => {
    expect(() => resolvePriorTrackerOptions({ windowSize: 10, minimumWindow: 20 })).toThrow('minimumWindow');
  });
});

describe('joint estimator', () => {
  // 2 classes, 2 bins. g predicts class 0 with confidence 0.88 on every record (logits [2, 0]).
  // The variant is right on 30 of 40 records.
  const validation: RecordedSplit = {
    labels: Array.from({ length: 40 }, () => 0),
    predictions: { variant: Array.from({ length: 40 }, (_, record) => (record < 30 ? 0 : 1)) },
    sneakpeekLogits: Array.from({ length: 40 }, () => [2, 0]),
  };
  const recall = [0.9, 0.5];
  const posterior = softmax([2, 0]);

  it('shrinks a well-filled cell toward the posterior estimate', () => {
    const options = resolveJointEstimatorOptions({ bins: 2, minimumCount: 20, smoothing: 10 });
    const table = buildJointTable(validation, ['variant'], 1, options);
    const fallback = posteriorAccuracy(posterior, recall);
    // (30 correct + 10 · fallback) / (40 + 10).
    expect(jointEstimate(table, 'variant', posterior, recall)).toBeCloseTo((30 + 10 * fallback) / 50, 12);
  });

  it('falls back to the posterior estimate where counts are thin', () => {
    const options = resolveJointEstimatorOptions({ bins: 2, minimumCount: 41, smoothing: 10 });
    const table = buildJointTable(validation, ['variant'], 1, options);
    expect(jointEstimate(table, 'variant', posterior, recall)).toBe(posteriorAccuracy(posterior, recall));
  });

  it('falls back in a cell with no validation records', () => {
    const table = buildJointTable(validation, ['variant'], 1, resolveJointEstimatorOptions({ bins: 2, minimumCount: 0 }));
    // g predicts class 1 here, a cell the validation split never filled.
    const other = softmax([0, 2]);
    expect(jointEstimate(table, 'variant', other, recall)).toBe(posteriorAccuracy(other, recall));
  });

  it('puts a confidence of 1 in the last bin', () => {
    expect(confidenceBin(1, 10)).toBe(9);
    expect(confidenceBin(0.55, 10)).toBe(5);
  });

  it('rejects predictions of the wrong length', () => {
    const broken = { ...validation, predictions: { variant: [0] } };
    expect(() => buildJointTable(broken, ['variant'], 1)).toThrow('1 predictions for variant "variant" but 40 records');
  });
});

describe('calibration scores', () => {
  it('computes Brier score and ECE on a hand example', () => {
    // Pairs (0.9, right), (0.8, wrong), (0.3, wrong), (0.2, right).
    // Brier: (0.01 + 0.64 + 0.09 + 0.64) / 4 = 0.345.
    // ECE with 2 bins: low bin mean 0.25, half right: 0.5 · 0.25; high bin mean 0.85, half right: 0.5 · 0.35.
    const scores = scoreEstimates(
      [
        { estimate: 0.9, correct: true },
        { estimate: 0.8, correct: false },
        { estimate: 0.3, correct: false },
        { estimate: 0.2, correct: true },
      ],
      2,
    );
    expect(scores.pairs).toBe(4);
    expect(scores.brier).toBeCloseTo(0.345, 12);
    expect(scores.ece).toBeCloseTo(0.3, 12);
  });

  it('gives zero ECE to a constant estimate equal to the accuracy', () => {
    const accumulator = new CalibrationAccumulator();
    for (let index = 0; index < 100; index += 1) accumulator.add(0.75, index % 4 !== 0);
    expect(accumulator.expectedCalibrationError()).toBeCloseTo(0, 12);
    expect(accumulator.brierScore()).toBeCloseTo(0.1875, 12);
  });

  it('rejects an estimate outside [0, 1]', () => {
    expect(() => new CalibrationAccumulator().add(1.2, true)).toThrow('1.2 is not a probability');
  });
});

describe('EstimatorSet', () => {
  it('returns every estimator for every variant', () => {
    const variants = [
      { id: 'a', recall: [1, 0.5], profiledAccuracy: 0.75 },
      { id: 'b', recall: [0.5, 1], profiledAccuracy: 0.75 },
    ];
    const split: RecordedSplit = {
      labels: [0, 1],
      predictions: { a: [0, 0], b: [1, 1] },
      sneakpeekLogits: [
        [1, 0],
        [0, 1],
      ],
    };
    const set = new EstimatorSet({
      variants,
      validationMix: [0.5, 0.5],
      deploymentMix: [0.9, 0.1],
      temperature: 1,
      validation: split,
      jointOptions: resolveJointEstimatorOptions(),
      trackerOptions: resolvePriorTrackerOptions(),
    });
    const estimates = set.estimate([3, 0], { a: true, b: false });

    expect(estimates.profiled).toEqual({ a: 0.75, b: 0.75 });
    // Over the deployment mix [0.9, 0.1]: a = 0.9 · 1 + 0.1 · 0.5, b = 0.9 · 0.5 + 0.1 · 1.
    expect(estimates['profiled-deployment'].a).toBeCloseTo(0.95, 12);
    expect(estimates['profiled-deployment'].b).toBeCloseTo(0.55, 12);
    expect(estimates.oracle).toEqual({ a: 1, b: 0 });
    expect(estimates.posterior.a).toBeCloseTo(posteriorAccuracy(softmax([3, 0]), [1, 0.5]), 12);
    // One posterior is below the tracker's minimum window, so tracked equals posterior for now.
    expect(estimates.tracked.a).toBeCloseTo(estimates.posterior.a ?? 0, 12);
    // Both validation cells hold one record, below the default minimum of 20: joint falls back.
    expect(estimates.joint.b).toBeCloseTo(estimates.posterior.b ?? 0, 12);
  });
});
