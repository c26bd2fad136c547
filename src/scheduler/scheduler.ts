/**
 * The scheduler worker's state and loop: it accepts requests, estimates their accuracy per
 * variant with the SneakPeek model, asks the policy what to run, dispatches batches to the
 * inference worker and records every outcome.
 *
 * Start-up stages, in order:
 *   1. read and check the manifest;
 *   2. start the inference worker and choose its provider;
 *   3. fetch every model through the model store (IndexedDB, else network), verifying hashes;
 *   4. create the SneakPeek sessions (WASM, this worker);
 *   5. measure each variant's load cost and latency profile on the chosen provider;
 *   6. preload the most accurate variants that fit the memory budget.
 *
 * Invariants:
 * - Every accepted request ends in exactly one outcome: `settle()` removes it from `open` first,
 *   so a second outcome for the same id is impossible. A batch lost to a fault puts its members
 *   back in the queue or drops them (`recover()`); it never leaves them without an outcome.
 * - At most `maxQueuedRequests` requests are open; `submit()` rejects beyond it.
 * - One batch runs at a time (`executing`). A fault recovery or a re-profiling sets `executing`
 *   too, so neither overlaps a batch, and the policy is asked again when each ends.
 * - The resident set only changes through the policy's evictions and loads, so it stays within
 *   the memory budget the policy enforces. After a fault the same set is loaded again.
 *
 * The file is long because every step above reads and writes the same open-request table and
 * resident set. The inference worker's lifecycle and watchdog (`inference-host.ts`), its
 * replacement after a fault (`worker-recovery.ts`) and stored profiles (`profile-book.ts`) live
 * in their own modules.
 */
import * as Comlink from 'comlink';
import { env as ortEnv } from 'onnxruntime-web/wasm';
import type { ApplicationManifest, Manifest } from '../core/manifest.js';
import { DropReason, type QueuedRequest, type RunAction, type SchedulerState, type VariantProfile } from '../core/model.js';
import { createSimPolicy } from '../core/baselines/catalog.js';
import { EstimatorKind } from '../core/estimation/estimator-set.js';
import type { SimPolicy } from '../core/simulator/sim-model.js';
import { resolvePolicyOptions, type ResolvedPolicyOptions } from '../core/policy-options.js';
import { accuracyFromEntry, posteriorEstimates, profiledEstimates } from '../core/estimators.js';
import { createVariantProfile } from '../core/variant-profile.js';
import { accumulateSwapCredit } from '../core/swap-credit.js';
import { TrafficTracker } from '../core/traffic.js';
import { preloadOrder } from '../core/residency.js';
import { DecisionRecorder, type DecisionRecord } from '../core/decision-record.js';
import { refineLatency } from '../core/latency-refinement.js';
import { PROFILED_BATCH_SIZES, paddedBatchSize, profileBatchSizes } from '../core/padding.js';
import { measurementOf, ProfileRole, ProfileSource, type AdapterFacts, type StoredProfile } from '../core/stored-profile.js';
import { loadMessage } from './profiler.js';
import { Logger } from '../core/logger.js';
import { checkQueueBound, QueueFullError } from '../core/admission.js';
import { planRetry, watchdogTimeoutMs } from '../core/fault-policy.js';
import { latencyMs } from '../core/latency.js';
import type {
  InferenceApi,
  MeasuredProfile,
  Outcome,
  ProfileReport,
  ReadyInfo,
  RuntimeStats,
  SchedulerApi,
  SchedulerConfig,
  SchedulerListener,
  SubmitMessage,
  SubmitResult,
  SneakPeekProfile,
} from '../protocol/messages.js';
import { FaultKind, InjectedFault, MAX_FAULT_REPORTS, OutcomeStatus, type Provider } from '../protocol/messages.js';
import type { BatchUpdate, FaultInjection, FaultReport, LoadCause, ScheduleSnapshot, ScheduleUpdate } from '../protocol/messages.js';
import { ScheduleUpdateKind } from '../protocol/messages.js';
import { InferenceHost } from './inference-host.js';
import { setProfile, type ServedVariant } from './served-variant.js';
import { faultKindOf, restartInferenceWorker, type RecoveryContext } from './worker-recovery.js';
import { ModelStore } from '../store/model-store.js';
import { fetchManifest, checkManifest } from './manifest-loader.js';
import { SneakPeekLane } from './sneakpeek-lane.js';
import { measureVariant } from './profiler.js';
import { laneMeasurement, measuredProfile, ProfileBook, sneakPeekProfile } from './profile-book.js';
import { validateSubmission } from './validation.js';

/** Number of warnings `RuntimeStats.warnings` keeps. */
const MAX_WARNINGS = 50;

/** Weight of one observed swap in the running mean of a variant's load cost; swaps are rare, so it is high. */
const LOAD_REFINEMENT_WEIGHT = 0.5;

/**
 * Watchdog time of calls to the inference worker whose duration nothing predicts yet (start-up,
 * profiling): long enough for any load or measurement, short enough that a hang ends start-up.
 */
const UNPROFILED_CALL_TIMEOUT_MS = 5 * 60 * 1000;

/** The shared epoch clock of every thread, in milliseconds. */
export const now = (): number => performance.timeOrigin + performance.now();

interface OpenRequest {
  message: SubmitMessage;
  /** When this worker received the message, on the epoch clock. */
  receivedAt: number;
  /** When the request joined the queue, on the epoch clock. */
  queuedAt?: number;
  posterior?: readonly number[];
  /** Set once the SneakPeek estimate is in and the request is queued. */
  queued?: QueuedRequest;
  priority: number;
  /** Batches the request has been dispatched in; a fault puts it back in the queue at most once. */
  dispatches: number;
}

