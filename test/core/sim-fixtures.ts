/**
 * Small constructed inputs for simulator tests: a two-class application whose "accurate" variant
 * is always right and whose "fast" variant always predicts class 0, a SneakPeek model whose logits
 * follow the label, and device profiles with constant or spread-out times.
 */

import type { DeviceProfile, ModelCost } from '../../src/core/device-profile';
import type { ApplicationManifest, ModelEntry, RecordedOutputs, RecordedSplit } from '../../src/core/manifest';
import { buildSimApplication } from '../../src/core/simulator/applications';
import { createCostModel, type CostModel } from '../../src/core/simulator/device-costs';
import type { SimApplication } from '../../src/core/simulator/sim-model';
import { createRandom } from '../../src/core/random';

export const APP = 'toy';
export const ACCURATE = 'toy-accurate';
export const FAST = 'toy-fast';
export const SNEAKPEEK = 'toy-sneakpeek';

/** Constant times: accurate L(1) = 10, L(2) = 12, L(4) = 16 ms; fast 2, 2.5, 3 ms; loads 5 ms; SneakPeek 0.5 ms. */
export const CONSTANT_TIMES = {
  [ACCURATE]: { load: 5, latency: { 1: 10, 2: 12, 4: 16 } },
  [FAST]: { load: 5, latency: { 1: 2, 2: 2.5, 4: 3 } },
  [SNEAKPEEK]: { load: 1, latency: { 1: 0.5, 2: 0.5, 4: 0.5, 8: 0.5 } },
} as const;

function entry(id: string, confusion: number[][], footprint = 1000): ModelEntry {
  return {
    id,
    description: `${id} for tests`,
    file: `${id}.onnx`,
    bytes: 1,
    sha256: '0'.repeat(64),
    outputName: 'logits',
    outputKind: 'logits',
    parameters: 1,
    opset: 13,
    maxBatch: 4,
    footprint: { bytes: footprint, method: 'test value' },
    confusion,
    validationAccuracy: 0,
    testAccuracy: 0,
  };
}

/** Builds the toy application's manifest entry, under another id when tests serve two on one device. */
export function toyManifest(app = APP): ApplicationManifest {
  return {
    id: app,
    name: `Toy ${app}`,
    classes: ['zero', 'one'],
    input: { name: 'input', shape: [-1, 1], elementType: 'float32', preprocessing: { description: 'none', scale: 1 } },
    weight: 1,
    defaultDeadlineMs: 100,
    // Accurate: always right. Fast: always class 0, so recall [1, 0] and profiled accuracy 0.5.
    variants: [entry(`${app}-accurate`, [[50, 0], [0, 50]]), entry(`${app}-fast`, [[50, 0], [50, 0]])],
    sneakpeek: { ...entry(`${app}-sneakpeek`, [[45, 5], [5, 45]]), temperature: 1, calibrationError: 0 },
    recordedFile: `${app}/recorded.json`,
    dataset: { name: 'toy', licence: 'MIT', source: 'constructed', split: 'constructed', trainingCommand: 'none' },
  };
}

/** Builds a split of `count` records alternating labels 0 and 1, with SneakPeek logits that favour the label. */
export function toySplit(count: number, groups?: (record: number) => string, app = APP): RecordedSplit {
  const labels = Array.from({ length: count }, (_, record) => record % 2);
  return {
    labels,
    predictions: {
      [`${app}-accurate`]: [...labels],
      [`${app}-fast`]: labels.map(() => 0),
      [`${app}-sneakpeek`]: [...labels],
    },
    sneakpeekLogits: labels.map((label) => (label === 0 ? [2, 0] : [0, 2])),
    ...(groups === undefined ? {} : { groups: labels.map((_, record) => groups(record)) }),
  };
}

export function toyRecorded(testCount = 40, app = APP): RecordedOutputs {
  return { application: app, validation: toySplit(100, undefined, app), test: toySplit(testCount, undefined, app) };
}

function constantCost(times: { load: number; latency: Readonly<Record<number, number>> }, role: ModelCost['role'], app: string): ModelCost {
  const latencyMs: Record<string, number[]> = {};
  for (const [size, ms] of Object.entries(times.latency)) latencyMs[size] = [ms];
  return { application: app, role, loadMs: [times.load], latencyMs };
}

/** Constant times of the toy models of every application in `apps`. */
export function constantProfile(apps: readonly string[] = [APP]): DeviceProfile {
  const models: Record<string, ModelCost> = {};
  for (const app of apps) {
    models[`${app}-accurate`] = constantCost(CONSTANT_TIMES[ACCURATE], 'variant', app);
    models[`${app}-fast`] = constantCost(CONSTANT_TIMES[FAST], 'variant', app);
    models[`${app}-sneakpeek`] = constantCost(CONSTANT_TIMES[SNEAKPEEK], 'sneakpeek', app);
  }
  return {
    measuredAt: '2026-01-01T00:00:00.000Z',
    machine: 'test machine',
    browser: 'none',
    provider: 'wasm',
    adapter: 'none',
    ortVersion: 'test',
    models,
  };
}

/** Returns the constant profile with 20 seeded samples per size, spread ±30% around each constant. */
export function noisyProfile(seed = 1, apps: readonly string[] = [APP]): DeviceProfile {
  const random = createRandom(seed);
  const profile = constantProfile(apps);
  for (const cost of Object.values(profile.models)) {
    for (const [size, samples] of Object.entries(cost.latencyMs)) {
      const base = samples[0] ?? 1;
      cost.latencyMs[size] = Array.from({ length: 20 }, () => base * (0.7 + 0.6 * random.uniform()));
    }
    const load = cost.loadMs[0] ?? 1;
    cost.loadMs = Array.from({ length: 5 }, () => load * (0.7 + 0.6 * random.uniform()));
  }
  return profile;
}

export function toyApplication(profile: DeviceProfile = constantProfile(), testCount = 40, app = APP): { application: SimApplication; costs: CostModel } {
  const costs = createCostModel(profile);
  return { application: buildSimApplication(toyManifest(app), toyRecorded(testCount, app), costs), costs };
}
