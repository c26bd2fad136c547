/**
 * Everything that crosses a thread: the records the main thread, the scheduler worker and the
 * inference worker exchange through Comlink, and the worker APIs themselves.
 *
 * Every value here survives the structured-clone algorithm: no classes, no functions (except the
 * Comlink-proxied listener), no Maps.
 */
import type { PolicyName } from '../core/baselines/catalog.js';
import type { DecisionRecord } from '../core/decision-record.js';
import type { DropReason, LatencyPoint } from '../core/model.js';
import type { Manifest } from '../core/manifest.js';
import type { AdapterFacts, ProfileSource } from '../core/stored-profile.js';

/** Execution provider of onnxruntime-web that serves a session. */
export const Provider = {
  WebGpu: 'webgpu',
  Wasm: 'wasm',
} as const;
export type Provider = (typeof Provider)[keyof typeof Provider];

/** Provider the runtime tries first; `'auto'` means WebGPU when an adapter exists. */
export type ProviderPreference = 'auto' | Provider;

/**
 * When the runtime measures at start: `'auto'` measures only models without a usable stored
 * profile for this device, browser and onnxruntime-web version; `'always'` measures every model.
 */
export type ProfileMode = 'auto' | 'always';

/** Options of the scheduler worker after the client resolved them. */
export interface SchedulerConfig {
  /** Absolute URL of `manifest.json`; model and data paths are resolved against it. */
  manifestUrl: string;
  /** The manifest itself, when the caller supplies it instead of a URL to fetch. */
  manifest?: Manifest;
  memoryBudgetBytes: number;
  providerPreference: ProviderPreference;
  /** Base URL of onnxruntime-web's `.wasm` and `.mjs` files, or undefined for the bundled ones. */
  ortWasmBase?: string;
  swapMargin: number;
  maxQueueDelayMs: number;
  /** Whether the policy also forms candidates by estimated advantage (`advantageCandidates`). */
  advantageCandidates: boolean;
  /** Scheduling policy, one of `LIVE_POLICY_NAMES`. */
  policy: PolicyName;
  /** Warm runs per batch size when measuring latency profiles at start. */
  profileRuns: number;
  /** Whether start-up uses stored profiles (`'auto'`) or measures every model (`'always'`). */
  profileMode: ProfileMode;
  /** Variant ids to serve; undefined serves every variant in the manifest. */
  variants?: string[];
  /** Name of the IndexedDB database holding model bytes. */
  storeName: string;
  /** Policy decisions to keep for `decisionRecord()`, most recent last; 0 keeps none. */
  decisionRecordLimit: number;
  /** Most accepted requests without an outcome; submissions beyond it are rejected. */
  maxQueuedRequests: number;
  /** Minimum time the watchdog waits for a call to the inference worker, in milliseconds. */
  inferenceTimeoutMs: number;
}

/** A request as the client sends it to the scheduler, already validated for shape. */
export interface SubmitMessage {
  id: string;
  application: string;
  /** Preprocessed input tensor data for one record, without the batch axis. */
  input: Float32Array;
  /** Arrival time on the shared epoch clock (`performance.timeOrigin + performance.now()`). */
  arrival: number;
  /** Absolute deadline on the same clock. */
  deadline: number;
  weight: number;
}

export const OutcomeStatus = {
  Completed: 'completed',
  Dropped: 'dropped',
} as const;
export type OutcomeStatus = (typeof OutcomeStatus)[keyof typeof OutcomeStatus];

export interface CompletedOutcome {
  status: typeof OutcomeStatus.Completed;
  requestId: string;
  application: string;
  variantId: string;
  /** Predicted class index and its name. */
  classIndex: number;
  label: string;
  /** Class scores as the model returned them (logits or probabilities, per the manifest). */
  scores: number[];
  arrival: number;
  /** When the scheduler worker received the request; minus `arrival`, the time in transit from the page. */
  receivedAt: number;
  /** When the SneakPeek estimate was in and the request joined the scheduler's queue. */
  queuedAt: number;
  deadline: number;
  finishedAt: number;
  deadlineMet: boolean;
  batchId: number;
  batchSize: number;
  /** The scheduler's estimate `Â_m(q)` for the variant that served the request. */
  estimatedAccuracy: number;
  /** Estimated accuracy of every served variant of the application for this input. */
  estimates: Record<string, number>;
  /** The SneakPeek model's calibrated class posterior for this input. */
  posterior: number[];
  /** Priority of the request at the decision that dispatched it. */
  priority: number;
  provider: Provider;
}

