/**
 * Everything that crosses a thread: the records the main thread, the scheduler worker and the
 * inference worker exchange through Comlink, and the worker APIs themselves.
 *
 * Every value here survives the structured-clone algorithm: no classes, no functions (except the
 * Comlink-proxied listener), no Maps.
 */
import type { DecisionRecord } from '../core/decision-record.js';
import type { DropReason, LatencyPoint } from '../core/model.js';
import type { Manifest } from '../core/manifest.js';

/** Execution provider of onnxruntime-web that serves a session. */
export const Provider = {
  WebGpu: 'webgpu',
  Wasm: 'wasm',
} as const;
export type Provider = (typeof Provider)[keyof typeof Provider];

/** Provider the runtime tries first; `'auto'` means WebGPU when an adapter exists. */
export type ProviderPreference = 'auto' | Provider;

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
  /** Warm runs per batch size when measuring latency profiles at start. */
  profileRuns: number;
  /** Variant ids to serve; undefined serves every variant in the manifest. */
  variants?: string[];
  /** Name of the IndexedDB database holding model bytes. */
  storeName: string;
  /** Policy decisions to keep for `decisionRecord()`, most recent last; 0 keeps none. */
  decisionRecordLimit: number;
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
}

export interface ReadyInfo {
  provider: Provider;
  providerNote: string;
  applications: ApplicationInfo[];
  profiles: MeasuredProfile[];
  sneakpeekProfiles: SneakPeekProfile[];
  /** Resolved manifest URL, for fetching test data beside it. */
  manifestUrl: string;
}

/**
 * Callbacks the client hands to the scheduler worker (proxied by Comlink). Outcomes settled in
 * the same task (a whole batch, a set of drops) arrive in one call, so a message per request is
 * not the limit on throughput.
 */
export interface SchedulerListener {
  onOutcomes(outcomes: Outcome[]): void;
  onProgress(progress: StartupProgress): void;
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
}
