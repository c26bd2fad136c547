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
 *   so a second outcome for the same id is impossible.
 * - One batch runs at a time (`executing`); the policy is asked again when it ends.
 * - The resident set only changes through the policy's evictions and loads, so it stays within
 *   the memory budget the policy enforces.
 */
import * as Comlink from 'comlink';
import type { ApplicationManifest, Manifest, ModelEntry } from '../core/manifest.js';
import { DropReason, type QueuedRequest, type RunAction, type SchedulerState, type VariantProfile } from '../core/model.js';
import { decide } from '../core/policy.js';
import { resolvePolicyOptions, type ResolvedPolicyOptions } from '../core/policy-options.js';
import { accuracyFromEntry, posteriorEstimates } from '../core/estimators.js';
import { createVariantProfile } from '../core/variant-profile.js';
import { accumulateSwapCredit } from '../core/swap-credit.js';
import { TrafficTracker } from '../core/traffic.js';
import { preloadOrder } from '../core/residency.js';
import { DecisionRecorder, type DecisionRecord } from '../core/decision-record.js';
import { refineLatency } from '../core/latency-refinement.js';
import { PROFILED_BATCH_SIZES, paddedBatchSize, plannedProfile } from '../core/padding.js';
import { loadMessage } from './profiler.js';
import { Logger } from '../core/logger.js';
import type {
  InferenceApi,
  MeasuredProfile,
  Outcome,
  Provider,
  ReadyInfo,
  RuntimeStats,
  SchedulerApi,
  SchedulerConfig,
  SchedulerListener,
  SubmitMessage,
  SubmitResult,
  SneakPeekProfile,
} from '../protocol/messages.js';
import { OutcomeStatus } from '../protocol/messages.js';
import { ModelStore } from '../store/model-store.js';
import { fetchManifest, checkManifest } from './manifest-loader.js';
import { SneakPeekLane } from './sneakpeek-lane.js';
import { measureVariant } from './profiler.js';
import { validateSubmission } from './validation.js';

/** Weight of one observed swap in the running mean of a variant's load cost; swaps are rare, so it is high. */
const LOAD_REFINEMENT_WEIGHT = 0.5;

/** The shared epoch clock of every thread, in milliseconds. */
export const now = (): number => performance.timeOrigin + performance.now();

interface ServedVariant {
  entry: ModelEntry;
  application: ApplicationManifest;
  url: string;
  bytes: ArrayBuffer;
  /** Measured profile, refined at the profiled batch sizes; change it only through `setProfile`. */
  profile: VariantProfile;
  /** The profile the policy plans with (`plannedProfile` of `profile`), kept off the decision path. */
  planned: VariantProfile;
}

interface OpenRequest {
  message: SubmitMessage;
  posterior?: readonly number[];
  /** Set once the SneakPeek estimate is in and the request is queued. */
  queued?: QueuedRequest;
  priority: number;
}

export class Scheduler implements SchedulerApi {
  private readonly log = new Logger('scheduler');
  private config!: SchedulerConfig;
  private options!: ResolvedPolicyOptions;
  private listener!: SchedulerListener;
  private inference!: Comlink.Remote<InferenceApi>;
  private worker: Worker | undefined;
  private store: ModelStore | undefined;
  private provider: Provider = 'wasm';
  private providerNote = '';

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
  private pumpScheduled = false;
  private disposed = false;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Outcomes settled in the current task, sent to the client together at its end. */
  private outbox: Outcome[] = [];
  private batchCounter = 0;
  private readonly stats_: RuntimeStats = emptyStats();

