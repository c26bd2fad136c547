/**
 * Profiles measured on this device and kept between starts. This module defines the record stored
 * per model and environment and the key that decides whether a stored record still applies. Its
 * pure functions build a record from a measurement, check one read back, and fold online
 * refinements into it.
 *
 * - A record applies only to the environment it was measured in: the execution provider, the
 *   device (the WebGPU adapter, or the CPU for WASM), the browser and the onnxruntime-web version.
 *   A change to any of them gives another key, so the model is measured again.
 * - The model's SHA-256 is part of the key, so a retrained model is measured again.
 * - A record that lacks a batch size the runtime plans with, or has fewer timed runs per batch
 *   size than requested, or is malformed, is not used: the model is measured again.
 */

import { validateLatencyProfile } from './latency.js';
import type { LatencyPoint } from './model.js';

/** Version of the record format; a record of another version is measured again. */
export const PROFILE_RECORD_FORMAT = 1;

/** Origin of a profile the runtime plans with. */
export const ProfileSource = {
  /** Measured by this start or by `reprofile()`. */
  Measured: 'measured',
  /** Read from the profile store, measured by an earlier start on the same device. */
  Stored: 'stored',
} as const;
export type ProfileSource = (typeof ProfileSource)[keyof typeof ProfileSource];

/** Role of a profiled model: a scheduled variant, or the SneakPeek model of an application. */
export const ProfileRole = {
  Variant: 'variant',
  SneakPeek: 'sneakpeek',
} as const;
export type ProfileRole = (typeof ProfileRole)[keyof typeof ProfileRole];

/** The conditions a profile was measured under; any change means the profile no longer applies. */
export interface ProfileEnvironment {
  provider: 'webgpu' | 'wasm';
  /** The WebGPU adapter (`describeAdapter`) or, for WASM, the CPU (`describeCpu`). */
  device: string;
  /** Browser brands with full versions, or the user agent string (`describeBrowser`). */
  browser: string;
  /** onnxruntime-web version, for example "1.31.1". */
  ortVersion: string;
}

/** One batch size of a stored profile. */
export interface StoredLatencyPoint {
  batchSize: number;
  /**
   * Planning latency in milliseconds: the planning quantile of `samples` when measured, then
   * refined online from observed batch times.
   */
  ms: number;
  /** Timed warm runs of the measurement, in milliseconds. */
  samples: number[];
  /** Observed batches folded into `ms` since the measurement. */
  observations: number;
}

/** A model's profile as the profile store keeps it. */
export interface StoredProfile {
  format: typeof PROFILE_RECORD_FORMAT;
  /** `environmentKey(environment)`; with `role` and `sha256` the record's key. */
  environmentKey: string;
  role: ProfileRole;
  sha256: string;
  modelId: string;
  environment: ProfileEnvironment;
  /** Load cost (session creation plus warm-up) in milliseconds: measured, then refined by swaps. 0 for SneakPeek models. */
  loadMs: number;
  /** Load cost of the measurement itself, in milliseconds. */
  measuredLoadMs: number;
  /** Swaps folded into `loadMs` since the measurement. */
  loadObservations: number;
  /** Ascending by batch size. */
  latency: StoredLatencyPoint[];
  /** Timed runs per batch size in the measurement. */
  runs: number;
  /** Epoch milliseconds of the measurement. */
  measuredAt: number;
  /** Epoch milliseconds of the last refinement, or of the measurement. */
  updatedAt: number;
}

/** A measurement of one model, as the profiler returns it. */
export interface ProfileMeasurement {
  loadMs: number;
  /** Planning latency per measured batch size, ascending. */
  latency: readonly LatencyPoint[];
  /** Batch size (as a decimal string) mapped to the timed runs, in milliseconds. */
  samples: Readonly<Record<string, readonly number[]>>;
}

