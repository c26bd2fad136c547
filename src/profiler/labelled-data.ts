/**
 * Reading a labelled data set (validation or test records with their true classes) from the
 * formats the profiler accepts:
 *
 * - CSV: a header row, one record per row. The label column (default `label`) contains a class
 *   name or index; every other column is one input value, in column order.
 * - JSON: `{"inputs": [[...], ...], "labels": [...]}` or `[{"input": [...], "label": ...}, ...]`.
 *   Nested input arrays are flattened row-major; labels are class names or indices.
 * - NumPy `.npy` (format 1.0 to 3.0, C order): an inputs array `[N, ...]` and a separate labels
 *   array `[N]` of integers.
 * - IDX (the MNIST format, optionally gzip-compressed): an inputs file `[N, ...]` and a labels file
 *   `[N]` of unsigned bytes.
 *
 * Unsigned 8-bit inputs (NumPy `uint8`, IDX type 0x08) count as raw and are multiplied by the
 * application's scale; all other inputs are taken as already scaled, as in the runtime.
 */

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const DATA_FORMATS = ['csv', 'json', 'npy', 'idx'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface LabelledData {
  /** Input values, record after record; raw bytes when `rawBytes` is true. */
  values: Float32Array;
  /** True when the values are unsigned 8-bit raw data that the application's scale applies to. */
  rawBytes: boolean;
  /** Number of input values per record. */
  recordSize: number;
  /** Shape of one record when the format declares it (NumPy, IDX), else `[recordSize]`. */
  recordShape: number[];
  /** True class index of every record. */
  labels: number[];
  /** Files the data came from, for messages. */
  source: string;
}

/** Location of a labelled data set: the inputs file and, for NumPy and IDX, the labels file. */
export interface DataFiles {
  inputs: string;
  labels?: string;
  format?: DataFormat;
  /** CSV column with the labels. */
  labelColumn?: string;
}

/** A data file the profiler cannot use; the message names the file and the fix. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

/** Picks the format from an explicit choice or the file name. */
export function detectFormat(file: string, format?: DataFormat): DataFormat {
  if (format !== undefined) return format;
  const name = file.toLowerCase().replace(/\.gz$/, '');
  const extension = extname(name);
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  if (extension === '.npy') return 'npy';
  if (extension.startsWith('.idx') || /-ubyte$|\.idx\d?$/.test(name)) return 'idx';
  throw new DataFileError(
    `${file}: cannot tell the data format from the file name. Name it .csv, .json, .npy or .idx (MNIST-style *-ubyte files count as IDX), or pass --format csv|json|npy|idx.`,
  );
}

/**
 * Reads a labelled data set and maps labels to class indices. Throws a DataFileError naming the
 * file, the record and the fix for malformed files, labels outside `classes`, and inputs and
 * labels of different lengths.
 */
export function readLabelledData(files: DataFiles, classes: readonly string[]): LabelledData {
  const format = detectFormat(files.inputs, files.format);
  const needsLabels = format === 'npy' || format === 'idx';
  if (needsLabels && files.labels === undefined) {
    throw new DataFileError(`${files.inputs}: ${format} inputs need a separate labels file; pass it with the matching --labels option.`);
  }
  if (!needsLabels && files.labels !== undefined) {
    throw new DataFileError(`${files.labels}: ${format} files carry their own labels, so a separate labels file is not read; remove the --labels option.`);
  }

  const read = (file: string): Buffer => {
    try {
      const bytes = readFileSync(file);
      return file.toLowerCase().endsWith('.gz') ? gunzipSync(bytes) : bytes;
    } catch (error) {
      throw new DataFileError(`${file}: could not read the file (${(error as Error).message}); check the path.`, { cause: error });
    }
  };

  switch (format) {
    case 'csv':
      return parseCsv(read(files.inputs).toString('utf8'), files.inputs, files.labelColumn ?? 'label', classes);
    case 'json':
      return parseJson(read(files.inputs).toString('utf8'), files.inputs, classes);
    case 'npy':
    case 'idx': {
      const labelsFile = files.labels ?? '';
      const parse = format === 'npy' ? parseNpy : parseIdx;
      const inputs = parse(read(files.inputs), files.inputs);
      const labels = parse(read(labelsFile), labelsFile);
      return combineArrays(inputs, labels, files.inputs, labelsFile, classes);
    }
    default: {
      const unknownFormat: never = format;
      throw new DataFileError(`Unknown data format ${String(unknownFormat)}; use csv, json, npy or idx.`);
    }
  }
}

/** Maps one label (a class name, an index, or an index written as text) to a class index. */
function classIndex(label: unknown, classes: readonly string[], where: string): number {
  if (typeof label === 'string') {
    const byName = classes.indexOf(label);
    if (byName >= 0) return byName;
    if (/^\d+$/.test(label.trim())) return classIndex(Number(label), classes, where);
  }
  if (typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < classes.length) return label;
  throw new DataFileError(
    `${where}: label ${JSON.stringify(label)} is not one of the ${classes.length} classes (${classes.join(', ')}) nor an index 0 to ${classes.length - 1}. Pass every class in output order with --classes, or fix the label.`,
  );
}

function parseCsv(text: string, file: string, labelColumn: string, classes: readonly string[]): LabelledData {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',').map((cell) => cell.trim());
  if (header === undefined || lines.length < 2) throw new DataFileError(`${file}: a CSV file needs a header row and at least one record.`);
  const labelIndex = header.indexOf(labelColumn);
  if (labelIndex < 0) {
    throw new DataFileError(`${file}: the header (${header.join(', ')}) has no column "${labelColumn}"; name the label column with --label-column.`);
  }

  const recordSize = header.length - 1;
  const values = new Float32Array((lines.length - 1) * recordSize);
  const labels: number[] = [];
  for (let row = 1; row < lines.length; row += 1) {
    const cells = (lines[row] ?? '').split(',').map((cell) => cell.trim());
    const where = `${file} line ${row + 1}`;
    if (cells.length !== header.length) {
      throw new DataFileError(`${where}: ${cells.length} cells, but the header has ${header.length} columns; every row needs one value per column (quoted commas are not supported).`);
    }
    let column = 0;
    cells.forEach((cell, index) => {
      if (index === labelIndex) return;
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) {
        throw new DataFileError(`${where}, column "${header[index] ?? index}": "${cell}" is not a finite number; inputs must be numbers.`);
      }
      values[(row - 1) * recordSize + column] = value;
      column += 1;
    });
    labels.push(classIndex(cells[labelIndex], classes, where));
  }
  return { values, rawBytes: false, recordSize, recordShape: [recordSize], labels, source: file };
}

