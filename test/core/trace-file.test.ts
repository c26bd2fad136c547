import { describe, expect, it } from 'vitest';

import type { RecordedSplit } from '../../src/core/manifest';
import { indexRecords, LabelPlanKind } from '../../src/core/workloads/label-mix';
import { checkTraceRows, parseTraceCsv, parseTraceJson, parseTraceText, traceApplications, TraceFileError, type TraceRow } from '../../src/core/workloads/trace-file';
import { planTraceStream, type TraceStreamSpec } from '../../src/core/workloads/trace-plan';

const SOURCE = 'trace.csv';

/** Returns the error `action` throws, or fails the test when it throws none. */
function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`A non-Error was thrown: ${String(error)}`);
  }
  throw new Error('Expected an error, but none was thrown.');
}

describe('parseTraceCsv', () => {
  it('reads every column', () => {
    const rows = parseTraceCsv('arrival_ms,application,record,deadline_ms\n0,product,17,40\n2.5,spam,3,12.5\n', SOURCE);
    expect(rows).toEqual([
      { arrivalMs: 0, application: 'product', record: 17, deadlineMs: 40, location: 'line 2' },
      { arrivalMs: 2.5, application: 'spam', record: 3, deadlineMs: 12.5, location: 'line 3' },
    ]);
  });

  it('treats empty optional fields as absent', () => {
    const [row] = parseTraceCsv('arrival_ms,application,record,deadline_ms\n1,weather,,\n', SOURCE);
    expect(row?.record).toBeUndefined();
    expect(row?.deadlineMs).toBeUndefined();
  });

  it('accepts columns in any order', () => {
    const [row] = parseTraceCsv('application,deadline_ms,arrival_ms\nspam,30,7\n', SOURCE);
    expect(row).toEqual({ arrivalMs: 7, application: 'spam', record: undefined, deadlineMs: 30, location: 'line 2' });
  });

  it('skips blank lines, comments and CRLF endings', () => {
    const rows = parseTraceCsv('# recorded at the kiosk\r\n\r\narrival_ms,application\r\n\r\n# first\r\n4,"product"\r\n', SOURCE);
    expect(rows).toEqual([{ arrivalMs: 4, application: 'product', record: undefined, deadlineMs: undefined, location: 'line 6' }]);
  });

  it.each([
    ['arrival_ms,app\n0,product\n', 'line 1: header column "app" is unknown'],
    ['arrival_ms,application,arrival_ms\n0,product,1\n', 'header column "arrival_ms" appears twice'],
    ['application,record\nproduct,1\n', 'the header has no "arrival_ms" column'],
    ['arrival_ms,record\n1,1\n', 'the header has no "application" column'],
    ['arrival_ms,application\n0,product,3\n', 'line 2: 3 fields for the 2 columns'],
    ['arrival_ms,application\n0,product\nsoon,spam\n', 'line 3: arrival_ms is "soon"'],
    ['arrival_ms,application\n-1,product\n', 'line 2: arrival_ms is -1'],
    ['arrival_ms,application\nInfinity,product\n', 'line 2: arrival_ms is Infinity'],
    ['arrival_ms,application\n,product\n', 'line 2: arrival_ms is missing'],
    ['arrival_ms,application\n1,\n', 'line 2: application is missing'],
    ['arrival_ms,application,record\n1,product,2.5\n', 'line 2: record is 2.5'],
    ['arrival_ms,application,record\n1,product,-3\n', 'line 2: record is -3'],
    ['arrival_ms,application,deadline_ms\n1,product,0\n', 'line 2: deadline_ms is 0'],
    ['arrival_ms,application,deadline_ms\n1,product,late\n', 'line 2: deadline_ms is "late"'],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseTraceCsv(text, SOURCE));
    expect(error).toBeInstanceOf(TraceFileError);
    expect(error.message).toContain(`Trace file ${SOURCE}`);
    expect(error.message).toContain(message);
  });
});

describe('parseTraceJson', () => {
  it('reads objects with optional keys', () => {
    const rows = parseTraceJson('[{"arrival_ms": 0, "application": "product", "record": 17, "deadline_ms": 40}, {"arrival_ms": 3, "application": "spam", "record": null}]', 'trace.json');
    expect(rows).toEqual([
      { arrivalMs: 0, application: 'product', record: 17, deadlineMs: 40, location: 'element 0' },
      { arrivalMs: 3, application: 'spam', record: undefined, deadlineMs: undefined, location: 'element 1' },
    ]);
  });

  it.each([
    ['[1,', 'is not valid JSON'],
    ['{"arrival_ms": 0}', 'contains a JSON object, not an array'],
    ['[[0, "product"]]', 'element 0: a JSON array, not an object'],
    ['[{"arrival_ms": 0, "application": "spam", "deadline": 3}]', 'element 0: unknown key "deadline"'],
    ['[{"arrival_ms": "0", "application": "spam"}]', 'element 0: arrival_ms is "0"'],
    ['[{"application": "spam"}]', 'element 0: arrival_ms is missing'],
    ['[{"arrival_ms": 1, "application": 7}]', 'element 0: application is 7'],
    ['[{"arrival_ms": 1, "application": "spam", "record": "4"}]', 'element 0: record is "4"'],
    ['[{"arrival_ms": 1, "application": "spam", "deadline_ms": -2}]', 'element 0: deadline_ms is -2'],
  ])('rejects %j', (text, message) => {
    const error = errorOf(() => parseTraceText(text, 'trace.json'));
    expect(error).toBeInstanceOf(TraceFileError);
    expect(error.message).toContain(message);
  });
});

