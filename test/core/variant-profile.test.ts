import { describe, expect, it } from 'vitest';

import type { ModelEntry } from '../../src/core/manifest';
import type { VariantProfile } from '../../src/core/model';
import { createVariantProfile, validateVariantProfiles } from '../../src/core/variant-profile';
import { SMALL_LATENCY, makeVariant } from './fixtures';

const entry: ModelEntry = {
  id: 'product-small',
  description: 'test entry',
  file: 'product-small.onnx',
  bytes: 1,
  sha256: '0'.repeat(64),
  outputName: 'logits',
  outputKind: 'logits',
  parameters: 1,
  opset: 17,
  maxBatch: 8,
  footprint: { bytes: 4096, method: 'weights times 2' },
  confusion: [[9, 1], [3, 7]],
  validationAccuracy: 0.8,
  testAccuracy: 0.8,
};

describe('createVariantProfile', () => {
  it('combines the manifest entry with the measurements', () => {
    // Recall 9/10 and 7/10; mix 0.5/0.5; A = 0.8.
    const profile = createVariantProfile('product', entry, { latency: SMALL_LATENCY, loadMs: 120 });

    expect(profile).toEqual({
      id: 'product-small',
      application: 'product',
      footprintBytes: 4096,
      maxBatch: 8,
      loadMs: 120,
      latency: SMALL_LATENCY,
      recall: [0.9, 0.7],
      profiledAccuracy: expect.closeTo(0.8, 12),
    });
  });

  it('rejects a negative load cost', () => {
    expect(() => createVariantProfile('product', entry, { latency: SMALL_LATENCY, loadMs: -1 })).toThrow(
      /variant "product-small" has loadMs -1/,
    );
  });
});

describe('validateVariantProfiles', () => {
  it.each([
    { name: 'a zero footprint', variant: { footprintBytes: 0 }, message: /variant "v" has footprintBytes 0/ },
    { name: 'a fractional maxBatch', variant: { maxBatch: 2.5 }, message: /variant "v" has maxBatch 2.5/ },
    { name: 'an empty latency profile', variant: { latency: [] }, message: /variant "v" latency profile has no measured points/ },
    { name: 'a recall above 1', variant: { recall: [1.5] }, message: /variant "v" has recall 1.5 for class 0/ },
    { name: 'a footprint above the budget', variant: { footprintBytes: 2000 }, message: /Variant "v" has an estimated footprint of 2000 bytes, above the memory budget of 1000 bytes/ },
  ])('rejects $name', ({ variant, message }) => {
    const profile: VariantProfile = makeVariant({ id: 'v', ...variant });
    expect(() => validateVariantProfiles([profile], 1000)).toThrow(message);
  });

  it('rejects duplicate ids', () => {
    expect(() => validateVariantProfiles([makeVariant({ id: 'v' }), makeVariant({ id: 'v', application: 'other' })], 1000)).toThrow(
      /Variant id "v" appears twice/,
    );
  });
});