function flatten(value: unknown, out: number[], where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) flatten(item, out, where);
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DataFileError(`${where}: input value ${JSON.stringify(value)} is not a finite number; inputs must be arrays of numbers.`);
  }
  out.push(value);
}

function parseJson(text: string, file: string, classes: readonly string[]): LabelledData {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax.`, { cause: error });
  }

  let inputs: unknown[];
  let rawLabels: unknown[];
  if (Array.isArray(document)) {
    inputs = document.map((item: { input?: unknown }) => item?.input);
    rawLabels = document.map((item: { label?: unknown }) => item?.label);
  } else if (typeof document === 'object' && document !== null && Array.isArray((document as { inputs?: unknown }).inputs)) {
    inputs = (document as { inputs: unknown[] }).inputs;
    const labels = (document as { labels?: unknown }).labels;
    if (!Array.isArray(labels)) throw new DataFileError(`${file}: "labels" must be an array with one label per input.`);
    rawLabels = labels;
  } else {
    throw new DataFileError(`${file}: expected {"inputs": [...], "labels": [...]} or an array of {"input": [...], "label": ...} records.`);
  }
  if (inputs.length === 0) throw new DataFileError(`${file}: the file has no records.`);
  if (inputs.length !== rawLabels.length) {
    throw new DataFileError(`${file}: ${inputs.length} inputs but ${rawLabels.length} labels; give one label per input.`);
  }

  const flat: number[] = [];
  let recordSize = 0;
  inputs.forEach((input, index) => {
    const where = `${file} record ${index}`;
    if (input === undefined) throw new DataFileError(`${where}: the record has no input.`);
    const before = flat.length;
    flatten(input, flat, where);
    const size = flat.length - before;
    if (index === 0) recordSize = size;
    if (size !== recordSize || size === 0) {
      throw new DataFileError(`${where}: ${size} input values, but record 0 has ${recordSize}; every record needs the same number of values.`);
    }
  });
  const labels = rawLabels.map((label, index) => classIndex(label, classes, `${file} record ${index}`));
  return { values: Float32Array.from(flat), rawBytes: false, recordSize, recordShape: [recordSize], labels, source: file };
}

/** A dense numeric array read from NumPy or IDX. */
interface NumericArray {
  shape: number[];
  values: Float64Array;
  /** Unsigned 8-bit elements. */
  bytes: boolean;
  /** Integer elements, as labels need. */
  integers: boolean;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

function parseNpy(data: Buffer, file: string): NumericArray {
  const invalid = (reason: string): DataFileError =>
    new DataFileError(`${file}: not a readable NumPy .npy file (${reason}). Save it with numpy.save(path, array) from a C-ordered numeric array.`);
  if (data.length < 10 || !NPY_MAGIC.every((byte, index) => data[index] === byte)) throw invalid('the magic string \\x93NUMPY is missing');

  const major = data[6] ?? 0;
  const headerLength = major === 1 ? data.readUInt16LE(8) : data.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = data.subarray(headerStart, headerStart + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw invalid(`the header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  if (fortran === 'True') throw invalid('the array is in Fortran order; save numpy.ascontiguousarray(array) instead');
  const shape = shapeText.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);

  const kinds: Record<string, { size: number; read: (offset: number) => number; integers: boolean }> = {
    u1: { size: 1, read: (offset) => data.readUInt8(offset), integers: true },
    i1: { size: 1, read: (offset) => data.readInt8(offset), integers: true },
    u2: { size: 2, read: (offset) => data.readUInt16LE(offset), integers: true },
    i2: { size: 2, read: (offset) => data.readInt16LE(offset), integers: true },
    u4: { size: 4, read: (offset) => data.readUInt32LE(offset), integers: true },
    i4: { size: 4, read: (offset) => data.readInt32LE(offset), integers: true },
    i8: { size: 8, read: (offset) => Number(data.readBigInt64LE(offset)), integers: true },
    u8: { size: 8, read: (offset) => Number(data.readBigUInt64LE(offset)), integers: true },
    f4: { size: 4, read: (offset) => data.readFloatLE(offset), integers: false },
    f8: { size: 8, read: (offset) => data.readDoubleLE(offset), integers: false },
  };
  const byteOrder = descr[0];
  const kind = kinds[descr.slice(1)];
  if (kind === undefined || (byteOrder !== '<' && byteOrder !== '|')) {
    throw invalid(`element type ${descr} is not supported; use little-endian uint8, integers, float32 or float64`);
  }

  const count = shape.reduce((product, size) => product * size, 1);
  const bodyStart = headerStart + headerLength;
  if (data.length - bodyStart !== count * kind.size) {
    throw invalid(`the header declares shape (${shape.join(', ')}) of ${descr}, ${count * kind.size} bytes, but ${data.length - bodyStart} bytes follow; the file is truncated or corrupt`);
  }
  const values = new Float64Array(count);
  for (let index = 0; index < count; index += 1) values[index] = kind.read(bodyStart + index * kind.size);
  return { shape, values, bytes: descr.slice(1) === 'u1', integers: kind.integers };
}

