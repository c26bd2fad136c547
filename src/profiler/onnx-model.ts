/**
 * Reading the parts of an ONNX file that the profiler needs with a small protobuf wire-format
 * decoder: opsets, graph inputs and outputs, initializer sizes and node outputs. Also writing a
 * copy of a model that exposes every node output as a graph output.
 *
 * Field numbers follow onnx/onnx.proto (ONNX 1.x): ModelProto.ir_version 1, opset_import 8,
 * graph 7; GraphProto.node 1, initializer 5, input 11, output 12; NodeProto.output 2, op_type 4;
 * TensorProto.dims 1, data_type 2, name 8, data_location 14; ValueInfoProto.name 1, type 2;
 * TypeProto.tensor_type 1; TypeProto.Tensor.elem_type 1, shape 2; TensorShapeProto.dim 1;
 * Dimension.dim_value 1, dim_param 2.
 */

/** One dimension of a graph input or output: a size, a symbolic name, or unknown. */
export type OnnxDimension = number | string | undefined;

export interface OnnxValueInfo {
  name: string;
  /** ONNX `TensorProto.DataType` code, for example 1 for float32; undefined when not declared. */
  elementType: number | undefined;
  /** Undefined when the graph declares no shape. */
  shape: OnnxDimension[] | undefined;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  elementType: number;
  /** Element count times the element's size in bytes. */
  bytes: number;
  /** True when the tensor's data lives in a separate file. */
  external: boolean;
}

export interface OnnxModel {
  irVersion: number;
  /** Opset of the default domain (`""` or `"ai.onnx"`); undefined when the model imports none. */
  opset: number | undefined;
  /** Every imported domain and its opset version. */
  opsetImports: { domain: string; version: number }[];
  /** Graph inputs that no initializer feeds: the values a caller must supply. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: OnnxInitializer[];
  /** Every non-empty output name of every node, in node order. */
  nodeOutputs: string[];
  nodeCount: number;
}

/** ONNX element types by `TensorProto.DataType` code: name and size in bytes. */
export const ONNX_ELEMENT_TYPES: Readonly<Record<number, { name: string; bytes: number }>> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  8: { name: 'string', bytes: 0 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  16: { name: 'bfloat16', bytes: 2 },
};

/** Name of an ONNX element type code, for messages. */
export function elementTypeName(code: number | undefined): string {
  if (code === undefined) return 'undeclared';
  return ONNX_ELEMENT_TYPES[code]?.name ?? `type code ${code}`;
}

/** A file that is not a readable ONNX model; the message names the file and the reason. */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

/** One field of a protobuf message: its number, wire type and value or byte range. */
interface WireField {
  field: number;
  wireType: number;
  /** Value of a varint field. */
  varint: bigint;
  /** Payload of a length-delimited field. */
  bytes: Uint8Array;
  /** Offsets of the whole field (tag included) within the message. */
  start: number;
  end: number;
}

class WireError extends Error {}

function readVarint(data: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let position = offset;
  for (;;) {
    if (position >= data.length) throw new WireError(`a varint runs past the end of its message at byte ${offset}`);
    const byte = data[position] ?? 0;
    position += 1;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: position };
    shift += 7n;
    if (shift > 63n) throw new WireError(`a varint at byte ${offset} is longer than 10 bytes`);
  }
}

/** Splits one message into its fields; throws a WireError when the bytes are not protobuf. */
function readFields(data: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < data.length) {
    const start = offset;
    const tag = readVarint(data, offset);
    offset = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0) throw new WireError(`field number 0 at byte ${start}`);

    let varint = 0n;
    let bytes: Uint8Array = new Uint8Array(0);
    if (wireType === WIRE_VARINT) {
      const read = readVarint(data, offset);
      varint = read.value;
      offset = read.next;
    } else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      offset += wireType === WIRE_FIXED64 ? 8 : 4;
    } else if (wireType === WIRE_LENGTH) {
      const length = readVarint(data, offset);
      offset = length.next;
      const end = offset + Number(length.value);
      if (end > data.length) throw new WireError(`a field of ${length.value} bytes at byte ${start} runs past the end of its message`);
      bytes = data.subarray(offset, end);
      offset = end;
    } else {
      throw new WireError(`unsupported wire type ${wireType} at byte ${start}`);
    }
    if (offset > data.length) throw new WireError(`a field at byte ${start} runs past the end of its message`);
    fields.push({ field, wireType, varint, bytes, start, end: offset });
  }
  return fields;
}

const utf8 = new TextDecoder('utf-8');

function text(fields: WireField[], field: number): string {
  const found = fields.find((item) => item.field === field && item.wireType === WIRE_LENGTH);
  return found === undefined ? '' : utf8.decode(found.bytes);
}

function integer(fields: WireField[], field: number): number | undefined {
  const found = fields.find((item) => item.field === field && item.wireType === WIRE_VARINT);
  return found === undefined ? undefined : Number(BigInt.asIntN(64, found.varint));
}

