/**
 * Building and validating `VariantProfile`s: the policy's view of each variant, assembled from the
 * manifest entry (accuracy, footprint, maximum batch) and from measurements on the device (latency
 * profile, load cost).
 */

import { accuracyFromEntry } from './estimators';
import { validateLatencyProfile } from './latency';
import type { ModelEntry } from './manifest';
import type { LatencyPoint, VariantProfile } from './model';
import { assertVariantsFitBudget } from './residency';

/** Measurements of one variant on the device. */
export interface VariantMeasurements {
  /** Latency profile `L_m(b)`, ascending by batch size. */
  latency: readonly LatencyPoint[];
  /** Load cost `T_m`: session creation plus warm-up, in milliseconds. */
  loadMs: number;
}

/** Builds and validates a variant's profile from its manifest entry and its measurements. */
export function createVariantProfile(application: string, entry: ModelEntry, measured: VariantMeasurements): VariantProfile {
  const profile: VariantProfile = {
    id: entry.id,
    application,
    footprintBytes: entry.footprint.bytes,
    maxBatch: entry.maxBatch,
    loadMs: measured.loadMs,
    latency: measured.latency,
    ...accuracyFromEntry(entry),
  };
  validateVariantProfile(profile);
  return profile;
}

/** Checks one profile's fields; each error names the variant, the field, the value and the fix. */
export function validateVariantProfile(profile: VariantProfile): void {
  const label = `variant "${profile.id}"`;
  if (typeof profile.id !== 'string' || profile.id === '') {
    throw new TypeError(`A variant has id ${JSON.stringify(profile.id)}. Give every variant a non-empty string id.`);
  }
  if (typeof profile.application !== 'string' || profile.application === '') {
    throw new TypeError(`${label} has application ${JSON.stringify(profile.application)}. Name its application.`);
  }

  if (!Number.isFinite(profile.footprintBytes) || profile.footprintBytes <= 0) {
    throw new RangeError(
      `${label} has footprintBytes ${String(profile.footprintBytes)}. Give a finite estimate above 0, in bytes.`,
    );
  }
  if (!Number.isInteger(profile.maxBatch) || profile.maxBatch < 1) {
    throw new RangeError(`${label} has maxBatch ${String(profile.maxBatch)}. Use an integer >= 1.`);
  }
  if (!Number.isFinite(profile.loadMs) || profile.loadMs < 0) {
    throw new RangeError(`${label} has loadMs ${String(profile.loadMs)}. Give the measured load cost, a finite number >= 0.`);
  }
  validateLatencyProfile(profile.latency, `${label} latency profile`);

  for (const [index, recall] of profile.recall.entries()) {
    if (!Number.isFinite(recall) || recall < 0 || recall > 1) {
      throw new RangeError(`${label} has recall ${String(recall)} for class ${index}. Recall must be in [0, 1].`);
    }
  }
  if (!Number.isFinite(profile.profiledAccuracy) || profile.profiledAccuracy < 0 || profile.profiledAccuracy > 1) {
    throw new RangeError(
      `${label} has profiledAccuracy ${String(profile.profiledAccuracy)}. Accuracy must be in [0, 1].`,
    );
  }
}

/**
 * Checks every profile, that ids are unique, and that each variant fits the memory budget on its
 * own. A runtime calls this once at start-up so that a bad configuration fails with a clear error
 * before any request is accepted.
 */
export function validateVariantProfiles(variants: readonly VariantProfile[], memoryBudgetBytes: number): void {
  const seen = new Set<string>();
  for (const variant of variants) {
    validateVariantProfile(variant);
    if (seen.has(variant.id)) {
      throw new RangeError(`Variant id "${variant.id}" appears twice. Variant ids must be unique across all applications.`);
    }
    seen.add(variant.id);
  }
  assertVariantsFitBudget(variants, memoryBudgetBytes);
}
