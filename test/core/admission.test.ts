import { describe, expect, it } from 'vitest';

import { resolveRuntimeOptions, type RuntimeOptions } from '../../src/client/options';
import { checkQueueBound, DEFAULT_MAX_QUEUED_REQUESTS, QueueFullError } from '../../src/core/admission';

describe('checkQueueBound', () => {
  it('accepts while open requests are below the bound', () => {
    expect(() => checkQueueBound('r1', 0, 1)).not.toThrow();
    expect(() => checkQueueBound('r1', 9, 10)).not.toThrow();
  });

  it('rejects at the bound with a QueueFullError', () => {
    expect(() => checkQueueBound('r11', 10, 10)).toThrow(QueueFullError);
  });

  it('names the request, the bound and the fix', () => {
    let error: unknown;
    try {
      checkQueueBound('r11', 10, 10);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as Error).name).toBe('QueueFullError');
    expect((error as Error).message).toBe(
      'Request "r11" was not accepted: 10 requests are open, the maxQueuedRequests bound of 10. ' +
        'Wait for outcomes before submitting more, or create the runtime with a larger maxQueuedRequests.',
    );
  });
});

describe('resolveRuntimeOptions maxQueuedRequests', () => {
  const BASE = 'http://127.0.0.1:4173/';

  it('defaults to DEFAULT_MAX_QUEUED_REQUESTS', () => {
    expect(resolveRuntimeOptions({}, BASE).maxQueuedRequests).toBe(DEFAULT_MAX_QUEUED_REQUESTS);
  });

  it('passes a whole number to the scheduler', () => {
    expect(resolveRuntimeOptions({ maxQueuedRequests: 1 }, BASE).maxQueuedRequests).toBe(1);
  });

  it.each([0, -5, 2.5, Number.NaN, '10'])('rejects %s', (value) => {
    const options = { maxQueuedRequests: value } as unknown as RuntimeOptions;
    expect(() => resolveRuntimeOptions(options, BASE)).toThrow(/^Option maxQueuedRequests is .*; pass a whole number of requests ≥ 1 \(default 2000\)\.$/);
  });
});
