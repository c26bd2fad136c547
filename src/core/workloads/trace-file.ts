/**
 * User-provided arrival traces: parsing and checking the text of a trace file.
 *
 * Two formats carry the same fields:
 *
 * - CSV: a header line naming the columns, then one request per line. `arrival_ms` and
 *   `application` are required, `record` and `deadline_ms` optional, in any order. Blank lines and
 *   lines starting with `#` are skipped. Fields are separated by commas and trimmed; a field
 *   wrapped in double quotes loses them. An empty optional field counts as absent.
 * - JSON: an array of objects with the keys `arrival_ms`, `application` and optionally `record`
 *   and `deadline_ms`; `null` counts as absent.
 *
 * Fields:
 *
 * | field         | unit and meaning |
 * |---------------|------------------|
 * | `arrival_ms`  | arrival time in milliseconds from the start of the trace, finite and >= 0 |
 * | `application` | id of the application the request belongs to |
 * | `record`      | index of the recorded test record the request carries, a whole number >= 0 |
 * | `deadline_ms` | relative deadline in milliseconds after the arrival, finite and > 0 |
 *
 * Rows may come in any order. Every error names the file, the line (CSV) or element (JSON), the
 * field, the value and what is expected.
 */

/** One request of a trace file. */
export interface TraceRow {
  /** Arrival time in milliseconds from the start of the trace. */
  arrivalMs: number;
  application: string;
  /** Recorded test record, or undefined when the workload's label mix draws one. */
  record: number | undefined;
  /** Relative deadline in milliseconds after the arrival, or undefined when one is drawn. */
  deadlineMs: number | undefined;
  /** Position of the row in its file, for errors: `line 3` or `element 0`. */
  location: string;
}

/** A trace file that cannot be read as a trace. */
export class TraceFileError extends Error {
  override name = 'TraceFileError';
}

/** Header columns of the CSV format, required ones first. */
export const TRACE_COLUMNS = Object.freeze(['arrival_ms', 'application', 'record', 'deadline_ms'] as const);
type TraceColumn = (typeof TRACE_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly TraceColumn[] = ['arrival_ms', 'application'];

const FORMAT_HINT = `Expected CSV with the header ${TRACE_COLUMNS[0]},${TRACE_COLUMNS[1]}[,${TRACE_COLUMNS[2]}][,${TRACE_COLUMNS[3]}] or a JSON array of objects with those keys`;

/**
 * Parses a trace file's text: JSON when its first character other than whitespace is `[` or `{`,
 * CSV otherwise. `source` names the file in errors. Throws a `TraceFileError` for a malformed or
 * empty trace.
 */
export function parseTraceText(text: string, source: string): TraceRow[] {
  const first = text.trimStart()[0];
  const rows = first === '[' || first === '{' ? parseTraceJson(text, source) : parseTraceCsv(text, source);
  if (rows.length === 0) {
    throw new TraceFileError(`Trace file ${source} contains no requests. ${FORMAT_HINT}, with at least one request.`);
  }
  return rows;
}

/** Parses the CSV format; returns no rows for a header without data lines. */
export function parseTraceCsv(text: string, source: string): TraceRow[] {
  const lines = text.split(/\r?\n/);
  let columns: TraceColumn[] | undefined;
  const rows: TraceRow[] = [];

  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const location = `line ${index + 1}`;
    const fields = trimmed.split(',').map(unquote);

    if (columns === undefined) {
      columns = parseHeader(fields, source, location);
      continue;
    }
    if (fields.length !== columns.length) {
      throw new TraceFileError(
        `Trace file ${source}, ${location}: ${fields.length} fields for the ${columns.length} columns of the header (${columns.join(',')}). Give one value per column, leaving optional ones empty.`,
      );
    }

    const values = new Map<TraceColumn, string>();
    for (const [position, column] of columns.entries()) values.set(column, fields[position] as string);
    rows.push(
      toRow(
        {
          arrival_ms: csvNumber(values.get('arrival_ms')),
          application: values.get('application'),
          record: csvNumber(values.get('record')),
          deadline_ms: csvNumber(values.get('deadline_ms')),
        },
        source,
        location,
      ),
    );
  }

  if (columns === undefined) {
    throw new TraceFileError(`Trace file ${source} is empty: it has no header line. ${FORMAT_HINT}.`);
  }
  return rows;
}

