import { describe, expect, it } from 'vitest';

import type { RecordedSplit } from '../../src/core/manifest';
import { createRandom } from '../../src/core/random';
import { burstArrivals, mmppRates, poissonArrivals, resolveBurstOptions } from '../../src/core/workloads/arrivals';
import { LabelPlanKind, indexRecords, interpolateMixes, planRecords, targetClassMix, type LabelPlan } from '../../src/core/workloads/label-mix';
import { deriveSeed } from '../../src/core/workloads/seeds';
import { shiftPlanFor } from '../../src/core/workloads/shift-plans';
import { mergeStreams, planStream } from '../../src/core/workloads/workload-plan';

const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Builds a split with `perClass` records of each of `classes` classes, optionally grouped. */
function split(classes: number, perClass: number, group?: (record: number, label: number) => string): RecordedSplit {
  const labels = Array.from({ length: classes * perClass }, (_, record) => record % classes);
  return {
    labels,
    predictions: {},
    sneakpeekLogits: labels.map(() => new Array<number>(classes).fill(0)),
    ...(group === undefined ? {} : { groups: labels.map((label, record) => group(record, label)) }),
  };
}

function shares(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts.map((count) => count / labels.length);
}

describe('arrivals', () => {
  it('arrives at the Poisson rate on average', () => {
    // 20,000 gaps of mean 4 ms: the mean gap has a standard error of about 0.7%.
    const times = poissonArrivals(20_000, 0.25, createRandom(1));
    expect((times.at(-1) ?? 0) / times.length).toBeCloseTo(4, 0);
  });

  it('keeps the mean rate of an MMPP at the requested rate', () => {
    const options = resolveBurstOptions({ rateRatio: 4, calmDwellGaps: 400, burstDwellGaps: 100 });
    const arrivals = burstArrivals(200_000, 0.5, options, createRandom(2));
    const meanRate = arrivals.length / (arrivals.at(-1)?.time ?? 1);
    // Many state changes (about 400 each way) keep the long-run rate within a few percent.
    expect(meanRate).toBeGreaterThan(0.5 * 0.93);
    expect(meanRate).toBeLessThan(0.5 * 1.07);
  });

  it('arrives faster in bursts', () => {
    const options = resolveBurstOptions();
    const rates = mmppRates(1, options);
    expect(rates.burstRatePerMs / rates.calmRatePerMs).toBeCloseTo(4, 12);
    // The stationary mix of the two rates is the mean: burst share 100 / 500.
    expect(0.8 * rates.calmRatePerMs + 0.2 * rates.burstRatePerMs).toBeCloseTo(1, 12);

    const arrivals = burstArrivals(50_000, 1, options, createRandom(3));
    expect(arrivals.some((arrival) => arrival.inBurst)).toBe(true);
    expect(arrivals.some((arrival) => !arrival.inBurst)).toBe(true);
  });

  it('rejects a rate of zero', () => {
    expect(() => poissonArrivals(10, 0, createRandom(1))).toThrow('Arrival rate is 0');
  });
});

