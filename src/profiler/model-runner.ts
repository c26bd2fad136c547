/**
 * Checking that an ONNX classifier is one the runtime can serve, and running it on labelled
 * records with onnxruntime-web's WASM backend in Node.
 *
 * The runtime feeds every model of an application one float32 tensor, `[batch, ...record]`,
 * through the application's input name, and reads one output of `[batch, classes]` values. A
 * model passes when it has exactly one input to feed, that input is float32 with a dynamic batch
 * axis or a fixed batch of 1, and the chosen output has one value per class. Other outputs are
 * computed by onnxruntime-web and ignored.
 */

import * as ort from 'onnxruntime-web';

import { elementTypeName, readOnnxModel, type OnnxModel } from './onnx-model.js';

export interface ModelChoices {
  /** Graph input to feed; default: the only input that no initializer feeds. */
  inputName?: string;
  /** Graph output with the class scores; default: the first output. */
  outputName?: string;
  /** Record shape for inputs whose graph leaves dimensions other than the batch unnamed or symbolic. */
  recordShape?: number[];
}

/** A model that passed the checks, with what the manifest records about its graph. */
export interface CheckedModel {
  file: string;
  bytes: Uint8Array;
  graph: OnnxModel;
  inputName: string;
  outputName: string;
  /** Shape of one record, without the batch axis. */
  recordShape: number[];
  batchAxis: 'dynamic' | 'fixed';
  opset: number;
}

/** A model the runtime cannot serve; the message names the file, the reason and the fix. */
export class UnservableModelError extends Error {
  override name = 'UnservableModelError';
}

const FLOAT32 = 1;

/** Reads and checks one ONNX file; throws UnservableModelError or OnnxFormatError naming `file`. */
export function checkModel(file: string, bytes: Uint8Array, choices: ModelChoices): CheckedModel {
  const graph = readOnnxModel(bytes, file);
  const fail = (reason: string): never => {
    throw new UnservableModelError(`${file}: ${reason}`);
  };

  if (graph.initializers.some((tensor) => tensor.external)) {
    fail('some weights are stored in external data files, but the runtime downloads one file per model. Save the model with all weights inside, for example onnx.save_model(model, path, save_as_external_data=False).');
  }
  if (graph.opset === undefined) fail('the model imports no opset of the default ONNX domain, so onnxruntime-web cannot run its operators. Re-export it with torch.onnx.export or the converter you used.');

  const input = choices.inputName === undefined ? graph.inputs[0] : graph.inputs.find((item) => item.name === choices.inputName);
  if (choices.inputName !== undefined && input === undefined) {
    fail(`the graph has no input "${choices.inputName}"; its inputs are ${graph.inputs.map((item) => `"${item.name}"`).join(', ')}. Pass one of them with --input-name.`);
  }
  if (graph.inputs.length !== 1) {
    fail(`the graph has ${graph.inputs.length} inputs (${graph.inputs.map((item) => `"${item.name}"`).join(', ')}), but the runtime feeds one tensor per request. Re-export the model with a single input.`);
  }
  const chosenInput = input ?? fail('the graph has no input.');
  if (chosenInput.elementType !== FLOAT32) {
    fail(`input "${chosenInput.name}" has element type ${elementTypeName(chosenInput.elementType)}, but the runtime feeds float32. Re-export the model with a float32 input (cast inside the graph if it needs another type).`);
  }

  const [batch, ...declared] = chosenInput.shape ?? [];
  if (chosenInput.shape === undefined || chosenInput.shape.length < 2) {
    fail(`input "${chosenInput.name}" has shape ${JSON.stringify(chosenInput.shape ?? 'undeclared')}; the runtime needs a batch axis followed by the record's dimensions, for example [batch, 1, 28, 28].`);
  }
  let batchAxis: CheckedModel['batchAxis'] = 'dynamic';
  if (typeof batch === 'number' && batch > 0) {
    if (batch !== 1) {
      fail(`input "${chosenInput.name}" has a fixed batch size of ${batch}; the runtime sends batches of 1 up to maxBatch. Export with a dynamic batch axis (dynamic_axes in torch.onnx.export) or with batch size 1.`);
    }
    batchAxis = 'fixed';
  }
  const recordShape = declared.every((size) => typeof size === 'number' && size > 0) ? (declared as number[]) : choices.recordShape;
  if (recordShape === undefined) {
    fail(`input "${chosenInput.name}" has shape ${JSON.stringify(chosenInput.shape)} with unnamed or symbolic dimensions after the batch axis; pass the record shape with --input-shape, for example --input-shape 1,28,28.`);
  }

  const outputName = choices.outputName ?? graph.outputs[0]?.name ?? '';
  if (!graph.outputs.some((output) => output.name === outputName)) {
    fail(`the graph has no output "${outputName}"; its outputs are ${graph.outputs.map((item) => `"${item.name}"`).join(', ')}. Pass the one with the class scores with --output-name.`);
  }

  return {
    file,
    bytes,
    graph,
    inputName: chosenInput.name,
    outputName,
    recordShape: recordShape as number[],
    batchAxis,
    opset: graph.opset as number,
  };
}

