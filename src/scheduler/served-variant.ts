/** One variant the scheduler serves: its manifest entry, its bytes and its profiles. */
import type { ApplicationManifest, ModelEntry } from '../core/manifest.js';
import type { VariantProfile } from '../core/model.js';
import { plannedProfile } from '../core/padding.js';

export interface ServedVariant {
  entry: ModelEntry;
  application: ApplicationManifest;
  url: string;
  bytes: ArrayBuffer;
  /** Measured profile, refined at the profiled batch sizes; change it only through `setProfile`. */
  profile: VariantProfile;
  /** The profile the policy plans with (`plannedProfile` of `profile`), kept off the decision path. */
  planned: VariantProfile;
}

/** Stores a variant's measured profile and the planning profile derived from it. */
export function setProfile(variant: ServedVariant, profile: VariantProfile): void {
  variant.profile = profile;
  variant.planned = plannedProfile(profile);
}
