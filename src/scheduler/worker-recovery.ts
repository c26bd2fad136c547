/**
 * The executor's half of recovering from a fault: replacing the inference worker. (What happens to
 * the requests of the lost batch is the scheduler's half.)
 *   1. A new worker starts: on the same provider after a crash or a hang, on WASM after a lost
 *      WebGPU device.
 *   2. The variants resident before are loaded in it again.
 *   3. After a provider change, every variant gets a profile for the new provider. It is the stored
 *      one where the profile store has it, and a measurement for the variants being loaded again.
 *      The rest keep their old profile scaled by the median ratio of new to old times, until
 *      batches refine it.
 */
import type { Remote } from 'comlink';
import { medianRatio } from '../core/fault-policy.js';
import { latencyMs } from '../core/latency.js';
import type { Logger } from '../core/logger.js';
import { profileBatchSizes } from '../core/padding.js';
import { measurementOf, ProfileRole } from '../core/stored-profile.js';
import { createVariantProfile } from '../core/variant-profile.js';
import { DEVICE_LOST_ERROR, FaultKind, Provider, type InferenceApi, type SchedulerConfig } from '../protocol/messages.js';
import { WORKER_LOST_ERROR, type InferenceHost } from './inference-host.js';
import { ProfileBook } from './profile-book.js';
import { measureVariant } from './profiler.js';
import { setProfile, type ServedVariant } from './served-variant.js';

/** The scheduler's state and calls that restarting the inference worker uses. */
export interface RecoveryContext {
  host: InferenceHost;
  config: SchedulerConfig;
  variants: ReadonlyMap<string, ServedVariant>;
  log: Logger;
  /** The worker's calls with the watchdog of unprofiled calls, for measuring. */
  inference: Remote<InferenceApi>;
  /** Watchdog time of the new worker's start-up, in milliseconds. */
  startTimeoutMs: number;
  /** Loads a variant in the current worker and marks it resident. */
  loadVariant(variant: ServedVariant): Promise<void>;
  /** Marks a variant resident that measuring loaded. */
  markResident(variantId: string): void;
}

/** The worker that replaced the lost one. */
export interface WorkerRestart {
  provider: Provider;
  /** The new worker's provider note; undefined when the provider did not change. */
  providerNote?: string;
  /** Variants made resident again, in load order. */
  reloaded: string[];
  /** The profile book to refine from now on: a new one after a provider change. */
  profileBook: ProfileBook | undefined;
}

/** Returns the fault an error of the inference worker stands for, or undefined for an ordinary failure. */
export function faultKindOf(error: unknown): FaultKind | undefined {
  const name = error instanceof Error ? error.name : undefined;
  if (name === DEVICE_LOST_ERROR) return FaultKind.DeviceLost;
  if (name === WORKER_LOST_ERROR) return FaultKind.WorkerLost;
  return undefined;
}

/**
 * Starts a new inference worker after a fault of `kind` on `provider`, and makes `wereResident`
 * resident in it. After a lost device with nothing resident, `batchVariantId` (the variant of the
 * lost batch) is measured and loaded instead, so that the new provider's times are known.
 */
export async function restartInferenceWorker(
  context: RecoveryContext,
  kind: FaultKind,
  provider: Provider,
  profileBook: ProfileBook | undefined,
  wereResident: readonly string[],
  batchVariantId: string | undefined,
): Promise<WorkerRestart> {
  const preference = kind === FaultKind.DeviceLost ? Provider.Wasm : provider;
  const info = await context.host.start(preference, context.config.ortWasmBase, context.startTimeoutMs);

  if (info.provider === provider) {
    for (const id of wereResident) await context.loadVariant(context.variants.get(id)!);
    return { provider, reloaded: [...wereResident], profileBook };
  }

  // Refinements from now on belong to the new provider's profiles, not the lost one's.
  await profileBook?.close();
  const book = await ProfileBook.open(context.config.storeName, info.provider, undefined, context.log);
  let toMeasure: readonly string[] = wereResident;
  if (toMeasure.length === 0 && batchVariantId !== undefined) toMeasure = [batchVariantId];
  await adoptProfiles(context, book, toMeasure);
  return { provider: info.provider, providerNote: info.note, reloaded: [...toMeasure], profileBook: book };
}

/** Gives every variant a profile for the new provider (step 3) and makes `toMeasure` resident. */
async function adoptProfiles(context: RecoveryContext, book: ProfileBook, toMeasure: readonly string[]): Promise<void> {
  const adopted = new Set<string>();
  for (const variant of context.variants.values()) {
    const sizes = profileBatchSizes(variant.entry.maxBatch);
    const record = await book.read(ProfileRole.Variant, variant.entry.id, variant.entry.sha256, { batchSizes: sizes, runs: context.config.profileRuns });
    if (record === undefined) continue;
    setProfile(variant, createVariantProfile(variant.application.id, variant.entry, measurementOf(record, sizes)));
    adopted.add(variant.entry.id);
  }

  // One run per batch size: the variants must be loaded anyway, and batches refine the figures.
  const latencyPairs: { previous: number; measured: number }[] = [];
  const loadPairs: { previous: number; measured: number }[] = [];
  for (const id of toMeasure) {
    const variant = context.variants.get(id)!;
    if (adopted.has(id)) {
      await context.loadVariant(variant);
      continue;
    }
    const measured = await measureVariant(context.inference, variant.entry, variant.application, variant.bytes, 1);
    context.markResident(id);
    for (const point of measured.latency) latencyPairs.push({ previous: latencyMs(variant.profile.latency, point.batchSize), measured: point.ms });
    loadPairs.push({ previous: variant.profile.loadMs, measured: measured.loadMs });
    setProfile(variant, { ...variant.profile, loadMs: measured.loadMs, latency: measured.latency });
    adopted.add(id);
  }

  const latencyRatio = medianRatio(latencyPairs) ?? 1;
  const loadRatio = medianRatio(loadPairs) ?? latencyRatio;
  for (const variant of context.variants.values()) {
    if (adopted.has(variant.entry.id)) continue;
    const latency = variant.profile.latency.map((point) => ({ batchSize: point.batchSize, ms: point.ms * latencyRatio }));
    setProfile(variant, { ...variant.profile, loadMs: variant.profile.loadMs * loadRatio, latency });
  }
}
