import { describe, expect, it } from 'vitest';

import {
  accuracyFromEntry,
  labelMixFromConfusion,
  posteriorAccuracy,
  posteriorEstimates,
  profiledAccuracy,
  recallFromConfusion,
  reweightPosterior,
  softmax,
} from '../../src/core/estimators';
import type { ModelEntry } from '../../src/core/manifest';
import { createRandom } from '../../src/core/random';

function makeEntry(confusion: number[][]): ModelEntry {
  return {
    id: 'product-test',
    description: 'test entry',
    file: 'product-test.onnx',
    bytes: 1,
    sha256: '0'.repeat(64),
    outputName: 'logits',
    outputKind: 'logits',
    parameters: 1,
    opset: 17,
    maxBatch: 4,
    footprint: { bytes: 100, method: 'test' },
    confusion,
    validationAccuracy: 0,
    testAccuracy: 0,
  };
}

describe('recallFromConfusion', () => {
  it('divides each diagonal count by its row sum', () => {
    // Rows [8, 2] and [1, 9]: recall 8/10 and 9/10.
    expect(recallFromConfusion([[8, 2], [1, 9]])).toEqual([0.8, 0.9]);
  });

  it('names the class that has no validation samples', () => {
    expect(() => recallFromConfusion([[5, 0, 0], [0, 0, 0], [0, 0, 5]])).toThrow(/class 1 has no validation samples/);
  });

  it.each([
    { name: 'an empty matrix', confusion: [], message: /is empty/ },
    { name: 'a non-square matrix', confusion: [[1, 2, 3], [4, 5, 6]], message: /row 0 has 3 entries but the matrix has 2 rows/ },
    { name: 'a negative count', confusion: [[1, -2], [3, 4]], message: /entry \[0\]\[1\] is -2/ },
    { name: 'a NaN count', confusion: [[1, 2], [Number.NaN, 4]], message: /entry \[1\]\[0\] is NaN/ },
  ])('rejects $name', ({ confusion, message }) => {
    expect(() => recallFromConfusion(confusion)).toThrow(message);
  });
});

describe('labelMixFromConfusion', () => {
  it('divides row sums by the total', () => {
    // Row sums 4 and 16 of 20.
    expect(labelMixFromConfusion([[3, 1], [0, 16]])).toEqual([0.2, 0.8]);
  });

  it('rejects a matrix without samples', () => {
    expect(() => labelMixFromConfusion([[0, 0], [0, 0]])).toThrow(/contains no samples/);
  });
});

describe('profiledAccuracy', () => {
  it('weights recall by the label mix', () => {
    // 0.2 × 0.8 + 0.8 × 0.9 = 0.16 + 0.72 = 0.88.
    expect(profiledAccuracy([0.8, 0.9], [0.2, 0.8])).toBeCloseTo(0.88, 12);
  });

  it('rejects a label mix of another length', () => {
    expect(() => profiledAccuracy([0.8, 0.9], [0.2, 0.3, 0.5])).toThrow(/recall has 2 classes but label mix has 3/);
  });
});

describe('softmax', () => {
  it('turns logits into probabilities', () => {
    // exp(0) : exp(ln 3) = 1 : 3.
    const probabilities = softmax([0, Math.log(3)]);
    expect(probabilities[0]).toBeCloseTo(0.25, 12);
    expect(probabilities[1]).toBeCloseTo(0.75, 12);
  });

  it('divides logits by the temperature', () => {
    // (0, 2 ln 3) / 2 = (0, ln 3).
    const probabilities = softmax([0, 2 * Math.log(3)], 2);
    expect(probabilities[1]).toBeCloseTo(0.75, 12);
  });

  it('stays finite for very large logits', () => {
    const probabilities = softmax([1000, 1000 + Math.log(3)]);
    expect(probabilities[1]).toBeCloseTo(0.75, 12);
  });

  it.each([
    { name: 'an empty logit vector', logits: [], temperature: 1, message: /at least one logit/ },
    { name: 'an infinite logit', logits: [0, Infinity], temperature: 1, message: /Logit 1 is Infinity/ },
    { name: 'a zero temperature', logits: [0, 1], temperature: 0, message: /temperature must be a finite number above 0, got 0/ },
    { name: 'a negative temperature', logits: [0, 1], temperature: -1, message: /got -1/ },
  ])('rejects $name', ({ logits, temperature, message }) => {
    expect(() => softmax(logits, temperature)).toThrow(message);
  });
});