function messages(fields: WireField[], field: number): WireField[][] {
  return fields.filter((item) => item.field === field && item.wireType === WIRE_LENGTH).map((item) => readFields(item.bytes));
}

/** Repeated int64 values, packed (wire type 2) or one field each (wire type 0). */
function int64List(fields: WireField[], field: number): number[] {
  const values: number[] = [];
  for (const item of fields) {
    if (item.field !== field) continue;
    if (item.wireType === WIRE_VARINT) {
      values.push(Number(BigInt.asIntN(64, item.varint)));
    } else if (item.wireType === WIRE_LENGTH) {
      let offset = 0;
      while (offset < item.bytes.length) {
        const read = readVarint(item.bytes, offset);
        values.push(Number(BigInt.asIntN(64, read.value)));
        offset = read.next;
      }
    }
  }
  return values;
}

function readValueInfo(fields: WireField[]): OnnxValueInfo {
  const name = text(fields, 1);
  const tensorType = messages(fields, 2).flatMap((type) => messages(type, 1))[0];
  if (tensorType === undefined) return { name, elementType: undefined, shape: undefined };

  const shapeFields = messages(tensorType, 2)[0];
  const shape = shapeFields?.filter((item) => item.field === 1 && item.wireType === WIRE_LENGTH).map((item): OnnxDimension => {
    const dimension = readFields(item.bytes);
    const value = integer(dimension, 1);
    if (value !== undefined) return value;
    const symbol = text(dimension, 2);
    return symbol === '' ? undefined : symbol;
  });
  return { name, elementType: integer(tensorType, 1), shape };
}

function readInitializer(fields: WireField[]): OnnxInitializer {
  const dims = int64List(fields, 1);
  const elementType = integer(fields, 2) ?? 0;
  const count = dims.reduce((product, size) => product * size, 1);
  return {
    name: text(fields, 8),
    dims,
    elementType,
    bytes: count * (ONNX_ELEMENT_TYPES[elementType]?.bytes ?? 0),
    external: integer(fields, 14) === 1,
  };
}

/**
 * Parses the bytes of an ONNX file. Throws an OnnxFormatError naming `file` when the bytes are
 * not protobuf or hold no graph, which is what a file of another format produces.
 */
export function readOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  const notOnnx = (reason: string): OnnxFormatError =>
    new OnnxFormatError(
      `${file} is not an ONNX model: ${reason}. Pass the .onnx file itself, as written by torch.onnx.export or onnx.save_model.`,
    );
  if (bytes.length === 0) throw notOnnx('the file is empty');

  let top: WireField[];
  let graph: WireField[];
  try {
    top = readFields(bytes);
    const graphs = messages(top, 7);
    if (graphs.length !== 1 || integer(top, 1) === undefined) throw new WireError('it has no ir_version and graph fields');
    graph = graphs[0] ?? [];
  } catch (error) {
    if (error instanceof WireError) throw notOnnx(`its bytes do not decode as an ONNX ModelProto (${error.message})`);
    throw error;
  }

  const opsetImports = messages(top, 8).map((entry) => ({ domain: text(entry, 1), version: integer(entry, 2) ?? 0 }));
  const opset = opsetImports.find((entry) => entry.domain === '' || entry.domain === 'ai.onnx')?.version;
  const initializers = messages(graph, 5).map(readInitializer);
  const initializerNames = new Set(initializers.map((tensor) => tensor.name));
  const nodes = messages(graph, 1);
  const nodeOutputs = nodes.flatMap((node) =>
    node.filter((item) => item.field === 2 && item.wireType === WIRE_LENGTH).map((item) => utf8.decode(item.bytes)),
  );

  const model: OnnxModel = {
    irVersion: integer(top, 1) ?? 0,
    opset,
    opsetImports,
    inputs: messages(graph, 11).map(readValueInfo).filter((input) => !initializerNames.has(input.name)),
    outputs: messages(graph, 12).map(readValueInfo),
    initializers,
    nodeOutputs: nodeOutputs.filter((name) => name !== ''),
    nodeCount: nodes.length,
  };
  if (model.nodeCount === 0 || model.outputs.length === 0) throw notOnnx('its graph has no nodes or no outputs');
  return model;
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  const header = [...encodeVarint((field << 3) | WIRE_LENGTH), ...encodeVarint(payload.length)];
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Returns a copy of the model whose graph also lists `names` as outputs, without types, which
 * onnxruntime infers. Protobuf merges repeated fields appended to a message, so the new outputs
 * follow the original ones and the rest of the file is copied byte for byte.
 */
export function withExtraOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const item of readFields(bytes)) {
    if (item.field !== 7 || item.wireType !== WIRE_LENGTH) {
      parts.push(bytes.subarray(item.start, item.end));
      continue;
    }
    const outputs = names.map((name) => lengthDelimited(12, lengthDelimited(1, encoder.encode(name))));
    parts.push(lengthDelimited(7, concat([item.bytes, ...outputs])));
  }
  return concat(parts);
}
