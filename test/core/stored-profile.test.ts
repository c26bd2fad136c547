import { describe, expect, it } from 'vitest';
import { refineLatency } from '../../src/core/latency-refinement.js';
import {
  describeAdapter,
  describeBrowser,
  describeCpu,
  environmentKey,
  measurementOf,
  profileRecord,
  ProfileRole,
  refinementCount,
  storedProfileProblem,
  withRefinement,
  type ProfileEnvironment,
  type StoredProfile,
} from '../../src/core/stored-profile.js';

const ENVIRONMENT: ProfileEnvironment = {
  provider: 'webgpu',
  device: 'google swiftshader (fallback adapter)',
  browser: 'Chromium 156.0.7700.1 on Linux',
  ortVersion: '1.31.1',
};

const MEASUREMENT = {
  loadMs: 120,
  latency: [
    { batchSize: 1, ms: 4 },
    { batchSize: 2, ms: 5 },
    { batchSize: 4, ms: 7 },
  ],
  samples: { '1': [3, 4, 4], '2': [5, 5, 5], '4': [6, 7, 7] },
};

function record(overrides: Partial<StoredProfile> = {}): StoredProfile {
  const base = profileRecord({
    environment: ENVIRONMENT,
    role: ProfileRole.Variant,
    modelId: 'product-mlp',
    sha256: 'ab'.repeat(32),
    runs: 3,
    measurement: MEASUREMENT,
    measuredAt: 1000,
  });
  return { ...base, ...overrides };
}

const REQUIREMENT = { batchSizes: [1, 2, 4], runs: 3 };

describe('environmentKey', () => {
  it.each([
    ['provider', { provider: 'wasm' as const }],
    ['device', { device: 'nvidia ampere' }],
    ['browser', { browser: 'Chromium 157.0.7800.1 on Linux' }],
    ['onnxruntime-web version', { ortVersion: '1.32.0' }],
  ])('changes with the %s', (_, change) => {
    expect(environmentKey({ ...ENVIRONMENT, ...change })).not.toBe(environmentKey(ENVIRONMENT));
  });

  it('is the same for equal environments', () => {
    expect(environmentKey({ ...ENVIRONMENT })).toBe(environmentKey(ENVIRONMENT));
  });
});

describe('describeAdapter', () => {
  it('joins the non-empty fields and marks a fallback adapter', () => {
    const adapter = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };
    expect(describeAdapter(adapter)).toBe('google swiftshader (fallback adapter)');
  });

  it('tells a hardware adapter from a fallback one of the same name', () => {
    const hardware = describeAdapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: false });
    expect(hardware).toBe('google swiftshader');
  });

  it('names an adapter that reports nothing', () => {
    expect(describeAdapter({})).toBe('unnamed adapter');
  });
});

describe('describeCpu', () => {
  it('names the cores and WASM threads', () => {
    expect(describeCpu(8, true)).toBe('CPU with 8 logical cores, WASM threads');
  });

  it('tells a page that is not cross-origin isolated apart', () => {
    expect(describeCpu(8, false)).not.toBe(describeCpu(8, true));
  });
});

describe('describeBrowser', () => {
  const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36';

  it('lists brands with versions and the platform, leaving out GREASE brands', () => {
    const brands = [
      { brand: 'Not.A/Brand', version: '99.0.0.0' },
      { brand: 'Chromium', version: '156.0.7700.1' },
    ];
    expect(describeBrowser(brands, 'Linux', userAgent)).toBe('Chromium 156.0.7700.1 on Linux');
  });

  it('falls back to the user agent without brands', () => {
    expect(describeBrowser(undefined, undefined, userAgent)).toBe(userAgent);
  });
});

describe('profileRecord', () => {
  it('keeps the samples of each batch size with no observations yet', () => {
    const built = record();
    expect(built.latency).toEqual([
      { batchSize: 1, ms: 4, samples: [3, 4, 4], observations: 0 },
      { batchSize: 2, ms: 5, samples: [5, 5, 5], observations: 0 },
      { batchSize: 4, ms: 7, samples: [6, 7, 7], observations: 0 },
    ]);
  });

  it('keys the record by its environment', () => {
    expect(record().environmentKey).toBe(environmentKey(ENVIRONMENT));
  });

  it('starts the refined load cost at the measured one', () => {
    expect(record().loadMs).toBe(120);
    expect(record().measuredLoadMs).toBe(120);
  });

  it('rejects a measurement with unsorted batch sizes', () => {
    const measurement = { ...MEASUREMENT, latency: [MEASUREMENT.latency[1]!, MEASUREMENT.latency[0]!] };
    expect(() =>
      profileRecord({ environment: ENVIRONMENT, role: ProfileRole.Variant, modelId: 'm', sha256: 's', runs: 3, measurement, measuredAt: 0 }),
    ).toThrow('measured profile of "m"');
  });
});

