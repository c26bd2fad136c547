/**
 * Requests and results of the runtime benchmark page (`bench/runtime.html`): plain records that
 * cross from Node (Playwright's `page.evaluate`) to the page and back. Every time is in
 * milliseconds and every sample list is in measurement order. The Node side computes statistics.
 */
import type { Provider, RuntimeStats } from '../protocol/messages.js';

/** WebGPU adapter facts as the page's `navigator.gpu` reports them. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  /** True for a software adapter such as SwiftShader: timings on it are not GPU speed. */
  isFallbackAdapter: boolean;
}

/** The page's environment, recorded beside the figures. */
export interface PageEnvironment {
  userAgent: string;
  hardwareConcurrency: number;
  /** Whether the page is cross-origin isolated, which onnxruntime-web needs for WASM threads. */
  crossOriginIsolated: boolean;
  /** Undefined when the page has no WebGPU adapter. */
  adapter: AdapterInfo | undefined;
  /** `ort.env.versions.web` of the onnxruntime-web bundle the page imported. */
  ortVersion: string;
}

// ---- overhead -------------------------------------------------------------------------------

export interface OverheadRequest {
  provider: Provider;
  variantId: string;
  batchSizes: number[];
  /** Timed batches per batch size and path. */
  batches: number;
  /** Untimed batches per batch size and path before the timed ones. */
  warmup: number;
  /** IndexedDB database holding the model bytes for the runtime. */
  storeName: string;
}

/** Timings of one variant at one batch size, along three paths run in turn, batch by batch. */
export interface OverheadSamples {
  batchSize: number;
  /** Page thread: `session.run()` plus reading the output, on a session the page created itself. */
  rawMs: number[];
  /** Page to a bare inference worker and back (Comlink round trip, input transferred). */
  workerRoundTripMs: number[];
  /** The same worker's own time of `session.run()`, as its `runMs` reports it. */
  workerRunMs: number[];
  /** `submit()` of the batch's requests to the last outcome arriving in the page, through both workers. */
  runtimeMs: number[];
  /** Per runtime batch: `finishedAt` minus the earliest `arrival`, both stamped by the runtime. */
  runtimeArrivalToFinishMs: number[];
  /** Per runtime batch: the outcomes' arrival in the page minus `finishedAt`. */
  runtimeDeliveryMs: number[];
  /**
   * Per runtime batch: the latest `arrival` minus the earliest. The requests are submitted in one
   * loop, so this is the page's own work per request in `submit()` (input conversion and checks).
   */
  runtimeSubmitSpreadMs: number[];
}

export interface OverheadResult {
  provider: Provider;
  /** The runtime's provider note, naming the adapter. */
  providerNote: string;
  variantId: string;
  application: string;
  samples: OverheadSamples[];
  /**
   * The runtime's start-up profile of this variant, measured inside the scheduler worker: batch
   * size mapped to the median time of one call to the inference worker.
   */
  startupInferenceCallMs: Record<string, number>;
  /** The same for the application's SneakPeek model, which runs in the scheduler worker. */
  startupSneakPeekMs: Record<string, number>;
}

// ---- soak -----------------------------------------------------------------------------------

export interface SoakRequest {
  provider: Provider;
  requests: number;
  /** Mean arrival rate of the Poisson process, in requests per second over all applications. */
  ratePerSecond: number;
  /** Requests between two memory checkpoints. */
  checkpointEvery: number;
  memoryBudgetBytes: number;
  /** Relative deadline of every request; undefined uses each application's default. */
  deadlineMs: number | undefined;
  /** Variant ids the runtime serves; undefined serves every variant. */
  variants: string[] | undefined;
  seed: number;
  storeName: string;
}

/** JS heap figures of one thread after a forced garbage collection, from the DevTools protocol. */
export interface ThreadHeap {
  /** `page`, or the worker's name (`scheduler`, `inference`). */
  thread: string;
  /** URL of the page or of the worker's script. */
  url: string;
  /** V8 heap in use, in bytes (`Runtime.getHeapUsage` usedSize). */
  usedBytes: number;
  /** V8 heap reserved, in bytes (totalSize). */
  totalBytes: number;
  /** Backing stores of ArrayBuffers, WebAssembly memories included, in bytes (backingStorageSize). */
  backingStorageBytes: number;
}