describe('label plans', () => {
  it('interpolates keyframes linearly', () => {
    const keyframes = [
      { name: 'a', mix: [1, 0] },
      { name: 'b', mix: [0, 1] },
      { name: 'c', mix: [1, 0] },
    ];
    expect(interpolateMixes(keyframes, 0)).toEqual([1, 0]);
    expect(interpolateMixes(keyframes, 0.25)).toEqual([0.5, 0.5]);
    expect(interpolateMixes(keyframes, 0.5)).toEqual([0, 1]);
    expect(interpolateMixes(keyframes, 1)).toEqual([1, 0]);
  });

  it('matches a fixed mix on average', () => {
    const mix = [0.5, 0.3, 0.2];
    const index = indexRecords(split(3, 50), 3);
    const plan: LabelPlan = { kind: LabelPlanKind.Mix, name: 'mix', mix };
    const records = planRecords(plan, 30_000, index, createRandom(4));
    const observed = shares(records.map((record) => record % 3), 3);
    for (const [label, share] of mix.entries()) expect(observed[label]).toBeCloseTo(share, 2);
  });

  it('matches a drifting mix segment by segment', () => {
    const plan: LabelPlan = {
      kind: LabelPlanKind.ClassDrift,
      name: 'drift',
      keyframes: [
        { name: 'start', mix: [0.9, 0.1] },
        { name: 'end', mix: [0.1, 0.9] },
      ],
    };
    const count = 40_000;
    const records = planRecords(plan, count, indexRecords(split(2, 50), 2), createRandom(5));
    // In each quarter the target's mean share of class 0 is the mix at the quarter's midpoint.
    for (let quarter = 0; quarter < 4; quarter += 1) {
      const slice = records.slice((quarter * count) / 4, ((quarter + 1) * count) / 4).map((record) => record % 2);
      const target = targetClassMix(plan, (quarter + 0.5) / 4)?.[0] ?? 0;
      expect(shares(slice, 2)[0]).toBeCloseTo(target, 1);
    }
  });

  it('walks the calendar in order', () => {
    // 365 dated records: the first half of the trace must draw from the first half of the year.
    const dated = split(2, 183, (record) => new Date(Date.UTC(2014, 0, 1 + record)).toISOString().slice(0, 10));
    const plan = shiftPlanFor({ classes: ['a', 'b'], validationMix: [0.5, 0.5], bestRecall: [1, 1], test: dated });
    expect(plan.kind).toBe(LabelPlanKind.Calendar);

    const records = planRecords(plan, 1000, indexRecords(dated, 2), createRandom(6));
    const firstHalf = records.slice(0, 500).reduce((sum, record) => sum + record, 0) / 500;
    const secondHalf = records.slice(500).reduce((sum, record) => sum + record, 0) / 500;
    expect(firstHalf).toBeLessThan(183);
    expect(secondHalf).toBeGreaterThan(183);
  });

  it('brings each group to its crest in a wave', () => {
    const subsets = ['spam', 'easy-ham', 'hard-ham'];
    const grouped = split(2, 300, (record) => subsets[record % 3] ?? 'spam');
    const plan = shiftPlanFor({ classes: ['ham', 'spam'], validationMix: [0.5, 0.5], bestRecall: [1, 1], test: grouped });
    expect(plan.kind).toBe(LabelPlanKind.GroupDrift);
    if (plan.kind !== LabelPlanKind.GroupDrift) return;

    // Keyframes: base, easy-ham wave, base, hard-ham wave, base, spam wave, base (groups sorted by name).
    expect(plan.groups).toEqual(['easy-ham', 'hard-ham', 'spam']);
    const spamCrest = interpolateMixes(plan.keyframes, 5 / 6);
    expect(spamCrest[2]).toBeCloseTo(0.25 / 3 + 0.75, 12);
  });

  it('chooses store profiles for Fashion-MNIST classes', () => {
    const plan = shiftPlanFor({ classes: FASHION_CLASSES, validationMix: new Array(10).fill(0.1), bestRecall: new Array(10).fill(0.9), test: split(10, 5) });
    expect(plan.kind).toBe(LabelPlanKind.ClassDrift);
    expect(plan.name).toBe('store profiles');
  });

  it('drifts toward hard classes for other applications', () => {
    const plan = shiftPlanFor({ classes: ['a', 'b'], validationMix: [0.5, 0.5], bestRecall: [0.9, 0.6], test: split(2, 5) });
    const hard = plan.kind === LabelPlanKind.ClassDrift ? plan.keyframes[1]?.mix : undefined;
    // Hard mix ∝ π_val · (1 − recall): 0.05 and 0.2.
    expect(hard?.[1]).toBeCloseTo(0.8, 12);
  });

  it('rejects a mix that does not sum to 1', () => {
    const plan: LabelPlan = { kind: LabelPlanKind.Mix, name: 'broken', mix: [0.5, 0.6] };
    expect(() => planRecords(plan, 1, indexRecords(split(2, 2), 2), createRandom(1))).toThrow('sums to 1.1');
  });
});

describe('planStream', () => {
  const base = {
    application: 'app',
    count: 500,
    ratePerMs: 0.1,
    bursts: undefined,
    labelPlan: { kind: LabelPlanKind.Mix, name: 'mix', mix: [0.5, 0.5] } as LabelPlan,
    records: indexRecords(split(2, 10), 2),
    deadlineRangeMs: [10, 30] as const,
    weight: 1,
    seed: 9,
  };

  it('draws relative deadlines within the range', () => {
    const stream = planStream(base);
    expect(stream.every((request) => request.relativeDeadlineMs >= 10 && request.relativeDeadlineMs <= 30)).toBe(true);
  });

  it('keeps the records when only the load changes', () => {
    const light = planStream(base);
    const heavy = planStream({ ...base, ratePerMs: 0.3 });
    expect(heavy.map((request) => request.record)).toEqual(light.map((request) => request.record));
    expect(heavy.at(-1)?.arrival).toBeLessThan(light.at(-1)?.arrival ?? 0);
  });

  it('merges streams in arrival order', () => {
    const merged = mergeStreams([planStream(base), planStream({ ...base, application: 'other', seed: 10 })]);
    expect(merged).toHaveLength(1000);
    expect(merged.every((request, index) => index === 0 || request.arrival >= (merged[index - 1]?.arrival ?? 0))).toBe(true);
  });

  it('rejects an empty deadline range', () => {
    expect(() => planStream({ ...base, deadlineRangeMs: [30, 10] })).toThrow('Deadline range of application "app" is [30, 10] ms');
  });
});

describe('deriveSeed', () => {
  it('separates streams of one seed', () => {
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
  });
});