export class Scheduler implements SchedulerApi {
  private readonly log = new Logger('scheduler');
  private config!: SchedulerConfig;
  private options!: ResolvedPolicyOptions;
  /** The policy named in the config, with its estimator and its own options. */
  private policy!: SimPolicy;
  private listener!: SchedulerListener;
  /** The inference worker, watched and replaced after faults. */
  private host: InferenceHost | undefined;
  private store: ModelStore | undefined;
  private provider: Provider = 'wasm';
  private providerNote = '';
  /** The WebGPU adapter the variants run on, when they run on WebGPU; part of the profile key. */
  private adapter: AdapterFacts | undefined;
  /** Stored profiles and their refinement; opened at start-up stage 5. */
  private profileBook: ProfileBook | undefined;
  /** The `reprofile()` in flight, shared by concurrent calls. */
  private reprofiling: Promise<ProfileReport> | undefined;

  private readonly applications = new Map<string, ApplicationManifest>();
  private readonly variants = new Map<string, ServedVariant>();
  private readonly lanes = new Map<string, SneakPeekLane>();
  private readonly open = new Map<string, OpenRequest>();
  private queue: QueuedRequest[] = [];
  private readonly resident = new Map<string, number>();
  private readonly lastVariant = new Map<string, string>();
  private swapCredit: ReadonlyMap<string, number> = new Map();
  private readonly traffic = new TrafficTracker();
  /** Set when the config's `decisionRecordLimit` is above 0. */
  private recorder: DecisionRecorder | undefined;

  private executing = false;
  /** Requests of the batch running now. */
  private inFlight = 0;
  /** Set when a fault could not be recovered from: the runtime then accepts nothing. */
  private failure: string | undefined;
  /** Remaining batches during which the scheduler terminates the inference worker (test hook). */
  private terminateDuringBatches = 0;
  /** Settles when the batch started last has ended. */
  private batchDone: Promise<void> = Promise.resolve();
  private pumpScheduled = false;
  private disposed = false;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Outcomes settled in the current task, sent to the client together at its end. */
  private outbox: Outcome[] = [];
  /** Schedule updates of the current task, sent before its outcomes. */
  private updates: ScheduleUpdate[] = [];
  private flushScheduled = false;
  private batchCounter = 0;
  private readonly stats_: RuntimeStats = emptyStats();

  async start(config: SchedulerConfig, listener: SchedulerListener): Promise<ReadyInfo> {
    this.config = config;
    this.listener = listener;
    // The SneakPeek models run on this worker's own onnxruntime-web, which reads its files from
    // the same base as the inference worker's.
    if (config.ortWasmBase !== undefined) ortEnv.wasm.wasmPaths = config.ortWasmBase;
    this.options = resolvePolicyOptions({
      memoryBudgetBytes: config.memoryBudgetBytes,
      swapMargin: config.swapMargin,
      maxQueueDelayMs: config.maxQueueDelayMs,
      advantageCandidates: config.advantageCandidates,
      // The sizes start-up profiling measures. Any other size would run padded to the next of
      // them at the same cost, so planning only these loses nothing and keeps decisions cheap.
      batchSizes: PROFILED_BATCH_SIZES,
    });
    this.policy = createSimPolicy(config.policy, this.options);
    this.stats_.memoryBudgetBytes = config.memoryBudgetBytes;
    this.stats_.maxQueuedRequests = config.maxQueuedRequests;
    if (config.decisionRecordLimit > 0) this.recorder = new DecisionRecorder(config.decisionRecordLimit, this.policy.options);

    // 1. Manifest.
    this.progress({ stage: 'manifest', message: `reading ${config.manifestUrl}` });
    const manifest = config.manifest ?? (await fetchManifest(config.manifestUrl));
    if (config.manifest !== undefined) checkManifest(manifest, 'passed in the options');

    // 2. Inference worker and provider.
    this.host = new InferenceHost((error) => this.onWorkerLost(error));
    const providerInfo = await this.host.start(config.providerPreference, config.ortWasmBase, UNPROFILED_CALL_TIMEOUT_MS);
    this.provider = providerInfo.provider;
    this.providerNote = providerInfo.note;
    this.adapter = providerInfo.adapter;
    this.progress({ stage: 'provider', message: `${providerInfo.provider}: ${providerInfo.note}` });

    // 3 and 4. Models through the store, SneakPeek sessions.
    checkVariantSelection(manifest, config.variants);
    this.store = await ModelStore.open(config.storeName, (code, message) => this.warn(code, message));
    for (const application of manifest.applications) await this.prepareApplication(application);
    if (this.applications.size === 0) {
      const problems = this.stats_.modelProblems.map((problem) => `${problem.modelId}: ${problem.message}`);
      throw new Error(`No application can be served. ${problems.join('; ') || 'The manifest selects no variant.'}`);
    }

    // 5 and 6. Profiles (stored ones where this device has them) and preloading.
    this.profileBook = await ProfileBook.open(config.storeName, this.provider, this.adapter, this.log);
    const profiles = await this.profileVariants();
    const sneakpeekProfiles = await this.profileSneakPeek();
    await this.preload();
    this.stats_.provider = this.provider;
    this.stats_.providerNote = this.providerNote;
    this.progress({ stage: 'ready', fraction: 1, message: `ready on ${this.provider}` });

    return {
      provider: this.provider,
      policy: config.policy,
      providerNote: this.providerNote,
      applications: [...this.applications.values()].map((application) => ({
        id: application.id,
        name: application.name,
        classes: application.classes,
        inputShape: application.input.shape.slice(1),
        inputScale: application.input.preprocessing.scale,
        defaultDeadlineMs: application.defaultDeadlineMs,
        weight: application.weight,
        variants: [...this.variants.values()].filter((variant) => variant.application.id === application.id).map((variant) => variant.entry.id),
      })),
      profiles,
      sneakpeekProfiles,
      manifestUrl: config.manifestUrl,
    };
  }

