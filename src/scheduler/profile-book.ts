/**
 * The scheduler's side of the profile store: the environment this worker measures in, which
 * stored profile each model starts from, and the throttled write-back of online refinements.
 *
 * - Variants are keyed by the inference worker's provider and device; SneakPeek models always run
 *   on WASM in this worker, so they are keyed by the CPU whatever the variants' provider.
 * - The store never stops a start: when IndexedDB cannot be opened, read or written (private
 *   mode, a full quota), the runtime measures as if nothing were stored and warns once per cause.
 * - Refinements are written at most once per `PERSIST_INTERVAL_MS`, and by `flush()`, which
 *   `close()` calls. Writes run one at a time, in the order they were asked for.
 */
import { env } from 'onnxruntime-web/wasm';
import { PLANNING_QUANTILE, quantileOf } from '../core/latency-refinement.js';
import type { Logger } from '../core/logger.js';
import type { LatencyPoint, VariantProfile } from '../core/model.js';
import {
  describeAdapter,
  describeBrowser,
  describeCpu,
  environmentKey,
  profileRecord,
  ProfileRole,
  refinementCount,
  storedProfileProblem,
  withRefinement,
  type AdapterFacts,
  type BrowserBrand,
  type ProfileEnvironment,
  type ProfileMeasurement,
  type ProfileSource,
  type StoredProfile,
} from '../core/stored-profile.js';
import type { MeasuredProfile, Provider, SneakPeekProfile } from '../protocol/messages.js';
import { profileDatabaseName, ProfileStore } from '../store/profile-store.js';

/** Shortest time between two writes of refined profiles, in milliseconds. */
export const PERSIST_INTERVAL_MS = 5000;

/** Batch sizes and timed runs a stored record must cover to be used instead of a measurement. */
export interface ProfileRequirement {
  /** Batch sizes the runtime plans with for this model. */
  batchSizes: readonly number[];
  /** Timed runs per batch size the caller asked for (`profileRuns`). */
  runs: number;
}

/** `navigator.userAgentData`, which TypeScript's DOM library does not declare. */
interface UserAgentDataLike {
  brands?: BrowserBrand[];
  platform?: string;
  getHighEntropyValues?(hints: string[]): Promise<{ fullVersionList?: BrowserBrand[]; platform?: string }>;
}