describe('parseTraceText', () => {
  it('chooses JSON or CSV by the first character', () => {
    expect(parseTraceText('  \n[{"arrival_ms": 1, "application": "spam"}]', SOURCE)[0]?.location).toBe('element 0');
    expect(parseTraceText('arrival_ms,application\n1,spam\n', SOURCE)[0]?.location).toBe('line 2');
  });

  it.each([
    ['', 'has no header line'],
    ['# only a comment\n', 'has no header line'],
    ['arrival_ms,application\n', 'contains no requests'],
    ['[]', 'contains no requests'],
  ])('rejects the empty trace %j', (text, message) => {
    const error = errorOf(() => parseTraceText(text, SOURCE));
    expect(error).toBeInstanceOf(TraceFileError);
    expect(error.message).toContain(message);
    expect(error.message).toContain('arrival_ms,application[,record][,deadline_ms]');
  });
});

describe('checkTraceRows', () => {
  const served = [
    { id: 'product', testRecords: 100 },
    { id: 'spam', testRecords: 10 },
  ];
  const row = (application: string, record?: number): TraceRow => ({ arrivalMs: 0, application, record, deadlineMs: undefined, location: 'line 9' });

  it('accepts served applications and records in range', () => {
    expect(() => checkTraceRows([row('product', 99), row('spam'), row('spam', 0)], served, SOURCE, 'the served ones')).not.toThrow();
  });

  it('names an unknown application and lists the served ones', () => {
    const error = errorOf(() => checkTraceRows([row('toaster')], served, SOURCE, 'the applications of --apps'));
    expect(error.message).toContain('line 9: application "toaster" is not served');
    expect(error.message).toContain('product, spam (the applications of --apps)');
  });

  it('names a record outside the test split', () => {
    const error = errorOf(() => checkTraceRows([row('spam', 10)], served, SOURCE, 'the served ones'));
    expect(error.message).toContain('record 10 is outside application "spam"\'s 10 test records. Use 0 to 9');
  });

  it('lists applications in order of appearance', () => {
    expect(traceApplications([row('spam'), row('product'), row('spam')])).toEqual(['spam', 'product']);
  });
});

describe('planTraceStream', () => {
  // Four classes with 25 records each: record r has label r % 4.
  const test: RecordedSplit = {
    labels: Array.from({ length: 100 }, (_, record) => record % 4),
    predictions: {},
    sneakpeekLogits: Array.from({ length: 100 }, () => [0, 0, 0, 0]),
  };
  const spec = (mix: number[], seed = 1): TraceStreamSpec => ({
    application: 'product',
    labelPlan: { kind: LabelPlanKind.Mix, name: 'test mix', mix },
    records: indexRecords(test, 4),
    deadlineRangeMs: [10, 20],
    weight: 2,
    seed,
  });
  const row = (arrivalMs: number, fields: Partial<TraceRow> = {}): TraceRow => ({
    arrivalMs,
    application: 'product',
    record: undefined,
    deadlineMs: undefined,
    location: `line ${arrivalMs}`,
    ...fields,
  });

  it('keeps given arrivals, records and deadlines', () => {
    const planned = planTraceStream([row(5, { record: 42, deadlineMs: 7.5 })], spec([0.25, 0.25, 0.25, 0.25]));
    expect(planned).toEqual([{ id: 'product-0', application: 'product', position: 0, record: 42, arrival: 5, relativeDeadlineMs: 7.5, weight: 2, inBurst: false }]);
  });

  it('orders rows by arrival, then file order', () => {
    const planned = planTraceStream([row(9, { record: 1 }), row(3, { record: 2 }), row(3, { record: 3 })], spec([0.25, 0.25, 0.25, 0.25]));
    expect(planned.map((arrival) => arrival.record)).toEqual([2, 3, 1]);
    expect(planned.map((arrival) => arrival.id)).toEqual(['product-0', 'product-1', 'product-2']);
  });

  it('ignores rows of other applications', () => {
    const planned = planTraceStream([row(1, { application: 'spam' }), row(2)], spec([0.25, 0.25, 0.25, 0.25]));
    expect(planned).toHaveLength(1);
    expect(planned[0]?.arrival).toBe(2);
  });

  it('draws missing records from the label plan', () => {
    const rows = Array.from({ length: 200 }, (_, index) => row(index));
    const planned = planTraceStream(rows, spec([0, 0, 0, 1]));
    expect(planned.every((arrival) => arrival.record % 4 === 3)).toBe(true);
  });

  it('draws missing deadlines from the range', () => {
    const rows = Array.from({ length: 200 }, (_, index) => row(index));
    const deadlines = planTraceStream(rows, spec([0.25, 0.25, 0.25, 0.25])).map((arrival) => arrival.relativeDeadlineMs);
    expect(Math.min(...deadlines)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(20);
    expect(new Set(deadlines).size).toBeGreaterThan(100);
  });

  it('repeats its draws for a seed', () => {
    const rows = Array.from({ length: 50 }, (_, index) => row(index));
    const first = planTraceStream(rows, spec([0.25, 0.25, 0.25, 0.25], 7));
    expect(planTraceStream(rows, spec([0.25, 0.25, 0.25, 0.25], 7))).toEqual(first);
    expect(planTraceStream(rows, spec([0.25, 0.25, 0.25, 0.25], 8))).not.toEqual(first);
  });

  it('rejects an invalid deadline range', () => {
    expect(() => planTraceStream([row(1)], { ...spec([1, 0, 0, 0]), deadlineRangeMs: [5, 2] })).toThrow('Deadline range of application "product" is [5, 2] ms');
  });
});