export interface DroppedOutcome {
  status: typeof OutcomeStatus.Dropped;
  requestId: string;
  application: string;
  reason: DropReason;
  /** Human-readable detail, for example the error of a failed batch. */
  detail: string;
  arrival: number;
  /** When the scheduler worker received the request. */
  receivedAt: number;
  /** When the request joined the scheduler's queue; undefined if it was dropped before. */
  queuedAt?: number;
  deadline: number;
  droppedAt: number;
}

export type Outcome = CompletedOutcome | DroppedOutcome;

/** Measured cost of one variant on the provider that serves it. */
export interface MeasuredProfile {
  variantId: string;
  application: string;
  provider: Provider;
  /** Session creation plus warm-up, in milliseconds. */
  loadMs: number;
  latency: LatencyPoint[];
  /** Every timed run at start: batch size (as a decimal string) mapped to its times in milliseconds. */
  samples: Record<string, number[]>;
  footprintBytes: number;
  maxBatch: number;
  profiledAccuracy: number;
  /** Whether this start (or `reprofile()`) measured the profile or read it from the profile store. */
  source: ProfileSource;
  /** Timed runs per batch size behind `samples`. */
  runs: number;
  /** Epoch milliseconds of the measurement behind `samples`. */
  measuredAt: number;
  /** Observed batches and swaps folded into `latency` and `loadMs` since the measurement. */
  refinements: number;
  /** Provider, device, browser and onnxruntime-web version the profile applies to. */
  environment: string;
}

/** Source of a model's bytes on its last load. */
export type ModelSource = 'network' | 'indexeddb';

export interface ModelLoadRecord {
  modelId: string;
  source: ModelSource;
  bytes: number;
}

/** A model the runtime could not use, and why. */
export interface ModelProblem {
  modelId: string;
  application: string;
  message: string;
}

/** Counters of the runtime, read as data by the views and the benchmarks instead of parsing logs. */
export interface RuntimeStats {
  provider: Provider | 'none';
  /** Reason for the provider choice, for example why WebGPU is not in use. */
  providerNote: string;
  accepted: number;
  completed: number;
  deadlineMet: number;
  dropped: Record<DropReason, number>;
  queued: number;
  inFlight: number;
  batches: number;
  batchedRequests: number;
  /** Variant loads caused by scheduling decisions (start-up profiling excluded). */
  swaps: number;
  evictions: number;
  /** Served requests per variant id. */
  servedByVariant: Record<string, number>;
  resident: string[];
  residentBytes: number;
  memoryBudgetBytes: number;
  modelLoads: ModelLoadRecord[];
  modelProblems: ModelProblem[];
  /** Requests without an outcome: `accepted − completed − Σ dropped`, read in the same instant. */
  open: number;
  /** Open requests whose SneakPeek estimate is still being computed. */
  estimating: number;
  /** Times a request lost with a batch to a fault was queued again. */
  requeued: number;
  /** Submissions the runtime did not accept, by cause. */
  rejected: RejectionCounts;
  /** The `maxQueuedRequests` bound on open requests. */
  maxQueuedRequests: number;
  /** Largest `residentBytes` since start, start-up profiling excluded. */
  peakResidentBytes: number;
  /** Inference workers started again after a crash, a hang or a lost WebGPU device. */
  workerRestarts: number;
  /** The most recent faults, oldest first (at most `MAX_FAULT_REPORTS`). */
  faults: FaultReport[];
  /** Warnings about the runtime's resources, such as a model that could not be cached, oldest first. */
  warnings: RuntimeWarning[];
}

/** Submissions rejected, by cause. */
export interface RejectionCounts {
  /** The runtime already held `maxQueuedRequests` open requests. */
  queueFull: number;
  /** The request was invalid (shape, values, deadline, weight, application or id). */
  invalid: number;
}

/** A warning with a stable code, for conditions the runtime works around. */
export interface RuntimeWarning {
  /** Stable code, for example `model-store-write-failed` or `stored-model-corrupt`. */
  code: string;
  modelId?: string;
  message: string;
}

