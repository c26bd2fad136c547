/**
 * Options of `createRuntime`, in three parts: what a caller may pass (with defaults documented),
 * the resolved form, and the one function that fills defaults and validates.
 */
import { DEFAULT_MAX_QUEUED_REQUESTS } from '../core/admission.js';
import { isPolicyName, LIVE_POLICY_NAMES, PolicyName } from '../core/baselines/catalog.js';
import { MAX_RECORDED_DECISIONS } from '../core/decision-record.js';
import type { Manifest } from '../core/manifest.js';
import type { ProfileMode, ProviderPreference, SchedulerConfig } from '../protocol/messages.js';

export interface RuntimeOptions {
  /**
   * URL of the manifest; relative URLs resolve against the page.
   * @default 'models/manifest.json'
   */
  manifestUrl?: string;
  /** A manifest object to use instead of fetching `manifestUrl`; file paths still resolve against `manifestUrl`. */
  manifest?: Manifest;
  /**
   * Device memory the resident variants may use, in bytes. Footprints are estimates from the
   * manifest, because WebGPU reports no free memory.
   * @default 67108864 (64 MiB)
   */
  memoryBudgetBytes?: number;
  /**
   * `'auto'` uses WebGPU when an adapter exists, else WASM.
   * @default 'auto'
   */
  provider?: ProviderPreference;
  /** Base URL of onnxruntime-web's `.wasm` files, when they are served apart from the bundle. */
  ortWasmBase?: string;
  /**
   * Expected utility, in requests answered correctly, that loading a variant must gain over the
   * best resident choice.
   * @default 0.5
   */
  swapMargin?: number;
  /**
   * Maximum time, in milliseconds, the scheduler may hold a partial batch waiting for more requests.
   * @default 0
   */
  maxQueueDelayMs?: number;
  /**
   * Whether the policy also forms batches from the requests on which a variant's estimate most
   * exceeds the other variants', so a variant that is better on some inputs can take them. It
   * raised effective accuracy in simulation where variants differ per class (docs/evaluation.md);
   * it is off by default until measured in the live runtime.
   * @default false
   */
  advantageCandidates?: boolean;
  /**
   * Scheduling policy. `'sneakpeek'` is this runtime's policy with SneakPeek estimates. The others
   * are its ablations (`'profiled'`, `'no-batching'`, ...) and baselines (`'edf-accurate'`,
   * `'infaas'`, `'clipper-aimd'`, ...), for comparing schedulers on one device; `LIVE_POLICY_NAMES`
   * lists them and `POLICY_DESCRIPTIONS` describes each.
   * @default 'sneakpeek'
   */
  policy?: PolicyName;
  /**
   * Timed runs per batch size when measuring latency profiles at start. A stored profile measured
   * with fewer runs is measured again.
   * @default 3
   */
  profileRuns?: number;
  /**
   * When to measure at start. `'auto'` reads each model's profile from IndexedDB when one was
   * stored for this provider, device, browser, onnxruntime-web version and model hash, and
   * measures the rest; `'always'` measures every model and replaces what is stored. Profiles live
   * in the database `${storeName}-profiles`.
   * @default 'auto'
   */
  profile?: ProfileMode;
  /**
   * Variant ids to serve, for pinning a variant (a fixed-variant baseline, a test of one model);
   * every variant of the manifest when omitted. Each id must exist in the manifest.
   */
  variants?: string[];
  /**
   * Name of the IndexedDB database that caches model bytes.
   * @default 'sneakpeek-models'
   */
  storeName?: string;
  /**
   * Number of recent policy decisions to keep, each with the exact scheduler state it was made
   * on, for `Runtime.decisionRecord()`; at most 10000. Recording copies the queue at every
   * decision, so leave it off outside tests and debugging. 0 turns it off.
   * @default 0
   */
  recordDecisions?: number;
  /**
   * Most accepted requests without an outcome yet (estimating, queued or in a running batch).
   * `submit()` rejects a request beyond it with a `QueueFullError`, leaving accepted work
   * untouched. At the default, open requests take about 33 MB of input at the largest input here
   * (4,096 floats), and a device serves far fewer before typical deadlines pass.
   * @default 2000
   */
  maxQueuedRequests?: number;
  /**
   * Minimum time, in milliseconds, the watchdog waits for a call to the inference worker (a batch, a
   * load, an eviction) before it takes the worker for hung, replaces it and queues the batch's
   * requests again. It waits 10 times the profiled duration when that is longer.
   * @default 10000
   */
  inferenceTimeoutMs?: number;
}

const DEFAULTS = Object.freeze({
  manifestUrl: 'models/manifest.json',
  memoryBudgetBytes: 64 * 1024 * 1024,
  provider: 'auto' as ProviderPreference,
  swapMargin: 0.5,
  maxQueueDelayMs: 0,
  advantageCandidates: false,
  policy: PolicyName.SneakPeek as PolicyName,
  profileRuns: 3,
  profile: 'auto' as ProfileMode,
  storeName: 'sneakpeek-models',
  recordDecisions: 0,
  maxQueuedRequests: DEFAULT_MAX_QUEUED_REQUESTS,
  inferenceTimeoutMs: 10_000,
});

const PROVIDERS: readonly ProviderPreference[] = ['auto', 'webgpu', 'wasm'];
const PROFILE_MODES: readonly ProfileMode[] = ['auto', 'always'];

