import { describe, expect, it } from 'vitest';

import { POLICY_NAMES } from '../../src/core/baselines/catalog';
import { WORKLOAD_KINDS } from '../../src/core/workloads/workload-plan';
import { HELP, MAX_LOAD, SIM_DEFAULTS, parseSimOptions } from '../../tools/sim/options';

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
    // The default is the profiled sizes, as in the live scheduler.
    expect(parseSimOptions([])?.batchSizes).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
  });

  it('returns undefined for --help', () => {
    expect(parseSimOptions(['--help'])).toBeUndefined();
  });

  it('expands "all" policies', () => {
    expect(parseSimOptions(['--policies', 'all'])?.policies).toContain('load-switching');
  });

  it.each([
    [['--load', '0,1'], '--load contains "0"'],
    [['--load=-1'], '--load contains "-1"'],
    [['--load', '1,101'], '--load contains "101". Give load factors in (0, 100]'],
    [['--load', 'Infinity'], '--load contains "Infinity"'],
    [['--load', 'heavy'], '--load contains "heavy"'],
    [['--load', '0x2'], '--load contains "0x2"'],
    [['--requests', '1e400'], '--requests is "1e400"'],
    [['--workload', 'storm'], '--workload contains "storm"'],
    [['--policies', 'sneakpeek,magic'], '--policies contains "magic"'],
    [['--seeds', '1.5'], '--seeds contains "1.5"'],
    [['--seeds', '99999999999999999999'], '--seeds contains "99999999999999999999". Give whole numbers from 0 to 9007199254740991'],
    [['--seeds=-1'], '--seeds contains "-1"'],
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

  it('accepts loads up to the maximum', () => {
    expect(parseSimOptions(['--load', `0.01,${MAX_LOAD}`])?.loads).toEqual([0.01, MAX_LOAD]);
  });

  it('lists every workload for an unknown one', () => {
    expect(() => parseSimOptions(['--workload', 'control,storm'])).toThrow(`Use one or more of ${WORKLOAD_KINDS.join(', ')}`);
  });

  it('lists every policy for an unknown one', () => {
    expect(() => parseSimOptions(['--policies', 'magic'])).toThrow(POLICY_NAMES.join(', '));
  });

  it('documents every default in the help text', () => {
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.requests}`);
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.profile}`);
    expect(HELP).toContain(`default: ${SIM_DEFAULTS.deadlineRange.join(',')}`);
    expect(HELP).toContain('default: 1,2,4,8,16,32,64,128 (the sizes the live scheduler');
  });

  it('documents the trace format with units', () => {
    expect(HELP).toContain('--trace FILE');
    expect(HELP).toContain('arrival_ms    required; arrival time in ms from the start of the trace');
    expect(HELP).toContain('deadline_ms   optional; relative deadline in ms after the arrival');
    expect(HELP).toContain('record        optional; index of a recorded test record');
  });
});

describe('parseSimOptions with --trace', () => {
  it('keeps the path and drops the load factors', () => {
    const options = parseSimOptions(['--trace', 'traces/kiosk.csv', '--workload', 'shift', '--seeds', '1,2']);
    expect(options?.trace).toBe('traces/kiosk.csv');
    expect(options?.loads).toEqual([]);
    expect(options?.workloads).toEqual(['shift']);
    expect(options?.seeds).toEqual([1, 2]);
  });

  it('leaves trace undefined without the option', () => {
    expect(parseSimOptions([])?.trace).toBeUndefined();
  });

  it.each([
    [['--trace', 'a.csv', '--load', '2'], '--load is "2", but --trace a.csv fixes the arrivals'],
    [['--trace', 'a.csv', '--requests', '50'], '--requests is "50", but --trace a.csv fixes the arrivals'],
    [['--trace', 'a.csv', '--burst-ratio', '3'], '--burst-ratio is "3", but --trace a.csv fixes the arrivals'],
    [['--trace', 'a.csv', '--workload', 'control,burst'], '--workload contains "burst", whose burst arrivals --trace a.csv would replace'],
    [['--trace', 'a.csv', '--workload', 'mixed'], '--workload contains "mixed"'],
    [['--trace', ' '], '--trace is empty'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSimOptions(argv)).toThrow(message);
  });
});