describe('storedProfileProblem', () => {
  it('accepts a record that covers every planned batch size', () => {
    expect(storedProfileProblem(record(), REQUIREMENT)).toBeUndefined();
  });

  it('accepts a record with more runs than requested', () => {
    expect(storedProfileProblem(record(), { ...REQUIREMENT, runs: 1 })).toBeUndefined();
  });

  it.each([
    ['a missing entry', null, 'not an object'],
    ['another format', { format: 0 }, 'format 0'],
    ['fewer runs than requested', { runs: 2 }, 'fewer than the 3 requested'],
    ['a negative load cost', { loadMs: -1 }, 'load cost -1'],
    ['a missing batch size', { latency: [{ batchSize: 1, ms: 4, samples: [4], observations: 0 }] }, 'no latency at batch size 2, 4'],
    ['a latency that is not a number', { latency: [{ batchSize: 1, ms: Number.NaN, samples: [], observations: 0 }] }, 'ms NaN'],
    ['invalid samples', { latency: [{ batchSize: 1, ms: 4, samples: ['4'], observations: 0 }] }, 'invalid samples at batch size 1'],
    ['a fractional observation count', { latency: [{ batchSize: 1, ms: 4, samples: [4], observations: 0.5 }] }, '0.5 observations'],
  ])('rejects %s', (_, change, reason) => {
    const candidate = change === null ? null : { ...record(), ...change };
    expect(storedProfileProblem(candidate, REQUIREMENT)).toContain(reason);
  });
});

describe('measurementOf', () => {
  it('returns the planning figures and samples of the planned sizes only', () => {
    expect(measurementOf(record(), [1, 4])).toEqual({
      loadMs: 120,
      latency: [
        { batchSize: 1, ms: 4 },
        { batchSize: 4, ms: 7 },
      ],
      samples: { '1': [3, 4, 4], '4': [6, 7, 7] },
    });
  });
});

describe('withRefinement', () => {
  it('copies refined figures and counts the observed batch size only', () => {
    const refined = withRefinement(record(), { loadMs: 120, latency: refineLatency(MEASUREMENT.latency, 2, 10) }, { batchSize: 2 }, 2000);
    expect(refined.latency.map((point) => point.observations)).toEqual([0, 1, 0]);
    // 0.8 × 5 + 0.2 × 10 = 6.
    expect(refined.latency[1]!.ms).toBeCloseTo(6, 12);
    expect(refined.updatedAt).toBe(2000);
  });

  it('keeps the measured samples', () => {
    const refined = withRefinement(record(), { loadMs: 120, latency: refineLatency(MEASUREMENT.latency, 2, 10) }, { batchSize: 2 }, 2000);
    expect(refined.latency[1]!.samples).toEqual([5, 5, 5]);
  });

  it('counts a swap and takes its refined load cost', () => {
    const refined = withRefinement(record(), { loadMs: 200, latency: MEASUREMENT.latency }, { load: true }, 2000);
    expect(refined.loadMs).toBe(200);
    expect(refined.measuredLoadMs).toBe(120);
    expect(refined.loadObservations).toBe(1);
  });

  it('leaves the input record unchanged', () => {
    const original = record();
    withRefinement(original, { loadMs: 200, latency: refineLatency(MEASUREMENT.latency, 1, 50) }, { batchSize: 1, load: true }, 2000);
    expect(original).toEqual(record());
  });

  it('gives the next start the figures refined over many batches', () => {
    // The scheduler refines its profile, then copies it into the record; a later start reads it back.
    let latency = MEASUREMENT.latency;
    let stored = record();
    for (const observed of [9, 11, 10, 12]) {
      latency = refineLatency(latency, 4, observed);
      stored = withRefinement(stored, { loadMs: 120, latency }, { batchSize: 4 }, 3000);
    }
    expect(storedProfileProblem(stored, REQUIREMENT)).toBeUndefined();
    expect(measurementOf(stored).latency).toEqual(latency);
    expect(refinementCount(stored)).toBe(4);
  });
});