/** Parses the JSON format. */
export function parseTraceJson(text: string, source: string): TraceRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TraceFileError(`Trace file ${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}). ${FORMAT_HINT}.`, {
      cause: error,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new TraceFileError(`Trace file ${source} contains a JSON ${describeJson(parsed)}, not an array. ${FORMAT_HINT}.`);
  }

  return parsed.map((element: unknown, index) => {
    const location = `element ${index}`;
    if (typeof element !== 'object' || element === null || Array.isArray(element)) {
      throw new TraceFileError(
        `Trace file ${source}, ${location}: a JSON ${describeJson(element)}, not an object. Give objects such as {"arrival_ms": 12.5, "application": "product"}.`,
      );
    }
    for (const key of Object.keys(element)) {
      if (!(TRACE_COLUMNS as readonly string[]).includes(key)) {
        throw new TraceFileError(`Trace file ${source}, ${location}: unknown key "${key}". Use only ${TRACE_COLUMNS.join(', ')}.`);
      }
    }
    const fields = element as Record<string, unknown>;
    return toRow(
      { arrival_ms: fields.arrival_ms, application: fields.application, record: fields.record ?? undefined, deadline_ms: fields.deadline_ms ?? undefined },
      source,
      location,
    );
  });
}

/** Served application: its id and the number of recorded test records. */
export interface TraceApplication {
  id: string;
  testRecords: number;
}

/**
 * Checks that every row names a served application and a record inside its test split. Throws a
 * `TraceFileError` naming the row, the value and the valid ones. `servedBy` names the source of
 * the served applications, for example "the applications of --apps".
 */
export function checkTraceRows(rows: readonly TraceRow[], applications: readonly TraceApplication[], source: string, servedBy: string): void {
  const byId = new Map(applications.map((application) => [application.id, application]));
  for (const row of rows) {
    const application = byId.get(row.application);
    if (application === undefined) {
      throw new TraceFileError(
        `Trace file ${source}, ${row.location}: application "${row.application}" is not served. Use one of ${applications.map((entry) => entry.id).join(', ')} (${servedBy}).`,
      );
    }
    if (row.record !== undefined && row.record >= application.testRecords) {
      throw new TraceFileError(
        `Trace file ${source}, ${row.location}: record ${row.record} is outside application "${row.application}"'s ${application.testRecords} test records. Use 0 to ${application.testRecords - 1}, or leave it empty to draw one.`,
      );
    }
  }
}

/** Returns the application ids a trace names, in order of first appearance. */
export function traceApplications(rows: readonly TraceRow[]): string[] {
  return [...new Set(rows.map((row) => row.application))];
}

function parseHeader(fields: readonly string[], source: string, location: string): TraceColumn[] {
  const columns: TraceColumn[] = [];
  for (const field of fields) {
    const column = TRACE_COLUMNS.find((name) => name === field);
    if (column === undefined) {
      throw new TraceFileError(
        `Trace file ${source}, ${location}: header column "${field}" is unknown. ${FORMAT_HINT}; the first line that is not blank or a # comment is the header.`,
      );
    }
    if (columns.includes(column)) throw new TraceFileError(`Trace file ${source}, ${location}: header column "${field}" appears twice. Name each column once.`);
    columns.push(column);
  }
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) {
      throw new TraceFileError(`Trace file ${source}, ${location}: the header has no "${required}" column. ${FORMAT_HINT}.`);
    }
  }
  return columns;
}

/** Raw field values: numbers, or strings as they appeared, or undefined when absent. */
interface RawFields {
  arrival_ms: unknown;
  application: unknown;
  record: unknown;
  deadline_ms: unknown;
}

/** Converts a CSV field to a number, keeping a field that is not one as a string so the error can quote it. */
function csvNumber(text: string | undefined): number | string | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? text : value;
}

function toRow(raw: RawFields, source: string, location: string): TraceRow {
  const where = `Trace file ${source}, ${location}`;
  const { arrival_ms: arrival, application, record, deadline_ms: deadline } = raw;

  if (arrival === undefined) throw new TraceFileError(`${where}: arrival_ms is missing. Give the arrival time in ms from the start of the trace.`);
  if (typeof arrival !== 'number' || !Number.isFinite(arrival) || arrival < 0) {
    throw new TraceFileError(`${where}: arrival_ms is ${quote(arrival)}. Give the arrival time in ms from the start of the trace, a finite number >= 0.`);
  }

  if (application === undefined || application === '') {
    throw new TraceFileError(`${where}: application is missing. Give an application id such as "product".`);
  }
  if (typeof application !== 'string') {
    throw new TraceFileError(`${where}: application is ${quote(application)}. Give an application id as a string, such as "product".`);
  }

  if (record !== undefined && (typeof record !== 'number' || !Number.isInteger(record) || record < 0)) {
    throw new TraceFileError(`${where}: record is ${quote(record)}. Give the index of a recorded test record, a whole number >= 0, or leave it empty to draw one.`);
  }

  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline <= 0)) {
    throw new TraceFileError(
      `${where}: deadline_ms is ${quote(deadline)}. Give the relative deadline in ms after the arrival, a finite number > 0, or leave it empty to draw one.`,
    );
  }

  return { arrivalMs: arrival, application, record: record as number | undefined, deadlineMs: deadline as number | undefined, location };
}

function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
}

function quote(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
