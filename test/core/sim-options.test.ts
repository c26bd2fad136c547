import { describe, expect, it } from 'vitest';

import { HELP, SIM_DEFAULTS, parseSimOptions } from '../../tools/sim/options';

describe('parseSimOptions', () => {
  it('fills every default', () => {
    const options = parseSimOptions([]);
    expect(options?.workloads).toEqual(['control', 'shift']);
    expect(options?.loads).toEqual([0.5, 1, 2, 3]);
    expect(options?.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(options?.profile).toBe('models/profiles/node-wasm.json');
    expect(options?.memoryBudgetBytes).toBe(64 * 2 ** 20);
    expect(options?.apps).toBeUndefined();
  });

  it('parses lists and numbers', () => {
    const options = parseSimOptions(['--apps', 'product,weather', '--load', '0.5,2', '--seeds', '3', '--requests', '100', '--memory-budget', '16']);
    expect(options?.apps).toEqual(['product', 'weather']);
    expect(options?.loads).toEqual([0.5, 2]);
    expect(options?.seeds).toEqual([3]);
    expect(options?.requests).toBe(100);
    expect(options?.memoryBudgetBytes).toBe(16 * 2 ** 20);
  });

  it('parses batch sizes', () => {
    expect(parseSimOptions(['--batch-sizes', '1,2,4'])?.batchSizes).toEqual([1, 2, 4]);
    expect(parseSimOptions(['--batch-sizes', 'all'])?.batchSizes).toBeUndefined();
    // The default is every size, as in the live scheduler.
    expect(parseSimOptions([])?.batchSizes).toBeUndefined();
  });

  it('returns undefined for --help', () => {
    expect(parseSimOptions(['--help'])).toBeUndefined();
  });

  it('expands "all" policies', () => {
    expect(parseSimOptions(['--policies', 'all'])?.policies).toContain('load-switching');
  });

  it.each([
    [['--load', '0,1'], '--load contains "0"'],
    [['--workload', 'storm'], '--workload contains "storm"'],
    [['--policies', 'sneakpeek,magic'], '--policies contains "magic"'],
    [['--seeds', '1.5'], '--seeds contains "1.5"'],
    [['--requests', '0'], '--requests is "0"'],
    [['--deadline-range', '8,2'], '--deadline-range is "8,2"'],
    [['--deadline-range', '2'], '--deadline-range is "2"'],
    [['--jobs', 'two'], '--jobs is "two"'],
    [['--batch-sizes', '2,4'], 'without 1'],
    [['--apps', 'product,,spam'], 'empty entry'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSimOptions(argv)).toThrow(message);
  });

  it('documents every default in the help text', () => {
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.requests}`);
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.profile}`);
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.deadlineRange.join(',')}`);
    expect(HELP).toContain('default: all (as the live scheduler');
  });
});