describe('posteriorAccuracy', () => {
  it('sums posterior times recall over classes', () => {
    // 0.2 × 0.9 + 0.5 × 0.6 + 0.3 × 0.5 = 0.18 + 0.30 + 0.15 = 0.63.
    expect(posteriorAccuracy([0.2, 0.5, 0.3], [0.9, 0.6, 0.5])).toBeCloseTo(0.63, 12);
  });

  it.each([
    { name: 'a posterior that does not sum to 1', posterior: [0.2, 0.2], recall: [1, 1], message: /posterior sums to 0.4, not 1/ },
    { name: 'a negative probability', posterior: [-0.5, 1.5], recall: [1, 1], message: /class 0 has probability -0.5/ },
    { name: 'a recall above 1', posterior: [0.5, 0.5], recall: [1.2, 1], message: /recall of class 0 is 1.2/ },
    { name: 'mismatched lengths', posterior: [0.5, 0.5], recall: [1, 1, 1], message: /posterior has 2 classes but recall has 3/ },
  ])('rejects $name', ({ posterior, recall, message }) => {
    expect(() => posteriorAccuracy(posterior, recall)).toThrow(message);
  });

  it('fills the estimates of every variant', () => {
    const estimates = posteriorEstimates([0.25, 0.75], [
      { id: 'a', recall: [1, 0] },
      { id: 'b', recall: [0.4, 0.8] },
    ]);
    // a: 0.25; b: 0.1 + 0.6 = 0.7.
    expect(estimates.a).toBeCloseTo(0.25, 12);
    expect(estimates.b).toBeCloseTo(0.7, 12);
  });
});

describe('reweightPosterior', () => {
  it('scales each class by the ratio of current to validation share', () => {
    // (0.5 × 0.2/0.5, 0.5 × 0.8/0.5) = (0.2, 0.8), already normalised.
    const reweighted = reweightPosterior([0.5, 0.5], [0.2, 0.8], [0.5, 0.5]);
    expect(reweighted[0]).toBeCloseTo(0.2, 12);
    expect(reweighted[1]).toBeCloseTo(0.8, 12);
  });

  it('leaves a posterior unchanged when the mix has not shifted', () => {
    const reweighted = reweightPosterior([0.3, 0.7], [0.4, 0.6], [0.4, 0.6]);
    expect(reweighted[0]).toBeCloseTo(0.3, 12);
  });
});

describe('accuracyFromEntry', () => {
  it('builds recall and profiled accuracy from the confusion matrix', () => {
    // Rows [45, 5] and [20, 30]: recall 0.9 and 0.6, mix 0.5 and 0.5, A = 0.75 = (45 + 30) / 100.
    const accuracy = accuracyFromEntry(makeEntry([[45, 5], [20, 30]]));
    expect(accuracy.recall).toEqual([0.9, 0.6]);
    expect(accuracy.profiledAccuracy).toBeCloseTo(0.75, 12);
  });

  it('names the variant and the class without samples', () => {
    expect(() => accuracyFromEntry(makeEntry([[1, 0], [0, 0]]))).toThrow(/variant "product-test" confusion matrix: class 1 has no validation samples/);
  });
});