  submitMany(messages: SubmitMessage[]): SubmitResult[] {
    return messages.map((message) => {
      try {
        this.submit(message);
        return { accepted: true };
      } catch (error) {
        const known = error instanceof Error ? error : new Error(String(error));
        if (known instanceof QueueFullError) this.stats_.rejected.queueFull++;
        else if (known instanceof RangeError || known instanceof TypeError) this.stats_.rejected.invalid++;
        return { accepted: false, errorName: known.name, message: known.message };
      }
    });
  }

  /** Accepts one request, or throws an error that names the invalid field. */
  private submit(message: SubmitMessage): void {
    const receivedAt = now();
    if (this.disposed) throw new Error(`Runtime is disposed; request "${message.id}" was not accepted. Create a new runtime.`);
    if (this.failure !== undefined) {
      throw new Error(`Request "${message.id}" was not accepted: the runtime could not recover from a fault (${this.failure}). Create a new runtime.`);
    }
    const application = this.applications.get(message.application);
    // The deadline is checked against the arrival time the client stamped: a deadline that passes
    // while the message is in transit is the policy's to drop with an outcome, not a rejection.
    validateSubmission(message, application, [...this.applications.keys()], this.open.has(message.id), message.arrival);
    checkQueueBound(message.id, this.open.size, this.config.maxQueuedRequests);

    const lane = this.lanes.get(message.application)!;
    this.open.set(message.id, { message, receivedAt, priority: 0, dispatches: 0 });
    this.stats_.accepted++;

    // Estimation runs beside the executor; the request joins the queue when its posterior is in.
    lane.posterior(message.input).then(
      (posterior) => this.enqueue(message, posterior),
      (error: unknown) => this.drop([message.id], DropReason.InferenceFailed, `SneakPeek estimation failed: ${String(error)}`),
    );
  }

  stats(): RuntimeStats {
    return {
      ...this.stats_,
      dropped: { ...this.stats_.dropped },
      servedByVariant: { ...this.stats_.servedByVariant },
      open: this.open.size,
      queued: this.queue.length,
      inFlight: this.inFlight,
      estimating: this.open.size - this.queue.length - this.inFlight,
      rejected: { ...this.stats_.rejected },
      resident: [...this.resident.keys()],
      residentBytes: this.residentBytes(),
      modelLoads: [...this.stats_.modelLoads],
      modelProblems: [...this.stats_.modelProblems],
      faults: this.stats_.faults.map((fault) => ({ ...fault, reloaded: [...fault.reloaded] })),
      warnings: [...this.stats_.warnings],
    };
  }

  decisionRecord(): DecisionRecord {
    if (this.recorder === undefined) {
      throw new Error('Decision recording is off. Create the runtime with the option recordDecisions set to the number of decisions to keep.');
    }
    return this.recorder.snapshot();
  }

  async reprofile(): Promise<ProfileReport> {
    if (this.disposed) throw new Error('Runtime is disposed; reprofile() needs a running runtime. Create a new one.');
    this.reprofiling ??= this.reprofileNow().finally(() => {
      this.reprofiling = undefined;
    });
    return this.reprofiling;
  }

  /**
   * Measures every model again while holding the executor: `pump()` starts nothing while
   * `executing` is set, so queued requests wait, and once serving resumes the policy drops those
   * whose deadlines can no longer be met. The variants resident before are loaded again after.
   */
  private async reprofileNow(): Promise<ProfileReport> {
    // A failed batch has settled its requests itself; only its end matters here.
    while (this.executing) await this.batchDone.catch(() => undefined);
    this.executing = true;
    try {
      const wereResident = [...this.resident.keys()];
      for (const variantId of wereResident) {
        await this.inference.evict(variantId);
        this.resident.delete(variantId);
        this.emitVariantUpdate(ScheduleUpdateKind.Evict, variantId);
      }
      const profiles = await this.profileVariants(true, false);
      const sneakpeekProfiles = await this.profileSneakPeek(true);
      for (const variantId of wereResident) await this.loadVariant(this.variants.get(variantId)!, 'reprofile');
      this.progress({ stage: 'profile', fraction: 1, message: `measured ${profiles.length + sneakpeekProfiles.length} models again` });
      return { profiles, sneakpeekProfiles };
    } finally {
      this.executing = false;
      this.pump();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.waitTimer);
    this.drop([...this.open.keys()], DropReason.RuntimeDisposed, 'the runtime was disposed');
    for (const lane of this.lanes.values()) await lane.release().catch(() => undefined);
    // Writes the refinements since the last throttled write, so the next start begins from them.
    await this.profileBook?.close();
    this.host?.stop();
    this.store?.close();
  }

  // ---- start-up -------------------------------------------------------------------------------