function parseIdx(data: Buffer, file: string): NumericArray {
  const invalid = (reason: string): DataFileError =>
    new DataFileError(`${file}: not a readable IDX file (${reason}). IDX files start with two zero bytes, a type byte and a dimension count, as the MNIST files do.`);
  if (data.length < 4 || data[0] !== 0 || data[1] !== 0) throw invalid('the first two bytes are not zero');

  const types: Record<number, { size: number; read: (offset: number) => number; integers: boolean }> = {
    0x08: { size: 1, read: (offset) => data.readUInt8(offset), integers: true },
    0x09: { size: 1, read: (offset) => data.readInt8(offset), integers: true },
    0x0b: { size: 2, read: (offset) => data.readInt16BE(offset), integers: true },
    0x0c: { size: 4, read: (offset) => data.readInt32BE(offset), integers: true },
    0x0d: { size: 4, read: (offset) => data.readFloatBE(offset), integers: false },
    0x0e: { size: 8, read: (offset) => data.readDoubleBE(offset), integers: false },
  };
  const typeCode = data[2] ?? 0;
  const type = types[typeCode];
  const dims = data[3] ?? 0;
  if (type === undefined) throw invalid(`type byte 0x${typeCode.toString(16)} is not one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e`);
  if (dims === 0 || data.length < 4 + 4 * dims) throw invalid(`the header declares ${dims} dimensions but is cut short`);

  const shape = Array.from({ length: dims }, (_, index) => data.readUInt32BE(4 + 4 * index));
  const count = shape.reduce((product, size) => product * size, 1);
  const bodyStart = 4 + 4 * dims;
  if (data.length - bodyStart !== count * type.size) {
    throw invalid(`the header declares shape ${shape.join('×')}, ${count * type.size} bytes, but ${data.length - bodyStart} bytes follow; the file is truncated or corrupt`);
  }
  const values = new Float64Array(count);
  for (let index = 0; index < count; index += 1) values[index] = type.read(bodyStart + index * type.size);
  return { shape, values, bytes: typeCode === 0x08, integers: type.integers };
}