/** Kinds of fault the runtime recovers from. */
export const FaultKind = {
  /** The WebGPU device of the inference worker was lost; the runtime continues on WASM. */
  DeviceLost: 'device-lost',
  /** The inference worker crashed or stopped responding; the runtime started a new one. */
  WorkerLost: 'worker-lost',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** Number of fault reports `RuntimeStats.faults` keeps. */
export const MAX_FAULT_REPORTS = 20;

/** One fault and what the runtime did about it. */
export interface FaultReport {
  kind: FaultKind;
  /** Epoch milliseconds at which the fault was detected. */
  detectedAt: number;
  /** Observed failure, for example the error of the lost batch. */
  detail: string;
  providerBefore: Provider;
  /** Provider serving after recovery. */
  providerAfter: Provider;
  /** Requests of the lost batch queued again. */
  requeued: number;
  /** Requests of the lost batch dropped: deadline passed, or already retried once. */
  dropped: number;
  /** Variants made resident again in the new inference worker. */
  reloaded: string[];
  /** Time from detection until serving resumed, in milliseconds. */
  recoveryMs: number;
  /** False when the runtime could not recover; it then drops every open request and accepts no more. */
  recovered: boolean;
  /** Error that made recovery fail, when it failed. */
  recoveryError?: string;
}

/**
 * Faults a test can inject into a running runtime to exercise its recovery. They break the
 * runtime on purpose: never use them outside tests.
 */
export const InjectedFault = {
  /** Destroys the inference worker's GPUDevice (`GPUDevice.destroy()`), as a driver reset would lose it. WebGPU only. */
  DestroyDevice: 'destroy-device',
  /** Terminates the inference worker from the scheduler worker, without telling the scheduler. */
  TerminateWorker: 'terminate-worker',
  /** Throws an uncaught error in the inference worker, as a crash inside onnxruntime-web would. */
  ThrowInWorker: 'throw-in-worker',
} as const;
export type InjectedFault = (typeof InjectedFault)[keyof typeof InjectedFault];

/** When and how often to inject a fault. */
export interface FaultInjection {
  fault: InjectedFault;
  /**
   * 0 injects the fault at once; n > 0 injects it once during each of the next n batches, right
   * after the batch is handed to the inference worker.
   * @default 0
   */
  batches?: number;
}

/** Progress of start-up, reported to the client as it happens. */
export interface StartupProgress {
  stage: 'manifest' | 'download' | 'provider' | 'profile' | 'ready';
  modelId?: string;
  /** Fraction done in [0, 1] for the stage, where known. */
  fraction?: number;
  message: string;
}

export interface ApplicationInfo {
  id: string;
  name: string;
  classes: string[];
  inputShape: number[];
  inputScale: number;
  defaultDeadlineMs: number;
  weight: number;
  variants: string[];
}

/** Measured cost of one SneakPeek model on the scheduler worker's WASM backend. */
export interface SneakPeekProfile {
  modelId: string;
  application: string;
  /** Batch size (as a decimal string) mapped to run times in milliseconds. */
  samples: Record<string, number[]>;
  /** Whether this start (or `reprofile()`) measured the model or read its profile from the profile store. */
  source: ProfileSource;
  /** Timed runs per batch size behind `samples`. */
  runs: number;
  /** Epoch milliseconds of the measurement. */
  measuredAt: number;
  /** Provider, device, browser and onnxruntime-web version the profile applies to. */
  environment: string;
}

/** The profiles `reprofile()` measured. */
export interface ProfileReport {
  profiles: MeasuredProfile[];
  sneakpeekProfiles: SneakPeekProfile[];
}

export interface ReadyInfo {
  provider: Provider;
  /** The scheduling policy the runtime runs. */
  policy: PolicyName;
  providerNote: string;
  applications: ApplicationInfo[];
  profiles: MeasuredProfile[];
  sneakpeekProfiles: SneakPeekProfile[];
  /** Resolved manifest URL, for fetching test data beside it. */
  manifestUrl: string;
}

/** Kinds of `ScheduleUpdate`: what the scheduler did, in the order it did it. */
export const ScheduleUpdateKind = {
  /** A batch ran (or failed) on a variant. */
  Batch: 'batch',
  /** A variant's session was created, at start-up, for a swap or after a fault. */
  Load: 'load',
  /** A variant's session was released to make room. */
  Evict: 'evict',
  /** Requests were dropped without running. */
  Drop: 'drop',
} as const;
export type ScheduleUpdateKind = (typeof ScheduleUpdateKind)[keyof typeof ScheduleUpdateKind];

/** Cause of a variant load. */
export type LoadCause = 'preload' | 'swap' | 'recovery' | 'reprofile';

/** State of the scheduler right after an update, so a view needs no extra `stats()` call. */
export interface ScheduleSnapshot {
  /** Runtime clock (epoch milliseconds) of the update. */
  at: number;
  /** Requests waiting in the queue with their estimates. */
  queued: number;
  /** Accepted requests without an outcome yet. */
  open: number;
  /** Variant ids resident after the update. */
  resident: string[];
  residentBytes: number;
  memoryBudgetBytes: number;
}

export interface BatchUpdate extends ScheduleSnapshot {
  kind: typeof ScheduleUpdateKind.Batch;
  batchId: number;
  application: string;
  variantId: string;
  /** Requests in the batch. */
  size: number;
  /** Records actually run: `size` padded to the next profiled batch size. */
  runSize: number;
  /** When the inference call started and ended (load and evictions not included). */
  startedAt: number;
  finishedAt: number;
  /** `completed`, or `failed` when a fault or an error ended the batch. */
  status: 'completed' | 'failed';
  /** Each request's id, absolute deadline and estimated accuracy on this variant, in batch order. */
  requests: { id: string; deadline: number; estimatedAccuracy: number }[];
  /** Requests of the batch that finished by their deadline (0 for a failed batch). */
  deadlinesMet: number;
}

export interface LoadUpdate extends ScheduleSnapshot {
  kind: typeof ScheduleUpdateKind.Load;
  variantId: string;
  application: string;
  cause: LoadCause;
  startedAt: number;
  finishedAt: number;
  /** The variant's estimated footprint, counted against the memory budget. */
  footprintBytes: number;
}

export interface EvictUpdate extends ScheduleSnapshot {
  kind: typeof ScheduleUpdateKind.Evict;
  variantId: string;
  application: string;
  footprintBytes: number;
}

export interface DropUpdate extends ScheduleSnapshot {
  kind: typeof ScheduleUpdateKind.Drop;
  reason: DropReason;
  requestIds: string[];
}

/** One thing the scheduler did; the runtime's `schedule` event carries it. */
export type ScheduleUpdate = BatchUpdate | LoadUpdate | EvictUpdate | DropUpdate;

/**
 * Callbacks the client hands to the scheduler worker (proxied by Comlink). Outcomes settled in
 * the same task (a whole batch, a set of drops) arrive in one call, so a message per request is
 * not the limit on throughput.
 */
export interface SchedulerListener {
  /**
   * Delivers the schedule updates and outcomes of one task in one message: each message to the
   * page costs a thread hop, and on two busy cores that hop took longer than the payload.
   */
  onSettled(updates: ScheduleUpdate[], outcomes: Outcome[]): void;
  onProgress(progress: StartupProgress): void;
  /** Called once per fault, after the runtime recovered from it or gave up. */
  onFault(report: FaultReport): void;
}

/** Whether the scheduler accepted one request of a `submitMany` call. */
export type SubmitResult = { accepted: true } | { accepted: false; errorName: string; message: string };

/** The scheduler worker's API. */
export interface SchedulerApi {
  start(config: SchedulerConfig, listener: SchedulerListener): Promise<ReadyInfo>;
  /**
   * Accepts or rejects each request, in order; the outcome of each accepted one arrives later
   * through the listener. Requests submitted in the same task travel in one call.
   */
  submitMany(requests: SubmitMessage[]): SubmitResult[];
  stats(): RuntimeStats;
  /** Returns the recorded decisions; throws when the config's `decisionRecordLimit` is 0. */
  decisionRecord(): DecisionRecord;
  /** Measures every model again and stores the profiles; serving pauses meanwhile. */
  reprofile(): Promise<ProfileReport>;
  /** Fault-injection hook for tests (see `InjectedFault`); never call it outside tests. */
  injectFault(injection: FaultInjection): Promise<void>;
  dispose(): Promise<void>;
}

/** Request to the inference worker to create one session. */
export interface LoadModelMessage {
  modelId: string;
  bytes: ArrayBuffer;
  inputName: string;
  outputName: string;
  /** Record shape without the batch axis. */
  recordShape: number[];
  /** Batch sizes to run once after creation so the first real batch is warm. */
  warmupBatchSizes: number[];
}

export interface ProviderInfo {
  provider: Provider;
  note: string;
  /** The WebGPU adapter's identity when the provider is WebGPU; stored profiles are keyed by it. */
  adapter?: AdapterFacts;
}

export interface RunResult {
  /** Output rows flattened: `batchSize × classCount`. */
  output: Float32Array;
  classCount: number;
  /** Wall time of `session.run()` inside the worker, in milliseconds. */
  runMs: number;
}

/** The inference worker's API. */
export interface InferenceApi {
  init(preference: ProviderPreference, ortWasmBase: string | undefined): Promise<ProviderInfo>;
  /** Creates and warms a session; resolves with the load time in milliseconds. */
  load(message: LoadModelMessage): Promise<number>;
  evict(modelId: string): Promise<void>;
  /** Runs one batch. `input` contains `batchSize` records back to back. */
  run(modelId: string, input: Float32Array, batchSize: number): Promise<RunResult>;
  resident(): string[];
  /**
   * Fault-injection hook for tests: destroys the GPUDevice or throws an uncaught error, at once
   * or during the next `batches` runs. Never call it outside tests.
   */
  injectFault(injection: FaultInjection): void;
}

/** Name of the error `InferenceApi.run` rejects with when the WebGPU device is lost. */
export const DEVICE_LOST_ERROR = 'GpuDeviceLostError';