  private async prepareApplication(application: ApplicationManifest): Promise<void> {
    const problem = (modelId: string, message: string): void => {
      this.stats_.modelProblems.push({ modelId, application: application.id, message });
      this.log.warnOnce(`model-unusable:${modelId}`, message);
    };

    // An application whose variants were all left out by the `variants` option is not served.
    const selected = application.variants.filter((entry) => this.config.variants?.includes(entry.id) ?? true);
    if (selected.length === 0) return;

    const sneakpeek = application.sneakpeek;
    let lane: SneakPeekLane;
    try {
      const bytes = await this.fetchModel(sneakpeek.id, sneakpeek.file, sneakpeek.sha256, sneakpeek.bytes);
      lane = await SneakPeekLane.create(
        {
          modelId: sneakpeek.id,
          inputName: application.input.name,
          outputName: sneakpeek.outputName,
          outputKind: sneakpeek.outputKind,
          temperature: sneakpeek.temperature,
          recordShape: application.input.shape.slice(1),
          maxBatch: 64,
        },
        bytes,
      );
    } catch (error) {
      problem(sneakpeek.id, `application "${application.id}" is unavailable: ${errorMessage(error)}`);
      return;
    }

    const served: ServedVariant[] = [];
    for (const entry of selected) {
      if (entry.footprint.bytes > this.config.memoryBudgetBytes) {
        problem(
          entry.id,
          `variant "${entry.id}" needs an estimated ${entry.footprint.bytes} bytes, more than the memory budget of ${this.config.memoryBudgetBytes}; raise memoryBudgetBytes to serve it`,
        );
        continue;
      }
      try {
        const bytes = await this.fetchModel(entry.id, entry.file, entry.sha256, entry.bytes);
        const accuracy = accuracyFromEntry(entry);
        // Load cost and latency are placeholders until start-up profiling measures them.
        const profile: VariantProfile = {
          id: entry.id,
          application: application.id,
          footprintBytes: entry.footprint.bytes,
          maxBatch: entry.maxBatch,
          loadMs: 0,
          latency: [{ batchSize: 1, ms: 1 }],
          recall: accuracy.recall,
          profiledAccuracy: accuracy.profiledAccuracy,
        };
        served.push({ entry, application, url: new URL(entry.file, this.config.manifestUrl).href, bytes, profile, planned: profile });
      } catch (error) {
        problem(entry.id, errorMessage(error));
      }
    }

    if (served.length === 0) {
      problem(application.id, `application "${application.id}" is unavailable: none of its variants could be loaded`);
      await lane.release();
      return;
    }
    this.applications.set(application.id, application);
    this.lanes.set(application.id, lane);
    for (const variant of served) this.variants.set(variant.entry.id, variant);
  }

  private async fetchModel(modelId: string, file: string, sha256: string, bytes: number): Promise<ArrayBuffer> {
    const url = new URL(file, this.config.manifestUrl).href;
    const loaded = await this.store!.load(
      { modelId, url, sha256, bytes },
      {
        onProgress: (fraction) => this.progress({ stage: 'download', modelId, fraction, message: `downloading ${modelId}` }),
        onWarning: (code, message) => this.warn(code, message, modelId),
      },
    );
    this.stats_.modelLoads.push({ modelId, source: loaded.source, bytes: loaded.bytes.byteLength });
    return loaded.bytes;
  }

  /**
   * Sets every variant's profile: read from the profile store when it holds one for this
   * environment (unless `force`), else measured and stored. Variants are measured one at a time
   * and evicted after, so profiling never keeps more than one of them loaded. `coldWorker` says
   * that no session has run in the inference worker yet.
   */
  private async profileVariants(force = this.config.profileMode === 'always', coldWorker = true): Promise<MeasuredProfile[]> {
    const book = this.profileBook!;
    const all = [...this.variants.values()];
    const stored = new Map<string, StoredProfile>();
    for (const variant of force ? [] : all) {
      const requirement = { batchSizes: profileBatchSizes(variant.entry.maxBatch), runs: this.config.profileRuns };
      const record = await book.read(ProfileRole.Variant, variant.entry.id, variant.entry.sha256, requirement);
      if (record !== undefined) stored.set(variant.entry.id, record);
    }

    // The first session of a worker also compiles onnxruntime-web's WASM module (and on WebGPU
    // its first kernels), which no later load pays: an untimed load keeps it out of the profile.
    const first = all.find((variant) => !stored.has(variant.entry.id));
    if (first !== undefined && coldWorker) {
      this.progress({ stage: 'profile', fraction: 0, message: `starting onnxruntime-web on ${this.provider}` });
      await measureVariant(this.inference, first.entry, first.application, first.bytes, 1);
      await this.inference.evict(first.entry.id);
    }

    const profiles: MeasuredProfile[] = [];
    for (const [index, variant] of all.entries()) {
      let record = stored.get(variant.entry.id);
      const source = record === undefined ? ProfileSource.Measured : ProfileSource.Stored;
      this.progress({
        stage: 'profile',
        modelId: variant.entry.id,
        fraction: index / all.length,
        message: `${record === undefined ? 'measuring' : 'using the stored profile of'} ${variant.entry.id} on ${this.provider}`,
      });
      if (record === undefined) {
        const measured = await measureVariant(this.inference, variant.entry, variant.application, variant.bytes, this.config.profileRuns);
        await this.inference.evict(variant.entry.id);
        record = await book.save(ProfileRole.Variant, variant.entry.id, variant.entry.sha256, this.config.profileRuns, measured);
      }
      const measurement = measurementOf(record, profileBatchSizes(variant.entry.maxBatch));
      setProfile(variant, createVariantProfile(variant.application.id, variant.entry, measurement));
      profiles.push(measuredProfile(record, source, variant.profile, this.provider));
    }
    return profiles;
  }