/** A pause in the soak once every submitted request has its outcome. */
export interface SoakCheckpoint {
  /** Requests submitted so far. */
  submitted: number;
  /** Seconds since the first submission, pauses excluded. */
  elapsedSeconds: number;
  heap: ThreadHeap[];
  /**
   * Memory per thread from `performance.measureUserAgentSpecificMemory()`, in bytes, keyed as
   * `heap` is: the JS heap and WebAssembly memories (onnxruntime-web's WASM heap included), not
   * GPU buffers. Empty when the page is not cross-origin isolated.
   */
  memoryBytes: Record<string, number>;
  stats: RuntimeStats;
}

export interface SoakResult {
  provider: Provider;
  providerNote: string;
  requests: number;
  ratePerSecond: number;
  /** Requests per second achieved between the first and last submission, pauses excluded. */
  achievedRatePerSecond: number;
  checkpoints: SoakCheckpoint[];
  /** Counts from the page's side: every submission and what came back for it. */
  counts: SoakCounts;
  /** Per completed request, `finishedAt − arrival` in submission order; dropped ones are left out. */
  responseMs: number[];
  /** Per application, the relative deadline its requests carried. */
  deadlineMs: Record<string, number>;
  /** Load cost of each variant as the scheduler measured it at start (one load, in the scheduler worker). */
  startupLoadMs: Record<string, number>;
}

export interface SoakCounts {
  submitted: number;
  /** Submissions the runtime rejected (`submit()` rejected instead of resolving with an outcome). */
  rejected: number;
  completed: number;
  deadlineMet: number;
  dropped: Record<string, number>;
  /** Outcome events for a request that already had one; must be 0. */
  duplicateOutcomes: number;
  /** Outcome events whose request id the page never submitted; must be 0. */
  unknownOutcomes: number;
  /** Accepted requests still without an outcome at the end; must be 0. */
  missingOutcomes: number;
}

// ---- swaps ----------------------------------------------------------------------------------

export interface SwapRequest {
  provider: Provider;
  /** Variant ids to load, evict and reload, in order. */
  variantIds: string[];
  /** Evict-and-reload cycles per variant after the first load. */
  repetitions: number;
}

export interface SwapSamples {
  variantId: string;
  application: string;
  /** Session creation plus warm-up, as the inference worker times it, on the variant's first load. */
  firstLoadMs: number;
  /** The same first load as its caller sees it: transfer of the model bytes and the Comlink round trip included. */
  firstLoadCallMs: number;
  /** Each eviction as its caller sees it (the worker does not time evictions itself). */
  evictCallMs: number[];
  /** Each reload after an eviction, as the inference worker times it. */
  reloadMs: number[];
  /** Each reload as its caller sees it. */
  reloadCallMs: number[];
}

export interface SwapResult {
  provider: Provider;
  providerNote: string;
  variants: SwapSamples[];
}

/** The functions the benchmark page publishes as `window.sneakpeekRuntimeBench`. */
export interface RuntimeBenchApi {
  environment(): Promise<PageEnvironment>;
  overhead(request: OverheadRequest): Promise<OverheadResult>;
  soak(request: SoakRequest): Promise<SoakResult>;
  swaps(request: SwapRequest): Promise<SwapResult>;
}

/**
 * Name of the page function the soak calls at each checkpoint. The Node side installs it with
 * `page.exposeFunction`, and it resolves with every thread's heap after garbage collection.
 */
export const HEAP_PROBE_FUNCTION = 'sneakpeekRuntimeBenchHeap';

declare global {
  interface Window {
    sneakpeekRuntimeBench?: RuntimeBenchApi;
    [HEAP_PROBE_FUNCTION]?: () => Promise<ThreadHeap[]>;
  }
}