describe('posterior estimate under label shift', () => {
  // Variant recall from rows [19, 1] and [9, 11]: class 0 0.95, class 1 0.55. The validation mix is
  // 50/50, so the profiled accuracy is 0.5 × 0.95 + 0.5 × 0.55 = 0.75.
  const recall = recallFromConfusion([[19, 1], [9, 11]]);
  const profiled = profiledAccuracy(recall, labelMixFromConfusion([[19, 1], [9, 11]]));

  it('tracks realised accuracy on a constructed shifted mix where the profile does not', () => {
    // Group A: 10 inputs with posterior (0.8, 0.2), of which 8 are class 0 and 2 class 1.
    // Group B: 90 inputs with posterior (0.1, 0.9), of which 9 are class 0 and 81 class 1.
    // Both groups are calibrated; the test mix is 17 % class 0 against 50 % in validation.
    // Realised accuracy, taking each input's correctness as its class recall:
    //   A: (8 × 0.95 + 2 × 0.55) / 10 = 0.87;  B: (9 × 0.95 + 81 × 0.55) / 90 = 0.59;
    //   overall (10 × 0.87 + 90 × 0.59) / 100 = 0.618.
    // Posterior estimates: A 0.8 × 0.95 + 0.2 × 0.55 = 0.87; B 0.1 × 0.95 + 0.9 × 0.55 = 0.59.
    const groups = [
      { count: 10, posterior: softmax([Math.log(0.8), Math.log(0.2)]), classCounts: [8, 2] },
      { count: 90, posterior: softmax([Math.log(0.1), Math.log(0.9)]), classCounts: [9, 81] },
    ];

    let posteriorError = 0;
    let profiledError = 0;
    let realisedTotal = 0;
    let posteriorTotal = 0;
    for (const group of groups) {
      const realised = ((group.classCounts[0] ?? 0) * (recall[0] ?? 0) + (group.classCounts[1] ?? 0) * (recall[1] ?? 0)) / group.count;
      const estimate = posteriorAccuracy(group.posterior, recall);
      posteriorError += group.count * Math.abs(estimate - realised);
      profiledError += group.count * Math.abs(profiled - realised);
      realisedTotal += group.count * realised;
      posteriorTotal += group.count * estimate;
    }

    // Mean absolute error per input: posterior 0; profiled (10 × 0.12 + 90 × 0.16) / 100 = 0.156.
    expect(posteriorError / 100).toBeCloseTo(0, 12);
    expect(profiledError / 100).toBeCloseTo(0.156, 12);
    // Aggregate: the posterior mean equals the realised 0.618; the profile gives 0.75.
    expect(posteriorTotal / 100).toBeCloseTo(0.618, 12);
    expect(realisedTotal / 100).toBeCloseTo(0.618, 12);
  });

  it('has lower aggregate and Brier error than the profile on sampled shifted traffic', () => {
    // Each input draws one of three calibrated posteriors, weighted towards class 1, then its label
    // from that posterior, then its correctness from the label's recall. Expected realised accuracy:
    // 0.1 × 0.91 + 0.1 × 0.75 + 0.8 × 0.59 = 0.638, against the profiled 0.75.
    const random = createRandom(2024);
    const posteriors = [[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]];
    const posteriorShares = [0.1, 0.1, 0.8];
    const samples = 20_000;

    let correctCount = 0;
    let posteriorSum = 0;
    let posteriorBrier = 0;
    let profiledBrier = 0;
    for (let sample = 0; sample < samples; sample += 1) {
      const posterior = posteriors[random.categorical(posteriorShares)] ?? [];
      const label = random.categorical(posterior);
      const correct = random.uniform() < (recall[label] ?? 0) ? 1 : 0;
      const estimate = posteriorAccuracy(posterior, recall);
      correctCount += correct;
      posteriorSum += estimate;
      posteriorBrier += (estimate - correct) ** 2;
      profiledBrier += (profiled - correct) ** 2;
    }
    const realised = correctCount / samples;

    // The standard error of the realised mean is about sqrt(0.23 / 20000) ≈ 0.0034.
    expect(Math.abs(posteriorSum / samples - realised)).toBeLessThan(0.015);
    expect(Math.abs(profiled - realised)).toBeGreaterThan(0.09);
    expect(posteriorBrier / samples).toBeLessThan(profiledBrier / samples);
  });
});