  /**
   * Times each SneakPeek lane at a few batch sizes, or reads the stored times unless `force`, so
   * simulations can charge its real cost.
   */
  private async profileSneakPeek(force = this.config.profileMode === 'always'): Promise<SneakPeekProfile[]> {
    const book = this.profileBook!;
    const batchSizes = PROFILED_BATCH_SIZES.filter((size) => size <= 64);
    const profiles: SneakPeekProfile[] = [];
    for (const [application, lane] of this.lanes) {
      const model = this.applications.get(application)!.sneakpeek;
      const requirement = { batchSizes, runs: this.config.profileRuns };
      let record = force ? undefined : await book.read(ProfileRole.SneakPeek, model.id, model.sha256, requirement);
      const source = record === undefined ? ProfileSource.Measured : ProfileSource.Stored;
      if (record === undefined) {
        this.progress({ stage: 'profile', modelId: model.id, message: `measuring SneakPeek model ${model.id} on wasm` });
        const samples = await lane.measure(batchSizes, this.config.profileRuns);
        record = await book.save(ProfileRole.SneakPeek, model.id, model.sha256, this.config.profileRuns, laneMeasurement(samples));
      }
      profiles.push(sneakPeekProfile(record, source, application));
    }
    return profiles;
  }

  /** Loads the variants of `preloadOrder`: each application's most accurate that fits, then others while they fit. */
  private async preload(): Promise<void> {
    const order = preloadOrder(
      [...this.variants.values()].map((variant) => variant.profile),
      this.config.memoryBudgetBytes,
    );
    for (const variantId of order) await this.loadVariant(this.variants.get(variantId)!, 'preload');
  }

  /** Loads a variant; `timeoutMs` defaults to the watchdog time of its profiled load cost. */
  private async loadVariant(variant: ServedVariant, cause: LoadCause, timeoutMs = this.callTimeoutMs(variant.profile.loadMs)): Promise<void> {
    const startedAt = now();
    await this.host!.call(`load of "${variant.entry.id}"`, timeoutMs, (api) => api.load(loadMessage(variant.entry, variant.application, variant.bytes)));
    const finishedAt = now();
    this.resident.set(variant.entry.id, finishedAt);
    this.stats_.peakResidentBytes = Math.max(this.stats_.peakResidentBytes, this.residentBytes());
    this.emit({
      ...this.snapshot(),
      kind: ScheduleUpdateKind.Load,
      variantId: variant.entry.id,
      application: variant.application.id,
      cause,
      startedAt,
      finishedAt,
      footprintBytes: variant.profile.footprintBytes,
    });
  }

  /**
   * Returns the inference worker's calls with the watchdog of calls whose duration is not
   * profiled yet, for start-up and profiling.
   */
  private get inference(): Comlink.Remote<InferenceApi> {
    return this.host!.guarded(Math.max(UNPROFILED_CALL_TIMEOUT_MS, this.config.inferenceTimeoutMs));
  }

  /** Watchdog time of a call expected to take `expectedMs`, or of an unprofiled call when `expectedMs` is 0. */
  private callTimeoutMs(expectedMs: number): number {
    if (!(expectedMs > 0)) return Math.max(UNPROFILED_CALL_TIMEOUT_MS, this.config.inferenceTimeoutMs);
    return watchdogTimeoutMs(expectedMs, this.config.inferenceTimeoutMs);
  }

  private residentBytes(): number {
    let bytes = 0;
    for (const id of this.resident.keys()) bytes += this.variants.get(id)?.profile.footprintBytes ?? 0;
    return bytes;
  }

  // ---- requests -------------------------------------------------------------------------------

  private enqueue(message: SubmitMessage, posterior: readonly number[]): void {
    const open = this.open.get(message.id);
    if (open === undefined) return;

    const profiles = [...this.variants.values()].filter((variant) => variant.application.id === message.application).map((variant) => variant.profile);
    // Baselines plan with profiled accuracy; the posterior still reaches the outcome for display.
    const estimates = this.policy.estimator === EstimatorKind.Profiled ? profiledEstimates(profiles) : posteriorEstimates(posterior, profiles);
    open.posterior = posterior;
    open.queuedAt = now();
    open.queued = {
      id: message.id,
      application: message.application,
      arrival: message.arrival,
      deadline: message.deadline,
      weight: message.weight,
      estimates,
    };
    this.queue.push(open.queued);
    this.traffic.observe(message.application, message.arrival, message.deadline, message.weight);
    this.schedulePump();
  }