/** Fills defaults, resolves URLs against `base` and validates every option. */
export function resolveRuntimeOptions(options: RuntimeOptions, base: string): SchedulerConfig {
  const memoryBudgetBytes = options.memoryBudgetBytes ?? DEFAULTS.memoryBudgetBytes;
  if (!Number.isFinite(memoryBudgetBytes) || memoryBudgetBytes <= 0) {
    throw new RangeError(`Option memoryBudgetBytes is ${memoryBudgetBytes}; pass a positive number of bytes, for example 67108864 for 64 MiB.`);
  }
  const provider = options.provider ?? DEFAULTS.provider;
  if (!PROVIDERS.includes(provider)) {
    throw new RangeError(`Option provider is "${String(provider)}"; pass one of ${PROVIDERS.map((name) => `"${name}"`).join(', ')}.`);
  }
  const swapMargin = options.swapMargin ?? DEFAULTS.swapMargin;
  if (!Number.isFinite(swapMargin) || swapMargin < 0) {
    throw new RangeError(`Option swapMargin is ${swapMargin}; pass a number ≥ 0 (expected utility, in requests).`);
  }
  const maxQueueDelayMs = options.maxQueueDelayMs ?? DEFAULTS.maxQueueDelayMs;
  if (!Number.isFinite(maxQueueDelayMs) || maxQueueDelayMs < 0) {
    throw new RangeError(`Option maxQueueDelayMs is ${maxQueueDelayMs}; pass a number of milliseconds ≥ 0.`);
  }
  const advantageCandidates = options.advantageCandidates ?? DEFAULTS.advantageCandidates;
  if (typeof advantageCandidates !== 'boolean') {
    throw new TypeError(`Option advantageCandidates is ${JSON.stringify(advantageCandidates)}; pass true or false.`);
  }
  const policy = options.policy ?? DEFAULTS.policy;
  if (!LIVE_POLICY_NAMES.includes(policy)) {
    const simulatorOnly = isPolicyName(String(policy)) ? ' It needs what only the simulator has (true labels or estimator state); run it with npm run sim.' : '';
    throw new RangeError(`Option policy is ${JSON.stringify(policy)}.${simulatorOnly} Pass one of ${LIVE_POLICY_NAMES.map((name) => `"${name}"`).join(', ')}.`);
  }
  const profileRuns = options.profileRuns ?? DEFAULTS.profileRuns;
  if (!Number.isInteger(profileRuns) || profileRuns < 1) {
    throw new RangeError(`Option profileRuns is ${profileRuns}; pass a whole number ≥ 1.`);
  }
  const profileMode = options.profile ?? DEFAULTS.profile;
  if (!PROFILE_MODES.includes(profileMode)) {
    throw new RangeError(`Option profile is ${JSON.stringify(profileMode)}; pass "auto" to use stored profiles or "always" to measure every model.`);
  }
  const recordDecisions = options.recordDecisions ?? DEFAULTS.recordDecisions;
  if (!Number.isInteger(recordDecisions) || recordDecisions < 0 || recordDecisions > MAX_RECORDED_DECISIONS) {
    throw new RangeError(
      `Option recordDecisions is ${String(recordDecisions)}; pass a whole number of decisions from 0 (off) to ${MAX_RECORDED_DECISIONS}.`,
    );
  }

  const maxQueuedRequests = options.maxQueuedRequests ?? DEFAULTS.maxQueuedRequests;
  if (!Number.isInteger(maxQueuedRequests) || maxQueuedRequests < 1) {
    throw new RangeError(`Option maxQueuedRequests is ${String(maxQueuedRequests)}; pass a whole number of requests ≥ 1 (default ${DEFAULTS.maxQueuedRequests}).`);
  }
  const inferenceTimeoutMs = options.inferenceTimeoutMs ?? DEFAULTS.inferenceTimeoutMs;
  if (typeof inferenceTimeoutMs !== 'number' || !Number.isFinite(inferenceTimeoutMs) || inferenceTimeoutMs <= 0) {
    throw new RangeError(`Option inferenceTimeoutMs is ${String(inferenceTimeoutMs)}; pass a positive number of milliseconds (default ${DEFAULTS.inferenceTimeoutMs}).`);
  }

  let manifestUrl: string;
  try {
    manifestUrl = new URL(options.manifestUrl ?? DEFAULTS.manifestUrl, base).href;
  } catch (error) {
    throw new TypeError(`Option manifestUrl "${options.manifestUrl}" is not a valid URL relative to ${base}.`, { cause: error });
  }

  const config: SchedulerConfig = {
    manifestUrl,
    memoryBudgetBytes,
    providerPreference: provider,
    swapMargin,
    maxQueueDelayMs,
    advantageCandidates,
    policy,
    profileRuns,
    profileMode,
    storeName: options.storeName ?? DEFAULTS.storeName,
    decisionRecordLimit: recordDecisions,
    maxQueuedRequests,
    inferenceTimeoutMs,
  };
  if (options.manifest !== undefined) config.manifest = options.manifest;
  if (options.variants !== undefined) {
    if (!Array.isArray(options.variants) || options.variants.length === 0 || !options.variants.every((id) => typeof id === 'string')) {
      throw new TypeError(`Option variants is ${JSON.stringify(options.variants)}; pass a non-empty array of variant ids, or omit it to serve every variant.`);
    }
    config.variants = [...options.variants];
  }
  if (options.ortWasmBase !== undefined) config.ortWasmBase = new URL(options.ortWasmBase, base).href;
  return config;
}
