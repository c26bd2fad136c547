/**
 * Builds the simulator's view of an application from its manifest entry, its recorded outputs and
 * the device's costs, and checks that the three agree before anything runs.
 */

import { labelMixFromConfusion } from '../estimators.js';
import type { ApplicationManifest, RecordedOutputs, RecordedSplit } from '../manifest.js';
import { compareIds } from '../residency.js';
import { createVariantProfile } from '../variant-profile.js';
import type { CostModel } from './device-costs.js';
import type { SimApplication } from './sim-model.js';

/** Builds and validates one simulated application. */
export function buildSimApplication(manifest: ApplicationManifest, recorded: RecordedOutputs, costs: CostModel): SimApplication {
  if (recorded.application !== manifest.id) {
    throw new RangeError(
      `Recorded outputs belong to application "${recorded.application}" but were given for "${manifest.id}". Check recordedFile in the manifest.`,
    );
  }
  const modelIds = [...manifest.variants.map((variant) => variant.id), manifest.sneakpeek.id];
  for (const [name, split] of [['validation', recorded.validation], ['test', recorded.test]] as const) {
    validateSplit(manifest.id, name, split, modelIds, manifest.classes.length);
  }

  const variants = manifest.variants.map((entry) =>
    createVariantProfile(manifest.id, entry, { latency: costs.medianLatency(entry.id), loadMs: costs.medianLoadMs(entry.id) }),
  );
  if (!costs.has(manifest.sneakpeek.id)) {
    throw new RangeError(
      `The device profile has no measurements of SneakPeek model "${manifest.sneakpeek.id}" of application "${manifest.id}". Measure it again with npm run measure:node.`,
    );
  }

  const firstVariant = manifest.variants[0];
  if (firstVariant === undefined) throw new RangeError(`Application "${manifest.id}" has no variants. Add at least one to the manifest.`);
  return {
    id: manifest.id,
    classes: manifest.classes,
    weight: manifest.weight,
    variants,
    sneakpeekId: manifest.sneakpeek.id,
    temperature: manifest.sneakpeek.temperature,
    validationMix: labelMixFromConfusion(firstVariant.confusion, `variant "${firstVariant.id}" confusion matrix`),
    recorded,
  };
}

/** Returns the application's most accurate variant by profiled accuracy (smallest id on ties). */
export function mostAccurateVariant(application: SimApplication): SimApplication['variants'][number] {
  const sorted = [...application.variants].sort(
    (left, right) => right.profiledAccuracy - left.profiledAccuracy || compareIds(left.id, right.id),
  );
  const best = sorted[0];
  if (best === undefined) throw new RangeError(`Application "${application.id}" has no variants. Add at least one to the manifest.`);
  return best;
}

function validateSplit(application: string, name: string, split: RecordedSplit, modelIds: readonly string[], classes: number): void {
  const label = `Recorded ${name} split of application "${application}"`;
  const records = split.labels.length;
  if (records === 0) throw new RangeError(`${label} has no records. Record every model on the ${name} split.`);

  for (const [record, value] of split.labels.entries()) {
    if (!Number.isInteger(value) || value < 0 || value >= classes) {
      throw new RangeError(`${label}: record ${record} has label ${String(value)}, outside classes 0 to ${classes - 1}. Check the class order.`);
    }
  }
  for (const modelId of modelIds) {
    const predictions = split.predictions[modelId];
    if (predictions === undefined || predictions.length !== records) {
      throw new RangeError(
        `${label} has ${predictions?.length ?? 'no'} predictions of model "${modelId}" for ${records} records. Regenerate the recorded outputs with every model.`,
      );
    }
  }
  if (split.sneakpeekLogits.length !== records) {
    throw new RangeError(`${label} has ${split.sneakpeekLogits.length} SneakPeek logit rows for ${records} records. Regenerate the recorded outputs.`);
  }
  const width = split.sneakpeekLogits.find((row) => row.length !== classes);
  if (width !== undefined) {
    throw new RangeError(`${label} has a SneakPeek logit row of ${width.length} values for ${classes} classes. Regenerate the recorded outputs.`);
  }
  if (split.groups !== undefined && split.groups.length !== records) {
    throw new RangeError(`${label} has ${split.groups.length} groups for ${records} records. Give one group per record or none.`);
  }
}
