/**
 * The label-shift plan of each application's `shift` workload, chosen from its recorded data:
 *
 * 1. Test records grouped by ISO date (`YYYY-MM-DD`, the weather readings): the calendar in
 *    order, so the mix follows the seasons.
 * 2. Test records grouped otherwise (the subsets of the mail corpus): waves, each of which brings
 *    one group to 75% of the traffic before the mix returns to the test split's own group shares.
 * 3. Fashion-MNIST class names (the retail kiosk): drift between store profiles.
 * 4. Anything else: drift from the validation mix toward the classes the most accurate variant
 *    finds hard, then toward the ones it finds easy, and back.
 */

import type { RecordedSplit } from '../manifest.js';
import { LabelPlanKind, type LabelPlan, type NamedMix } from './label-mix.js';

/** Records on each side of the calendar position that a calendar plan draws from. */
export const CALENDAR_WINDOW_RECORDS = 10;
/** Share of the traffic the featured group takes at the crest of a wave. */
export const WAVE_CREST_SHARE = 0.75;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * Store profiles over Fashion-MNIST class names: a share per named class; classes left out get
 * `STORE_BASE_SHARE` before normalising. The shares are this project's own choice, made to move
 * traffic between easy classes (footwear, trousers, bags) and hard ones (shirts, coats, pullovers).
 */
const STORE_PROFILES: readonly { name: string; shares: Readonly<Record<string, number>> }[] = [
  { name: 'sports outlet', shares: { 'T-shirt/top': 0.25, Trouser: 0.15, Sneaker: 0.3, Sandal: 0.15, Bag: 0.05 } },
  { name: 'winter coats', shares: { Coat: 0.3, Pullover: 0.3, 'Ankle boot': 0.2, Shirt: 0.1 } },
  { name: 'office wear', shares: { Shirt: 0.35, Dress: 0.25, Bag: 0.15, Trouser: 0.1, 'Ankle boot': 0.05 } },
];
const STORE_BASE_SHARE = 0.01;

/** What choosing a shift plan needs to know about one application. */
export interface ShiftPlanInput {
  classes: readonly string[];
  validationMix: readonly number[];
  /** Per-class recall of the application's most accurate variant. */
  bestRecall: readonly number[];
  test: RecordedSplit;
}

/** Chooses the label plan of the `shift` workload for one application. */
export function shiftPlanFor(input: ShiftPlanInput): LabelPlan {
  const groups = input.test.groups;
  if (groups !== undefined && groups.length > 0) {
    if (groups.every((group) => ISO_DATE.test(group))) {
      return { kind: LabelPlanKind.Calendar, name: 'calendar order', windowRecords: CALENDAR_WINDOW_RECORDS };
    }
    return groupWaves(groups);
  }

  if (STORE_PROFILES.every((profile) => Object.keys(profile.shares).every((name) => input.classes.includes(name)))) {
    return {
      kind: LabelPlanKind.ClassDrift,
      name: 'store profiles',
      keyframes: [
        { name: 'validation mix', mix: [...input.validationMix] },
        ...STORE_PROFILES.map((profile) => ({ name: profile.name, mix: storeMix(profile.shares, input.classes) })),
        { name: 'sports outlet', mix: storeMix(STORE_PROFILES[0]?.shares ?? {}, input.classes) },
      ],
    };
  }
  return hardEasyDrift(input.validationMix, input.bestRecall);
}

/** Base shares, then a wave for each group in name order, each followed by a return to base. */
function groupWaves(groups: readonly string[]): LabelPlan {
  const names = [...new Set(groups)].sort();
  const base = names.map((name) => groups.filter((group) => group === name).length / groups.length);

  const keyframes: NamedMix[] = [{ name: 'test split shares', mix: base }];
  for (const [featured, name] of names.entries()) {
    const crest = base.map((share, index) => (1 - WAVE_CREST_SHARE) * share + (index === featured ? WAVE_CREST_SHARE : 0));
    keyframes.push({ name: `${name} wave`, mix: crest }, { name: 'test split shares', mix: base });
  }
  return { kind: LabelPlanKind.GroupDrift, name: 'group waves', groups: names, keyframes };
}

function storeMix(shares: Readonly<Record<string, number>>, classes: readonly string[]): number[] {
  return normalise(classes.map((name) => shares[name] ?? STORE_BASE_SHARE));
}

function hardEasyDrift(validationMix: readonly number[], bestRecall: readonly number[]): LabelPlan {
  const hard = normalise(validationMix.map((share, index) => share * (1 - (bestRecall[index] ?? 0))));
  const easy = normalise(validationMix.map((share, index) => share * (bestRecall[index] ?? 0) ** 4));
  return {
    kind: LabelPlanKind.ClassDrift,
    name: 'hard and easy classes',
    keyframes: [
      { name: 'validation mix', mix: [...validationMix] },
      { name: 'hard classes', mix: hard },
      { name: 'easy classes', mix: easy },
      { name: 'validation mix', mix: [...validationMix] },
    ],
  };
}

function normalise(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (!(total > 0)) return weights.map(() => 1 / weights.length);
  return weights.map((weight) => weight / total);
}
