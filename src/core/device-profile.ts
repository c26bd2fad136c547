/**
 * Measured costs of every model on one device and provider, with the raw samples, so a simulator
 * can draw latencies from the measured spread instead of assuming a fixed time.
 *
 * Files in this format live under `models/profiles/` (one per provider and machine) and are
 * written by `npm run measure` (headless Chromium) from the live runtime's own timings.
 */

export interface DeviceProfile {
  /** ISO 8601 time of the measurement. */
  measuredAt: string;
  /** Machine description, for example "2-core AMD EPYC virtual machine, no GPU". */
  machine: string;
  /** Browser and version, for example "Chromium 156.0.8078.114 headless". */
  browser: string;
  /** Execution provider the variants ran on. */
  provider: 'webgpu' | 'wasm';
  /** Adapter description; says "fallback adapter" for SwiftShader. */
  adapter: string;
  ortVersion: string;
  /** Model id mapped to its measured costs. Every variant of every application in the manifest. */
  models: Record<string, ModelCost>;
}

export interface ModelCost {
  application: string;
  /** `'variant'` runs on `provider`; `'sneakpeek'` runs on WASM in the scheduler worker. */
  role: 'variant' | 'sneakpeek';
  /** Load cost samples (session creation plus warm-up), in milliseconds. */
  loadMs: number[];
  /** Batch size (as a decimal string key) mapped to service-time samples in milliseconds. */
  latencyMs: Record<string, number[]>;
}