/** Fields of `GPUAdapterInfo` that identify an adapter; browsers leave some empty. */
export interface AdapterFacts {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** A browser brand from `navigator.userAgentData`, for example `{ brand: 'Chromium', version: '156.0.7700.1' }`. */
export interface BrowserBrand {
  brand: string;
  version: string;
}

/** Returns the string that, with a role and a SHA-256, keys a stored profile. */
export function environmentKey(environment: ProfileEnvironment): string {
  return [environment.provider, environment.device, environment.browser, `onnxruntime-web ${environment.ortVersion}`].join(' | ');
}

/** Describes a WebGPU adapter by its non-empty info fields and its fallback flag. */
export function describeAdapter(adapter: AdapterFacts): string {
  const parts = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  const name = parts.length === 0 ? 'unnamed adapter' : parts.join(' ');
  return adapter.isFallbackAdapter === true ? `${name} (fallback adapter)` : name;
}

/**
 * Describes the CPU that runs onnxruntime-web's WASM backend: its logical cores and whether the
 * page is cross-origin isolated, without which onnxruntime-web runs on one thread.
 */
export function describeCpu(logicalCores: number | undefined, crossOriginIsolated: boolean): string {
  const cores = logicalCores === undefined ? 'unknown logical cores' : `${logicalCores} logical cores`;
  return `CPU with ${cores}, ${crossOriginIsolated ? 'WASM threads' : 'one WASM thread (not cross-origin isolated)'}`;
}

/**
 * Describes the browser by its brands and full versions when the browser reports them, else by
 * its user agent string. GREASE brands such as "Not.A/Brand" carry no information and are left out.
 */
export function describeBrowser(brands: readonly BrowserBrand[] | undefined, platform: string | undefined, userAgent: string): string {
  const named = (brands ?? []).filter((entry) => !/not.a.brand/i.test(entry.brand));
  if (named.length === 0) return userAgent;
  const list = named.map((entry) => `${entry.brand} ${entry.version}`).join(', ');
  return platform === undefined || platform === '' ? list : `${list} on ${platform}`;
}

/** Builds the record of a new measurement, with no refinements yet. */
export function profileRecord(fields: {
  environment: ProfileEnvironment;
  role: ProfileRole;
  modelId: string;
  sha256: string;
  runs: number;
  measurement: ProfileMeasurement;
  measuredAt: number;
}): StoredProfile {
  const { environment, measurement } = fields;
  validateLatencyProfile(measurement.latency, `measured profile of "${fields.modelId}"`);
  return {
    format: PROFILE_RECORD_FORMAT,
    environmentKey: environmentKey(environment),
    role: fields.role,
    sha256: fields.sha256,
    modelId: fields.modelId,
    environment: { ...environment },
    loadMs: measurement.loadMs,
    measuredLoadMs: measurement.loadMs,
    loadObservations: 0,
    latency: measurement.latency.map((point) => ({
      batchSize: point.batchSize,
      ms: point.ms,
      samples: [...(measurement.samples[String(point.batchSize)] ?? [])],
      observations: 0,
    })),
    runs: fields.runs,
    measuredAt: fields.measuredAt,
    updatedAt: fields.measuredAt,
  };
}

/**
 * Returns why a record read from the profile store cannot be used for a model that plans with
 * `batchSizes` and requests `runs` timed runs per size, or undefined when it can. The record comes
 * from IndexedDB, so every field is checked: an older format or a damaged entry is measured again.
 */
export function storedProfileProblem(record: unknown, expected: { batchSizes: readonly number[]; runs: number }): string | undefined {
  if (typeof record !== 'object' || record === null) return 'the entry is not an object';
  const candidate = record as Partial<StoredProfile>;
  if (candidate.format !== PROFILE_RECORD_FORMAT) return `the entry has format ${String(candidate.format)}, not ${PROFILE_RECORD_FORMAT}`;
  if (!isNonNegative(candidate.loadMs)) return `the entry has load cost ${String(candidate.loadMs)}`;
  if (!Number.isInteger(candidate.loadObservations) || candidate.loadObservations! < 0) {
    return `the entry has ${String(candidate.loadObservations)} load observations`;
  }
  if (!Number.isInteger(candidate.runs) || candidate.runs! < expected.runs) {
    return `the entry has ${String(candidate.runs)} timed runs per batch size, fewer than the ${expected.runs} requested`;
  }
  if (!Array.isArray(candidate.latency)) return 'the entry has no latency points';

  try {
    validateLatencyProfile(candidate.latency, 'stored profile');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  for (const point of candidate.latency) {
    if (!Array.isArray(point.samples) || !point.samples.every(isNonNegative)) return `the entry has invalid samples at batch size ${point.batchSize}`;
    if (!Number.isInteger(point.observations) || point.observations < 0) {
      return `the entry has ${String(point.observations)} observations at batch size ${point.batchSize}`;
    }
  }
  const stored = new Set(candidate.latency.map((point) => point.batchSize));
  const missing = expected.batchSizes.filter((size) => !stored.has(size));
  if (missing.length > 0) return `the entry has no latency at batch size ${missing.join(', ')}`;
  return undefined;
}

/** Returns the figures a runtime plans with from a checked record: load cost, latency and the measured samples. */
export function measurementOf(record: StoredProfile, batchSizes?: readonly number[]): ProfileMeasurement {
  const planned = batchSizes === undefined ? record.latency : record.latency.filter((point) => batchSizes.includes(point.batchSize));
  return {
    loadMs: record.loadMs,
    latency: planned.map((point) => ({ batchSize: point.batchSize, ms: point.ms })),
    samples: Object.fromEntries(planned.map((point) => [String(point.batchSize), [...point.samples]])),
  };
}

/** Returns the number of observed batches and swaps folded into a record since its measurement. */
export function refinementCount(record: StoredProfile): number {
  return record.loadObservations + record.latency.reduce((sum, point) => sum + point.observations, 0);
}

/**
 * Returns the record with a refined profile copied in. `latency` and `loadMs` are the runtime's
 * current figures, already refined; `observed` names what was observed to refine them: a batch of
 * `batchSize`, a swap, or both. The measured samples stay as they were.
 */
export function withRefinement(
  record: StoredProfile,
  refined: { loadMs: number; latency: readonly LatencyPoint[] },
  observed: { batchSize?: number; load?: boolean },
  at: number,
): StoredProfile {
  const points = new Map(record.latency.map((point) => [point.batchSize, point]));
  const latency = refined.latency.map((point) => {
    const before = points.get(point.batchSize);
    const observations = (before?.observations ?? 0) + (point.batchSize === observed.batchSize ? 1 : 0);
    return { batchSize: point.batchSize, ms: point.ms, samples: before?.samples ?? [], observations };
  });
  return {
    ...record,
    loadMs: refined.loadMs,
    loadObservations: record.loadObservations + (observed.load === true ? 1 : 0),
    latency,
    updatedAt: at,
  };
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
