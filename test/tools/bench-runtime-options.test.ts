import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { Manifest } from '../../src/core/manifest.js';
import { selectVariants } from '../../tools/bench/runtime-driver.js';
import { parseRuntimeBenchOptions, QUICK_DEFAULTS, RUNTIME_BENCH_DEFAULTS, UsageError } from '../../tools/bench/runtime-options.js';
import { summarize } from '../../tools/bench/runtime-report.js';

const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../models/manifest.json'), 'utf8')) as Manifest;
const allVariants = manifest.applications.flatMap((application) => application.variants.map((variant) => variant.id));

describe('bench:runtime options', () => {
  it('fills the documented defaults', () => {
    const options = parseRuntimeBenchOptions([])!;

    expect(options.scenarios).toEqual(['overhead', 'soak', 'swap']);
    expect(options.providers).toEqual(['webgpu', 'wasm']);
    expect(options.batchSizes).toEqual([1, 8]);
    expect(options.soakRequests).toBe(10_000);
    expect(options.soakBudgetBytes).toBe(RUNTIME_BENCH_DEFAULTS.soakBudgetMiB * 2 ** 20);
    expect(options.soakDeadlineMs).toBeUndefined();
  });

  it('lets --quick shrink defaults but not explicit values', () => {
    const options = parseRuntimeBenchOptions(['--quick', '--batches', '7'])!;

    expect(options.batches).toBe(7);
    expect(options.soakRequests).toBe(QUICK_DEFAULTS.soakRequests);
    expect(options.swapRepetitions).toBe(QUICK_DEFAULTS.swapRepetitions);
  });

  it('returns nothing for --help', () => {
    expect(parseRuntimeBenchOptions(['--help'])).toBeUndefined();
  });

  it.each([
    [['--batches', '0'], '--batches is "0". Give a whole number of batches >= 1 (default 30).'],
    [['--soak-rate=-5'], '--soak-rate is "-5". Give a positive number of requests per second (default 40).'],
    [['--soak-rate', '0x10'], '--soak-rate is "0x10".'],
    [['--providers', 'webgl'], '--providers contains "webgl". Give some of webgpu, wasm'],
    [['--scenarios', 'overhead,,soak'], '--scenarios is "overhead,,soak", which has an empty entry.'],
    [['--batch-sizes', '1,2.5'], '--batch-sizes contains "2.5". Give whole batch sizes >= 1'],
    [['--port', '70000'], '--port is "70000". Give a port number from 1 to 65535'],
    [['--out', ' '], '--out is empty.'],
    [['--frobnicate'], "Unknown option '--frobnicate'. Run npm run bench:runtime -- --help for the options."],
  ])('rejects %j', (argv, message) => {
    expect(() => parseRuntimeBenchOptions(argv)).toThrow(UsageError);
    expect(() => parseRuntimeBenchOptions(argv)).toThrow(message);
  });
});

describe('bench:runtime variant selection', () => {
  it('measures every variant by default', () => {
    const selection = selectVariants(manifest, parseRuntimeBenchOptions([])!);

    expect(selection.variants).toEqual(allVariants);
    expect(selection.soakVariants).toBeUndefined();
  });

  it('measures one variant with --quick', () => {
    const selection = selectVariants(manifest, parseRuntimeBenchOptions(['--quick'])!);

    expect(selection.variants).toEqual([allVariants[0]]);
    expect(selection.soakVariants).toEqual([allVariants[0]]);
  });

  it('rejects an unknown variant, naming the known ones', () => {
    const options = parseRuntimeBenchOptions(['--soak-variants', 'product-huge'])!;

    expect(() => selectVariants(manifest, options)).toThrow(`--soak-variants contains "product-huge", which the manifest does not contain. Known variants: ${allVariants.join(', ')}.`);
  });

  it('rejects a batch size above a variant maximum', () => {
    const options = parseRuntimeBenchOptions(['--batch-sizes', '1,4096'])!;

    expect(() => selectVariants(manifest, options)).toThrow('--batch-sizes contains 4096, above the maxBatch');
  });
});

describe('bench:runtime summaries', () => {
  it('takes nearest-rank percentiles', () => {
    const summary = summarize([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);

    expect(summary).toEqual({ samples: 10, median: 5, p90: 9, min: 1, max: 10 });
  });

  it('rejects an empty sample list', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});