  /** Runs `pump()` at the end of the task, so requests estimated together are decided together. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Asks the policy what to do next, unless a batch or a fault recovery is running. */
  private pump(): void {
    if (this.executing || this.disposed || this.queue.length === 0) return;
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;

    const decisionTime = now();
    const state: SchedulerState = {
      now: decisionTime,
      queue: this.queue,
      variants: [...this.variants.values()].map((variant) => variant.planned),
      resident: this.resident,
      lastVariant: this.lastVariant,
      swapCredit: this.swapCredit,
      traffic: this.traffic.snapshot(decisionTime),
    };
    const decision = this.policy.decide(state, this.policy.options);
    this.recorder?.add(state, decision);
    const loaded = decision.action.kind === 'run' && decision.action.load ? decision.action.variantId : undefined;
    this.swapCredit = accumulateSwapCredit(this.swapCredit, decision.swapGains, loaded);

    for (const reason of new Set(decision.drops.map((drop) => drop.reason))) {
      const ids = decision.drops.filter((drop) => drop.reason === reason).map((drop) => drop.requestId);
      this.drop(ids, reason, 'no variant can finish it by its deadline, load included');
    }
    for (const [id, priority] of decision.priorities) {
      const open = this.open.get(id);
      if (open !== undefined) open.priority = priority;
    }

    const action = decision.action;
    switch (action.kind) {
      case 'run':
        this.batchDone = this.execute(action);
        return;
      case 'wait':
        this.waitTimer = setTimeout(() => this.pump(), Math.max(0, action.until - decisionTime));
        return;
      case 'idle':
        return;
      default: {
        const unknown: never = action;
        throw new TypeError(`Unknown policy action ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async execute(action: RunAction): Promise<void> {
    this.executing = true;
    const members = this.takeFromQueue(action.requestIds);
    this.inFlight = members.length;
    const variant = this.variants.get(action.variantId)!;
    const batchId = ++this.batchCounter;
    let runStarted: number | undefined;
    const batchUpdate = (status: BatchUpdate['status'], finishedAt: number, deadlinesMet: number): void =>
      this.emit({
        ...this.snapshot(),
        kind: ScheduleUpdateKind.Batch,
        batchId,
        application: action.application,
        variantId: action.variantId,
        size: members.length,
        runSize: paddedBatchSize(members.length, variant.entry.maxBatch),
        startedAt: runStarted ?? finishedAt,
        finishedAt,
        status,
        requests: members.map((member) => ({
          id: member.message.id,
          deadline: member.message.deadline,
          estimatedAccuracy: member.queued?.estimates[action.variantId] ?? 0,
        })),
        deadlinesMet,
      });

    try {
      const swapStarted = now();
      for (const evicted of action.evict) {
        await this.host!.call(`evict of "${evicted}"`, this.config.inferenceTimeoutMs, (api) => api.evict(evicted));
        this.resident.delete(evicted);
        this.stats_.evictions++;
        this.emitVariantUpdate(ScheduleUpdateKind.Evict, evicted);
      }
      if (action.load) {
        await this.loadVariant(variant, 'swap');
        this.stats_.swaps++;
        // The start-up figure is one load in a quiet worker. Swaps under load take longer, so the
        // load cost follows the observed swaps, evictions included.
        const observed = now() - swapStarted;
        const loadMs = (1 - LOAD_REFINEMENT_WEIGHT) * variant.profile.loadMs + LOAD_REFINEMENT_WEIGHT * observed;
        setProfile(variant, { ...variant.profile, loadMs });
      }

      // Pad to the next warmed batch size: on WebGPU the first run of a new input shape compiles
      // kernels, and a padded run costs what the profile measured at that size.
      const runSize = paddedBatchSize(members.length, variant.entry.maxBatch);
      const recordSize = members[0]!.message.input.length;
      const input = new Float32Array(runSize * recordSize);
      members.forEach((member, index) => input.set(member.message.input, index * recordSize));
      runStarted = now();
      const running = this.host!.call(`run of a batch of ${runSize} on "${action.variantId}"`, this.callTimeoutMs(latencyMs(variant.planned.latency, runSize)), (api) =>
        api.run(action.variantId, Comlink.transfer(input, [input.buffer]), runSize),
      );
      if (this.terminateDuringBatches > 0) {
        this.terminateDuringBatches--;
        this.host!.terminateSilently();
      }
      const result = await running;
      const finishedAt = now();
      setProfile(variant, { ...variant.profile, latency: refineLatency(variant.profile.latency, runSize, finishedAt - runStarted) });
      this.profileBook?.refine(variant.entry.id, this.provider, variant.profile, { batchSize: runSize, load: action.load });

      // One output row per record sent, or the whole batch fails with one error.
      if (result.output.length !== runSize * result.classCount || result.classCount !== variant.application.classes.length) {
        throw new RangeError(
          `"${action.variantId}" returned ${result.output.length} values for ${runSize} records of ${variant.application.classes.length} classes`,
        );
      }

      this.resident.set(action.variantId, finishedAt);
      this.lastVariant.set(action.application, action.variantId);
      this.stats_.batches++;
      this.stats_.batchedRequests += members.length;
      this.inFlight = 0;
      const deadlinesMet = members.filter((member) => finishedAt <= member.message.deadline).length;
      batchUpdate('completed', finishedAt, deadlinesMet);
      this.policy.observe?.({
        variantId: action.variantId,
        application: action.application,
        size: members.length,
        start: runStarted,
        finish: finishedAt,
        late: members.length - deadlinesMet,
      });
      members.forEach((member, index) => {
        const scores = Array.from(result.output.subarray(index * result.classCount, (index + 1) * result.classCount));
        const classIndex = argmax(scores);
        this.settle(member.message.id, {
          status: OutcomeStatus.Completed,
          requestId: member.message.id,
          application: member.message.application,
          variantId: action.variantId,
          classIndex,
          label: variant.application.classes[classIndex] ?? String(classIndex),
          scores,
          arrival: member.message.arrival,
          receivedAt: member.receivedAt,
          queuedAt: member.queuedAt!,
          deadline: member.message.deadline,
          finishedAt,
          deadlineMet: finishedAt <= member.message.deadline,
          batchId,
          batchSize: members.length,
          estimatedAccuracy: member.queued!.estimates[action.variantId] ?? 0,
          estimates: { ...member.queued!.estimates },
          posterior: [...(member.posterior ?? [])],
          priority: member.priority,
          provider: this.provider,
        });
      });
    } catch (error) {
      this.inFlight = 0;
      batchUpdate('failed', now(), 0);
      const fault = faultKindOf(error);
      if (fault !== undefined) {
        await this.recover(fault, members, action.variantId, error);
      } else {
        this.log.error(`batch ${batchId} on "${action.variantId}" failed`, error);
        this.drop(
          members.map((member) => member.message.id),
          DropReason.InferenceFailed,
          errorMessage(error),
        );
      }
    } finally {
      this.inFlight = 0;
      this.executing = false;
      this.pump();
    }
  }

  private takeFromQueue(ids: readonly string[]): OpenRequest[] {
    const wanted = new Set(ids);
    this.queue = this.queue.filter((request) => !wanted.has(request.id));
    const members = ids.map((id) => this.open.get(id)!);
    for (const member of members) member.dispatches++;
    return members;
  }

  /** Settles open requests as dropped, removing them from the queue in one pass. */
  private drop(requestIds: readonly string[], reason: DropReason, detail: string): void {
    const dropped = new Set(requestIds);
    this.queue = this.queue.filter((request) => !dropped.has(request.id));
    const droppedAt = now();
    const settled: string[] = [];
    for (const requestId of requestIds) {
      const open = this.open.get(requestId);
      if (open === undefined) continue;
      settled.push(requestId);
      this.settle(requestId, {
        status: OutcomeStatus.Dropped,
        requestId,
        application: open.message.application,
        reason,
        detail,
        arrival: open.message.arrival,
        receivedAt: open.receivedAt,
        ...(open.queuedAt === undefined ? {} : { queuedAt: open.queuedAt }),
        deadline: open.message.deadline,
        droppedAt,
      });
    }
    if (settled.length > 0) this.emit({ ...this.snapshot(), kind: ScheduleUpdateKind.Drop, reason, requestIds: settled });
  }

  /** Records the one outcome of an open request and hands it to the client. */
  private settle(requestId: string, outcome: Outcome): void {
    if (!this.open.delete(requestId)) return;
    if (outcome.status === OutcomeStatus.Completed) {
      this.stats_.completed++;
      if (outcome.deadlineMet) this.stats_.deadlineMet++;
      this.stats_.servedByVariant[outcome.variantId] = (this.stats_.servedByVariant[outcome.variantId] ?? 0) + 1;
    } else {
      this.stats_.dropped[outcome.reason]++;
    }
    this.outbox.push(outcome);
    this.scheduleFlush();
  }

  /** Queues a schedule update for the client; updates of one task travel together. */
  private emit(update: ScheduleUpdate): void {
    this.updates.push(update);
    this.scheduleFlush();
  }

  private emitVariantUpdate(kind: typeof ScheduleUpdateKind.Evict, variantId: string): void {
    const variant = this.variants.get(variantId);
    this.emit({ ...this.snapshot(), kind, variantId, application: variant?.application.id ?? '', footprintBytes: variant?.profile.footprintBytes ?? 0 });
  }

  private snapshot(): ScheduleSnapshot {
    return {
      at: now(),
      queued: this.queue.length,
      open: this.open.size,
      resident: [...this.resident.keys()],
      residentBytes: this.residentBytes(),
      memoryBudgetBytes: this.config.memoryBudgetBytes,
    };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Sends the task's schedule updates, then its outcomes, so a view draws a batch before its outcomes. */
  private flush(): void {
    this.flushScheduled = false;
    const updates = this.updates;
    const outcomes = this.outbox;
    this.updates = [];
    this.outbox = [];
    void Promise.resolve(this.listener.onSettled(updates, outcomes)).catch((error: unknown) =>
      this.log.error(`delivering ${updates.length} schedule updates and ${outcomes.length} outcomes to the page failed`, error),
    );
  }

  private progress(progress: Parameters<SchedulerListener['onProgress']>[0]): void {
    // Progress is informational; a page that stopped listening must not break start-up.
    void Promise.resolve(this.listener.onProgress(progress)).catch(() => undefined);
  }

  /** Records a warning in the stats (at most `MAX_WARNINGS`) and logs it once per code. */
  private warn(code: string, message: string, modelId?: string): void {
    this.log.warnOnce(code, message);
    this.stats_.warnings.push(modelId === undefined ? { code, message } : { code, modelId, message });
    if (this.stats_.warnings.length > MAX_WARNINGS) this.stats_.warnings.shift();
  }

  // ---- faults ---------------------------------------------------------------------------------

  async injectFault(injection: FaultInjection): Promise<void> {
    if (this.disposed || this.host === undefined) throw new Error('Runtime is disposed or not started; inject faults into a running runtime.');
    const batches = injection.batches ?? 0;
    if (!Number.isInteger(batches) || batches < 0) {
      throw new RangeError(`Fault injection batches is ${String(batches)}; pass 0 to inject at once or a whole number of batches.`);
    }
    if (injection.fault !== InjectedFault.TerminateWorker) {
      await this.host.call(`injection of "${injection.fault}"`, this.config.inferenceTimeoutMs, (api) => api.injectFault(injection));
    } else if (batches === 0) {
      this.host.terminateSilently();
    } else {
      this.terminateDuringBatches = batches;
    }
  }

  /** Recovers from an inference worker lost while no batch was running (an uncaught error). */
  private onWorkerLost(error: Error): void {
    // A running batch or recovery gets the loss as the error of its own call, and recovers there.
    if (this.disposed || this.executing) return;
    this.executing = true;
    this.batchDone = this.recover(FaultKind.WorkerLost, [], undefined, error).finally(() => {
      this.executing = false;
      this.pump();
    });
  }

  /**
   * Recovers from a fault that lost the batch of `members` on `variantId` (none when the worker
   * was lost while idle). The caller holds the executor (`executing`) until it resolves.
   *   1. The lost members go back in the queue once, or are dropped (`planRetry`).
   *   2. A new inference worker replaces the lost one, with the resident set loaded again
   *      (`restartInferenceWorker`, which falls back to WASM after a lost WebGPU device).
   *   3. The fault is added to the stats and reported to the client.
   * If step 2 fails, every open request is dropped and the runtime accepts no more.
   */
  private async recover(kind: FaultKind, members: readonly OpenRequest[], variantId: string | undefined, cause: unknown): Promise<void> {
    // dispose() stops the worker, which fails the batch in flight; its requests are settled already.
    if (this.disposed) return;
    const detectedAt = now();
    const detail = errorMessage(cause);
    const providerBefore = this.provider;
    const reason = kind === FaultKind.DeviceLost ? DropReason.DeviceLost : DropReason.WorkerLost;
    this.log.warnOnce(`fault-${kind}`, `${detail}; recovering`);

    // 1. The lost batch.
    const plan = planRetry(
      members.map((member) => ({ id: member.message.id, deadline: member.message.deadline, dispatches: member.dispatches })),
      detectedAt,
    );
    this.drop(plan.expired, reason, `its batch was lost (${detail}) and its deadline passed before it could run again`);
    this.drop(plan.exhausted, reason, `its batch was lost a second time (${detail})`);
    for (const id of plan.requeue) this.queue.push(this.open.get(id)!.queued!);
    this.stats_.requeued += plan.requeue.length;

    // 2. A new worker with the resident set loaded again.
    const wereResident = [...this.resident.keys()];
    this.resident.clear();
    // The lost worker took its sessions with it.
    for (const id of wereResident) this.emitVariantUpdate(ScheduleUpdateKind.Evict, id);
    let reloaded: string[] = [];
    let recoveryError: string | undefined;
    try {
      const context: RecoveryContext = {
        host: this.host!,
        config: this.config,
        variants: this.variants,
        log: this.log,
        inference: this.inference,
        startTimeoutMs: this.callTimeoutMs(0),
        // The first load in a new worker also compiles onnxruntime-web's WASM module, which the
        // profiled load cost leaves out, so these loads get the unprofiled watchdog time.
        loadVariant: (variant) => this.loadVariant(variant, 'recovery', this.callTimeoutMs(0)),
        markResident: (id) => this.resident.set(id, now()),
      };
      const restart = await restartInferenceWorker(context, kind, this.provider, this.profileBook, wereResident, variantId);
      this.stats_.workerRestarts++;
      if (restart.providerNote !== undefined) {
        this.providerNote = `${restart.providerNote}; fell back to ${restart.provider} after the WebGPU device was lost (${new Date(detectedAt).toISOString()}). Before: ${this.providerNote}`;
      }
      this.provider = restart.provider;
      this.profileBook = restart.profileBook;
      reloaded = restart.reloaded;
    } catch (error) {
      if (this.disposed) return;
      // NOTE: no test provokes a failed restart; it takes a worker that cannot start at all.
      recoveryError = errorMessage(error);
      this.failure = `${kind}: ${detail}; recovery failed: ${recoveryError}`;
      this.log.error(`recovery from ${kind} failed; dropping every open request`, error);
      this.drop([...this.open.keys()], reason, `the runtime could not recover from a fault (${this.failure})`);
    }
    if (this.disposed) return;

    // 3. The report.
    this.stats_.provider = this.provider;
    this.stats_.providerNote = this.providerNote;
    const report: FaultReport = {
      kind,
      detectedAt,
      detail,
      providerBefore,
      providerAfter: this.provider,
      requeued: plan.requeue.length,
      dropped: plan.expired.length + plan.exhausted.length,
      reloaded,
      recoveryMs: now() - detectedAt,
      recovered: recoveryError === undefined,
    };
    if (recoveryError !== undefined) report.recoveryError = recoveryError;
    this.stats_.faults.push(report);
    if (this.stats_.faults.length > MAX_FAULT_REPORTS) this.stats_.faults.shift();
    void Promise.resolve(this.listener.onFault(report)).catch((error: unknown) => this.log.error('delivering a fault report to the page failed', error));
  }
}

/** Throws when a selected variant id is not in the manifest, naming it and the ids that are. */
function checkVariantSelection(manifest: Manifest, selected: readonly string[] | undefined): void {
  if (selected === undefined) return;
  const known = manifest.applications.flatMap((application) => application.variants.map((variant) => variant.id));
  for (const id of selected) {
    if (!known.includes(id)) {
      throw new RangeError(`Option variants names "${id}", which the manifest does not contain; known variants: ${known.join(', ')}.`);
    }
  }
}

function emptyStats(): RuntimeStats {
  return {
    provider: 'none',
    providerNote: '',
    accepted: 0,
    completed: 0,
    deadlineMet: 0,
    dropped: {
      [DropReason.DeadlineInfeasible]: 0,
      [DropReason.InferenceFailed]: 0,
      [DropReason.RuntimeDisposed]: 0,
      [DropReason.DeviceLost]: 0,
      [DropReason.WorkerLost]: 0,
    },
    queued: 0,
    inFlight: 0,
    batches: 0,
    batchedRequests: 0,
    swaps: 0,
    evictions: 0,
    servedByVariant: {},
    resident: [],
    residentBytes: 0,
    memoryBudgetBytes: 0,
    modelLoads: [],
    modelProblems: [],
    open: 0,
    estimating: 0,
    requeued: 0,
    rejected: { queueFull: 0, invalid: 0 },
    maxQueuedRequests: 0,
    peakResidentBytes: 0,
    workerRestarts: 0,
    faults: [],
    warnings: [],
  };
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