  async start(config: SchedulerConfig, listener: SchedulerListener): Promise<ReadyInfo> {
    this.config = config;
    this.listener = listener;
    this.options = resolvePolicyOptions({
      memoryBudgetBytes: config.memoryBudgetBytes,
      swapMargin: config.swapMargin,
      maxQueueDelayMs: config.maxQueueDelayMs,
      advantageCandidates: config.advantageCandidates,
      // The sizes start-up profiling measures. Any other size would run padded to the next of
      // them at the same cost, so planning only these loses nothing and keeps decisions cheap.
      batchSizes: PROFILED_BATCH_SIZES,
    });
    this.stats_.memoryBudgetBytes = config.memoryBudgetBytes;
    if (config.decisionRecordLimit > 0) this.recorder = new DecisionRecorder(config.decisionRecordLimit, this.options);

    // 1. Manifest.
    this.progress({ stage: 'manifest', message: `reading ${config.manifestUrl}` });
    const manifest = config.manifest ?? (await fetchManifest(config.manifestUrl));
    if (config.manifest !== undefined) checkManifest(manifest, 'passed in the options');

    // 2. Inference worker and provider.
    this.worker = new Worker(new URL('../inference/worker.ts', import.meta.url), { type: 'module', name: 'inference' });
    this.inference = Comlink.wrap<InferenceApi>(this.worker);
    const providerInfo = await this.inference.init(config.providerPreference, config.ortWasmBase);
    this.provider = providerInfo.provider;
    this.providerNote = providerInfo.note;
    this.progress({ stage: 'provider', message: `${providerInfo.provider}: ${providerInfo.note}` });

    // 3 and 4. Models through the store, SneakPeek sessions.
    checkVariantSelection(manifest, config.variants);
    this.store = await ModelStore.open(config.storeName);
    for (const application of manifest.applications) await this.prepareApplication(application);
    if (this.applications.size === 0) {
      const problems = this.stats_.modelProblems.map((problem) => `${problem.modelId}: ${problem.message}`);
      throw new Error(`No application can be served. ${problems.join('; ') || 'The manifest selects no variant.'}`);
    }

    // 5 and 6. Profiles and preloading.
    const profiles = await this.profileVariants();
    await this.preload();
    this.stats_.provider = this.provider;
    this.stats_.providerNote = this.providerNote;
    this.progress({ stage: 'ready', fraction: 1, message: `ready on ${this.provider}` });

    return {
      provider: this.provider,
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
      sneakpeekProfiles: await this.profileSneakPeek(),
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
        return { accepted: false, errorName: known.name, message: known.message };
      }
    });
  }

  /** Accepts one request, or throws an error that names the invalid field. */
  private submit(message: SubmitMessage): void {
    if (this.disposed) throw new Error(`Runtime is disposed; request "${message.id}" was not accepted. Create a new runtime.`);
    const application = this.applications.get(message.application);
    // The deadline is checked against the arrival time the client stamped: a deadline that passes
    // while the message is in transit is the policy's to drop with an outcome, not a rejection.
    validateSubmission(message, application, [...this.applications.keys()], this.open.has(message.id), message.arrival);

    const lane = this.lanes.get(message.application)!;
    this.open.set(message.id, { message, priority: 0 });
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
      queued: this.queue.length,
      inFlight: this.open.size - this.queue.length,
      resident: [...this.resident.keys()],
      residentBytes: [...this.resident.keys()].reduce((sum, id) => sum + (this.variants.get(id)?.profile.footprintBytes ?? 0), 0),
      modelLoads: [...this.stats_.modelLoads],
      modelProblems: [...this.stats_.modelProblems],
    };
  }

  decisionRecord(): DecisionRecord {
    if (this.recorder === undefined) {
      throw new Error('Decision recording is off. Create the runtime with the option recordDecisions set to the number of decisions to keep.');
    }
    return this.recorder.snapshot();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.waitTimer);
    this.drop([...this.open.keys()], DropReason.RuntimeDisposed, 'the runtime was disposed');
    for (const lane of this.lanes.values()) await lane.release().catch(() => undefined);
    this.worker?.terminate();
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
        onWarning: (code, message) => this.log.warnOnce(code, message),
      },
    );
    this.stats_.modelLoads.push({ modelId, source: loaded.source, bytes: loaded.bytes.byteLength });
    return loaded.bytes;
  }

  /** Measures every variant one at a time, so profiling never keeps more than one of them loaded. */
  private async profileVariants(): Promise<MeasuredProfile[]> {
    const profiles: MeasuredProfile[] = [];
    const all = [...this.variants.values()];

    // The first session of a worker also compiles onnxruntime-web's WASM module (and on WebGPU
    // its first kernels), which no later load pays: an untimed load keeps it out of the profile.
    const first = all[0];
    if (first !== undefined) {
      this.progress({ stage: 'profile', fraction: 0, message: `starting onnxruntime-web on ${this.provider}` });
      await measureVariant(this.inference, first.entry, first.application, first.bytes, 1);
      await this.inference.evict(first.entry.id);
    }

    for (const [index, variant] of all.entries()) {
      this.progress({
        stage: 'profile',
        modelId: variant.entry.id,
        fraction: index / all.length,
        message: `measuring ${variant.entry.id} on ${this.provider}`,
      });
      const measured = await measureVariant(this.inference, variant.entry, variant.application, variant.bytes, this.config.profileRuns);
      await this.inference.evict(variant.entry.id);
      setProfile(variant, createVariantProfile(variant.application.id, variant.entry, measured));
      profiles.push({
        variantId: variant.entry.id,
        application: variant.application.id,
        provider: this.provider,
        loadMs: measured.loadMs,
        latency: measured.latency,
        samples: measured.samples,
        footprintBytes: variant.profile.footprintBytes,
        maxBatch: variant.profile.maxBatch,
        profiledAccuracy: variant.profile.profiledAccuracy,
      });
    }
    return profiles;
  }

  /** Times each SneakPeek lane at a few batch sizes, so simulations can charge its real cost. */
  private async profileSneakPeek(): Promise<SneakPeekProfile[]> {
    const profiles: SneakPeekProfile[] = [];
    for (const [application, lane] of this.lanes) {
      const samples = await lane.measure(PROFILED_BATCH_SIZES.filter((size) => size <= 64), this.config.profileRuns);
      profiles.push({ modelId: this.applications.get(application)!.sneakpeek.id, application, samples });
    }
    return profiles;
  }

  /** Loads the variants of `preloadOrder`: each application's most accurate that fits, then others while they fit. */
  private async preload(): Promise<void> {
    const order = preloadOrder(
      [...this.variants.values()].map((variant) => variant.profile),
      this.config.memoryBudgetBytes,
    );
    for (const variantId of order) await this.loadVariant(this.variants.get(variantId)!);
  }

  private async loadVariant(variant: ServedVariant): Promise<void> {
    await this.inference.load(loadMessage(variant.entry, variant.application, variant.bytes));
    this.resident.set(variant.entry.id, now());
  }

  // ---- requests -------------------------------------------------------------------------------

  private enqueue(message: SubmitMessage, posterior: readonly number[]): void {
    const open = this.open.get(message.id);
    if (open === undefined) return;

    const profiles = [...this.variants.values()].filter((variant) => variant.application.id === message.application).map((variant) => variant.profile);
    const estimates = posteriorEstimates(posterior, profiles);
    open.posterior = posterior;
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

  /** Asks the policy what to do next, unless a batch is running. */
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
    const decision = decide(state, this.options);
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
        void this.execute(action);
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
    const variant = this.variants.get(action.variantId)!;
    const batchId = ++this.batchCounter;

    try {
      const swapStarted = now();
      for (const evicted of action.evict) {
        await this.inference.evict(evicted);
        this.resident.delete(evicted);
        this.stats_.evictions++;
      }
      if (action.load) {
        await this.loadVariant(variant);
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
      const runStarted = now();
      const result = await this.inference.run(action.variantId, Comlink.transfer(input, [input.buffer]), runSize);
      const finishedAt = now();
      setProfile(variant, { ...variant.profile, latency: refineLatency(variant.profile.latency, runSize, finishedAt - runStarted) });

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
      this.log.error(`batch ${batchId} on "${action.variantId}" failed`, error);
      this.drop(
        members.map((member) => member.message.id),
        DropReason.InferenceFailed,
        errorMessage(error),
      );
    } finally {
      this.executing = false;
      this.pump();
    }
  }

  private takeFromQueue(ids: readonly string[]): OpenRequest[] {
    const wanted = new Set(ids);
    this.queue = this.queue.filter((request) => !wanted.has(request.id));
    return ids.map((id) => this.open.get(id)!);
  }

  /** Settles open requests as dropped, removing them from the queue in one pass. */
  private drop(requestIds: readonly string[], reason: DropReason, detail: string): void {
    const dropped = new Set(requestIds);
    this.queue = this.queue.filter((request) => !dropped.has(request.id));
    const droppedAt = now();
    for (const requestId of requestIds) {
      const open = this.open.get(requestId);
      if (open === undefined) continue;
      this.settle(requestId, {
        status: OutcomeStatus.Dropped,
        requestId,
        application: open.message.application,
        reason,
        detail,
        arrival: open.message.arrival,
        deadline: open.message.deadline,
        droppedAt,
      });
    }
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
    if (this.outbox.length === 1) queueMicrotask(() => this.flushOutcomes());
  }

  private flushOutcomes(): void {
    const outcomes = this.outbox;
    this.outbox = [];
    void Promise.resolve(this.listener.onOutcomes(outcomes)).catch((error: unknown) =>
      this.log.error(`delivering ${outcomes.length} outcomes to the page failed`, error),
    );
  }

  private progress(progress: Parameters<SchedulerListener['onProgress']>[0]): void {
    // Progress is informational; a page that stopped listening must not break start-up.
    void Promise.resolve(this.listener.onProgress(progress)).catch(() => undefined);
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
    dropped: { [DropReason.DeadlineInfeasible]: 0, [DropReason.InferenceFailed]: 0, [DropReason.RuntimeDisposed]: 0 },
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
  };
}

/** Stores a variant's measured profile and the planning profile derived from it. */
function setProfile(variant: ServedVariant, profile: VariantProfile): void {
  variant.profile = profile;
  variant.planned = plannedProfile(profile);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