function combineArrays(inputs: NumericArray, labels: NumericArray, inputsFile: string, labelsFile: string, classes: readonly string[]): LabelledData {
  const count = inputs.shape[0] ?? 0;
  if (inputs.shape.length < 2 || count === 0) {
    throw new DataFileError(`${inputsFile}: inputs have shape (${inputs.shape.join(', ')}); expected [records, ...values per record] with at least one record.`);
  }
  const labelCount = labels.shape.reduce((product, size) => product * size, 1);
  if (labels.shape.filter((size) => size !== 1).length > 1 || !labels.integers) {
    throw new DataFileError(`${labelsFile}: labels must be a one-dimensional array of integer class indices, got shape (${labels.shape.join(', ')})${labels.integers ? '' : ' of floats'}.`);
  }
  if (labelCount !== count) {
    throw new DataFileError(`${labelsFile}: ${labelCount} labels for the ${count} records of ${inputsFile}; give one label per record.`);
  }

  const recordShape = inputs.shape.slice(1);
  return {
    values: Float32Array.from(inputs.values),
    rawBytes: inputs.bytes,
    recordSize: recordShape.reduce((product, size) => product * size, 1),
    recordShape,
    labels: Array.from(labels.values, (label, index) => classIndex(label, classes, `${labelsFile} record ${index}`)),
    source: `${inputsFile} with ${labelsFile}`,
  };
}

/** Writes arrays as NumPy `.npy` bytes (format 1.0), for tests and for converting data. */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[], descr: '|u1' | '<i8' | '<f4'): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from(NPY_MAGIC).copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);

  const sizes = { '|u1': 1, '<i8': 8, '<f4': 4 } as const;
  const size = sizes[descr];
  const body = Buffer.alloc(values.length * size);
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] ?? 0;
    if (descr === '|u1') body.writeUInt8(value, index);
    else if (descr === '<i8') body.writeBigInt64LE(BigInt(value), index * 8);
    else body.writeFloatLE(value, index * 4);
  }
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}