/** Creates a WASM session; an onnxruntime-web failure becomes an error naming the file and opset. */
export async function createSession(model: Pick<CheckedModel, 'file' | 'graph'>, bytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  } catch (error) {
    throw new UnservableModelError(
      `${model.file}: onnxruntime-web ${ort.env.versions.web ?? ''} failed to load the model (opset ${model.graph.opset ?? 'none'}, IR version ${model.graph.irVersion}): ${(error as Error).message}. Re-export it with an opset and operators that onnxruntime-web supports.`,
      { cause: error },
    );
  }
}

/** Records as the runtime feeds them: raw bytes times the scale, other values as they are. */
export interface FeedRecords {
  values: Float32Array;
  rawBytes: boolean;
  recordSize: number;
  count: number;
  /** Files the records came from, for messages. */
  source: string;
}

/**
 * Runs the model on every record in batches of at most `maxBatch` and returns the chosen output,
 * `classCount` values per record. Throws naming the file when the output has another size.
 */
export async function runRecords(
  model: CheckedModel,
  session: ort.InferenceSession,
  records: FeedRecords,
  scale: number,
  classCount: number,
  maxBatch: number,
): Promise<Float32Array> {
  const recordSize = model.recordShape.reduce((product, size) => product * size, 1);
  if (records.recordSize !== recordSize) {
    throw new UnservableModelError(
      `${records.source}: records have ${records.recordSize} values, but input "${model.inputName}" of ${model.file} takes a record of shape [${model.recordShape.join(', ')}] = ${recordSize} values. Pass data made for this model, or the record shape with --input-shape.`,
    );
  }

  const batchLimit = model.batchAxis === 'fixed' ? 1 : maxBatch;
  const outputs = new Float32Array(records.count * classCount);
  for (let start = 0; start < records.count; start += batchLimit) {
    const size = Math.min(batchLimit, records.count - start);
    const data = records.values.slice(start * recordSize, (start + size) * recordSize);
    if (records.rawBytes) for (let index = 0; index < data.length; index += 1) data[index] = (data[index] ?? 0) * scale;

    const tensor = new ort.Tensor('float32', data, [size, ...model.recordShape]);
    const results = await session.run({ [model.inputName]: tensor }, [model.outputName]);
    const output = results[model.outputName];
    if (output === undefined) throw new UnservableModelError(`${model.file}: onnxruntime-web returned no output "${model.outputName}".`);
    const perRecord = output.data.length / size;
    if (perRecord !== classCount || output.dims[0] !== size) {
      throw new UnservableModelError(
        `${model.file}: output "${model.outputName}" has shape [${output.dims.join(', ')}] for a batch of ${size}, so ${perRecord} values per record, but ${classCount} classes were given. Pass the model's classes in output order with --classes, or choose the output with the class scores with --output-name.`,
      );
    }
    if (output.type !== 'float32') {
      throw new UnservableModelError(`${model.file}: output "${model.outputName}" is ${output.type}, but the runtime reads float32 class scores. Choose the scores output with --output-name.`);
    }
    outputs.set(output.data as Float32Array, start * classCount);
    for (const value of Object.values(results)) value.dispose();
  }
  return outputs;
}