export class ProfileBook {
  /** The record of each variant that refinements go to, by model id; variants only. */
  private readonly tracked = new Map<string, StoredProfile>();
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Tail of the chain that runs writes one at a time. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly store: ProfileStore | undefined,
    private readonly environments: Readonly<Record<ProfileRole, ProfileEnvironment>>,
    private readonly log: Logger,
  ) {}

  /**
   * Opens the profile database that goes with the model store `storeName`, for variants served
   * on `provider` (with `adapter`, the WebGPU adapter's facts, when the provider is WebGPU).
   */
  static async open(storeName: string, provider: Provider, adapter: AdapterFacts | undefined, log: Logger): Promise<ProfileBook> {
    const browser = await detectBrowser();
    const cpu = describeCpu(navigator.hardwareConcurrency, globalThis.crossOriginIsolated === true);
    const ortVersion = env.versions.web ?? env.versions.common;
    const environments = {
      [ProfileRole.Variant]: variantEnvironment(provider, adapter, cpu, browser, ortVersion),
      [ProfileRole.SneakPeek]: { provider: 'wasm', device: cpu, browser, ortVersion },
    } as const;

    let store: ProfileStore | undefined;
    try {
      store = await ProfileStore.open(profileDatabaseName(storeName));
    } catch (error) {
      // Safe to continue: every model is measured, as on a first start.
      log.warnOnce('profile-store-unavailable', `could not open the profile store in IndexedDB (${describe(error)}); measuring every model`);
    }
    return new ProfileBook(store, environments, log);
  }

  /**
   * Returns the stored record of a model when it applies to this environment and covers
   * `requirement`, else undefined. A variant's record becomes the one its refinements go to.
   */
  async read(role: ProfileRole, modelId: string, sha256: string, requirement: ProfileRequirement): Promise<StoredProfile | undefined> {
    if (this.store === undefined) return undefined;
    let record: unknown;
    try {
      record = await this.store.get(environmentKey(this.environments[role]), role, sha256);
    } catch (error) {
      // Safe to continue: the model is measured instead.
      this.log.warnOnce('profile-store-read-failed', `reading stored profiles failed (${describe(error)}); measuring instead`);
      return undefined;
    }
    if (record === undefined) return undefined;

    const problem = storedProfileProblem(record, requirement);
    if (problem !== undefined) {
      this.log.info(`measuring "${modelId}" again, because its stored profile cannot be used: ${problem}`);
      return undefined;
    }
    const usable = record as StoredProfile;
    if (role === ProfileRole.Variant) this.track(usable);
    return usable;
  }

  /** Builds the record of a new measurement, stores it and returns it. */
  async save(role: ProfileRole, modelId: string, sha256: string, runs: number, measurement: ProfileMeasurement): Promise<StoredProfile> {
    const record = profileRecord({ environment: this.environments[role], role, modelId, sha256, runs, measurement, measuredAt: Date.now() });
    if (role === ProfileRole.Variant) this.track(record);
    await this.write([record]);
    return record;
  }

  /**
   * Copies a variant's refined figures into its record and schedules a write. `observed` names what
   * refined them: a batch of `batchSize`, a swap (`load`), or both, run on `provider`. Figures from
   * another provider than the record's are not written, so they cannot corrupt it.
   */
  refine(
    modelId: string,
    provider: Provider,
    refined: { loadMs: number; latency: readonly LatencyPoint[] },
    observed: { batchSize?: number; load?: boolean },
  ): void {
    const record = this.tracked.get(modelId);
    if (record === undefined || record.environment.provider !== provider || this.closed) return;
    this.tracked.set(modelId, withRefinement(record, refined, observed, Date.now()));
    this.dirty.add(modelId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, PERSIST_INTERVAL_MS);
  }

  /** Writes every refined record not yet written. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const records = [...this.dirty].map((modelId) => this.tracked.get(modelId)!);
    this.dirty.clear();
    if (records.length > 0) await this.write(records);
  }

  /** Writes what is left and closes the database; later refinements are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.writing;
    this.store?.close();
  }

  private track(record: StoredProfile): void {
    this.tracked.set(record.modelId, record);
    this.dirty.delete(record.modelId);
  }

  private write(records: readonly StoredProfile[]): Promise<void> {
    const store = this.store;
    if (store === undefined) return Promise.resolve();
    this.writing = this.writing
      .then(() => store.put(records))
      .catch((error: unknown) => {
        // Safe to continue: the figures stay in memory; the next start measures or refines again.
        this.log.warnOnce('profile-store-write-failed', `storing ${records.length} profiles in IndexedDB failed (${describe(error)})`);
      });
    return this.writing;
  }
}

function variantEnvironment(
  provider: Provider,
  adapter: AdapterFacts | undefined,
  cpu: string,
  browser: string,
  ortVersion: string,
): ProfileEnvironment {
  return { provider, device: provider === 'webgpu' ? describeAdapter(adapter ?? {}) : cpu, browser, ortVersion };
}

/** Returns the measurement of a SneakPeek model from its timed runs: no load cost, the planning quantile per size. */
export function laneMeasurement(samples: Record<string, number[]>): ProfileMeasurement {
  const latency = Object.entries(samples)
    .map(([size, times]) => ({ batchSize: Number(size), ms: quantileOf(times, PLANNING_QUANTILE) }))
    .sort((a, b) => a.batchSize - b.batchSize);
  return { loadMs: 0, latency, samples };
}

/** Describes a variant's profile for `ReadyInfo` and `reprofile()`. */
export function measuredProfile(record: StoredProfile, source: ProfileSource, profile: VariantProfile, provider: Provider): MeasuredProfile {
  return {
    variantId: profile.id,
    application: profile.application,
    provider,
    loadMs: profile.loadMs,
    latency: profile.latency.map((point) => ({ ...point })),
    samples: Object.fromEntries(record.latency.map((point) => [String(point.batchSize), [...point.samples]])),
    footprintBytes: profile.footprintBytes,
    maxBatch: profile.maxBatch,
    profiledAccuracy: profile.profiledAccuracy,
    source,
    runs: record.runs,
    measuredAt: record.measuredAt,
    refinements: refinementCount(record),
    environment: record.environmentKey,
  };
}

/** Describes a SneakPeek model's profile for `ReadyInfo` and `reprofile()`. */
export function sneakPeekProfile(record: StoredProfile, source: ProfileSource, application: string): SneakPeekProfile {
  return {
    modelId: record.modelId,
    application,
    samples: Object.fromEntries(record.latency.map((point) => [String(point.batchSize), [...point.samples]])),
    source,
    runs: record.runs,
    measuredAt: record.measuredAt,
    environment: record.environmentKey,
  };
}

/** Describes this browser, with full versions where `navigator.userAgentData` gives them. */
async function detectBrowser(): Promise<string> {
  const data = (navigator as Navigator & { userAgentData?: UserAgentDataLike }).userAgentData;
  if (data?.getHighEntropyValues !== undefined) {
    try {
      const values = await data.getHighEntropyValues(['fullVersionList', 'platform']);
      return describeBrowser(values.fullVersionList ?? data.brands, values.platform ?? data.platform, navigator.userAgent);
    } catch {
      // Safe to continue: the low-entropy brands and the user agent still identify the browser.
    }
  }
  return describeBrowser(data?.brands, data?.platform, navigator.userAgent);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
