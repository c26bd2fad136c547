import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applicationCapacity } from '../../src/core/simulator/experiment';
import { TraceFileError, type TraceRow } from '../../src/core/workloads/trace-file';
import { buildCellSpec, runPreparedCell, type CellSpecData, type TraceInput } from '../../tools/sim/cell-spec';
import { loadSimInputs, readTraceFile } from '../../tools/sim/inputs';
import { SIM_DEFAULTS, UsageError } from '../../tools/sim/options';
import { buildFileTrace, offeredLoad } from '../../tools/sim/trace-cell';

// These tests read the committed manifest, recorded outputs and Node device profile.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let folder = '';

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'sim-trace-'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function traceFile(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

function specData(apps: string[] | undefined, trace: TraceInput | undefined): CellSpecData {
  return {
    root,
    manifest: SIM_DEFAULTS.manifest,
    profile: SIM_DEFAULTS.profile,
    apps,
    requests: 10,
    deadlineRange: [2, 8],
    burstRatio: SIM_DEFAULTS.burstRatio,
    policies: ['sneakpeek', 'edf-fastest'],
    memoryBudgetBytes: SIM_DEFAULTS.memoryBudgetMiB * 2 ** 20,
    swapMargin: SIM_DEFAULTS.swapMargin,
    maxQueueDelayMs: SIM_DEFAULTS.maxQueueDelayMs,
    batchSizes: SIM_DEFAULTS.batchSizes === undefined ? undefined : [...SIM_DEFAULTS.batchSizes],
    trace,
  };
}

describe('loadSimInputs', () => {
  it('lists the applications for an unknown one', () => {
    expect(() => loadSimInputs(root, SIM_DEFAULTS.manifest, SIM_DEFAULTS.profile, ['product', 'toaster'])).toThrow(
      /--apps names "toaster", which .*manifest\.json does not contain\. Applications: product, weather, spam\./,
    );
  });

  it('rejects a manifest passed as the profile', () => {
    expect(() => loadSimInputs(root, SIM_DEFAULTS.manifest, SIM_DEFAULTS.manifest, ['product'])).toThrow(/--profile .*manifest\.json has no "models" object/);
  });

  it('rejects a profile passed as the manifest', () => {
    expect(() => loadSimInputs(root, SIM_DEFAULTS.profile, SIM_DEFAULTS.profile, ['product'])).toThrow(/--manifest .*node-wasm\.json has no "applications" array/);
  });

  it('names a missing profile file', () => {
    expect(() => loadSimInputs(root, SIM_DEFAULTS.manifest, 'models/profiles/none.json', ['product'])).toThrow(UsageError);
  });
});

describe('readTraceFile', () => {
  it('parses a CSV file', () => {
    const path = traceFile('two.csv', 'arrival_ms,application\n0,product\n1,spam\n');
    expect(readTraceFile(root, path).rows.map((row) => row.application)).toEqual(['product', 'spam']);
  });

  it('names a missing file', () => {
    expect(() => readTraceFile(root, join(folder, 'absent.csv'))).toThrow(/--trace file .*absent\.csv was not found/);
  });

  it('rejects a folder', () => {
    expect(() => readTraceFile(root, folder)).toThrow('which is not a file');
  });

  it('rejects an empty file', () => {
    const path = traceFile('empty.csv', '');
    expect(() => readTraceFile(root, path)).toThrow(TraceFileError);
  });
});

describe('buildCellSpec with a trace', () => {
  const rows = (text: string, name: string): TraceInput => ({ source: name, rows: readTraceFile(root, traceFile(name, text)).rows });

  it('serves the applications the trace names', () => {
    const { spec } = buildCellSpec(specData(undefined, rows('arrival_ms,application\n0,spam\n1,weather\n', 'named.csv')));
    expect(spec.applications.map((application) => application.id)).toEqual(['weather', 'spam']);
  });

  it('rejects an application outside --apps', () => {
    const trace = rows('arrival_ms,application\n0,product\n1,spam\n', 'outside.csv');
    expect(() => buildCellSpec(specData(['product'], trace))).toThrow('line 3: application "spam" is not served. Use one of product (the applications of --apps');
  });

  it('rejects an application without recorded outputs', () => {
    const trace = rows('arrival_ms,application\n0,toaster\n', 'toaster.csv');
    expect(() => buildCellSpec(specData(undefined, trace))).toThrow('application "toaster" is not served. Use one of product, weather, spam (every application with recorded outputs');
  });

  it('rejects a record beyond the test split', () => {
    const trace = rows('arrival_ms,application,record\n0,weather,100000\n', 'record.csv');
    expect(() => buildCellSpec(specData(undefined, trace))).toThrow('line 2: record 100000 is outside application "weather"');
  });
});

describe('trace replay', () => {
  const text = ['arrival_ms,application,record,deadline_ms', '0,product,17,40', '2.5,spam,,', '3,product,5,', '3,spam,8,12', '20,product,100,30'].join('\n');

  it('keeps the file arrivals, records and deadlines', () => {
    const trace: TraceInput = { source: 'replay.csv', rows: readTraceFile(root, traceFile('replay.csv', text)).rows };
    const { spec } = buildCellSpec(specData(undefined, trace));
    const requests = buildFileTrace(spec, trace.rows, 'control', 1);
    const byId = new Map(requests.map((request) => [request.id, request]));

    expect(requests).toHaveLength(5);
    expect(byId.get('product-0')).toMatchObject({ arrival: 0, record: 17, deadline: 40 });
    expect(byId.get('product-1')).toMatchObject({ arrival: 3, record: 5 });
    expect(byId.get('product-2')).toMatchObject({ arrival: 20, record: 100, deadline: 50 });
    expect(byId.get('spam-1')).toMatchObject({ arrival: 3, record: 8, deadline: 15 });

    const product = spec.applications.find((application) => application.id === 'product');
    expect(byId.get('product-0')?.label).toBe(product?.recorded.test.labels[17]);
  });

  it('labels its cells with the offered load', () => {
    const trace: TraceInput = { source: 'replay.csv', rows: readTraceFile(root, traceFile('replay-load.csv', text)).rows };
    const { spec } = buildCellSpec(specData(undefined, trace));
    const load = offeredLoad(spec.applications, trace.rows);
    const result = runPreparedCell(spec, trace, { workload: 'shift', load, seed: 3 });

    expect(result.runs.map((run) => run.policy)).toEqual(['sneakpeek', 'edf-fastest']);
    for (const run of result.runs) {
      expect(run.load).toBe(load);
      expect(run.summary.requests).toBe(5);
    }
  });

  it('computes the offered load over the arrival span', () => {
    const { spec } = buildCellSpec(specData(['product', 'spam'], undefined));
    const [product, spam] = spec.applications;
    const row = (arrivalMs: number, application: string): TraceRow => ({ arrivalMs, application, record: undefined, deadlineMs: undefined, location: 'line 1' });
    const rows = [row(10, 'product'), row(60, 'product'), row(110, 'spam')];

    const expected = 2 / 100 / applicationCapacity(product as never).ratePerMs + 1 / 100 / applicationCapacity(spam as never).ratePerMs;
    expect(offeredLoad(spec.applications, rows)).toBe(Number(expected.toPrecision(3)));
    expect(offeredLoad(spec.applications, [row(5, 'product'), row(5, 'spam')])).toBe(0);
  });
});
