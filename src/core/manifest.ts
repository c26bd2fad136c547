/**
 * The shape of `models/manifest.json`: what the training tools record about each application's
 * models and what the runtime trusts at load time.
 *
 * - Paths in `file` fields are relative to the manifest's own URL.
 * - Confusion matrices are indexed `[trueClass][predictedClass]` and hold counts on the
 *   validation split, so row sums give the validation label mix `π_val`.
 * - Footprints are estimates: WebGPU reports no free memory, so nothing here is measured on a
 *   device.
 * - `schema/manifest.schema.json` (from `src/core/manifest-schema.ts`) states these types as a
 *   JSON Schema, and the runtime validates every manifest against it at load.
 */

/** Version of the manifest format that this runtime reads. */
export const MANIFEST_FORMAT_VERSION = 1;

export interface Manifest {
  /** Format version; equals `MANIFEST_FORMAT_VERSION`. */
  formatVersion: number;
  /** ISO 8601 time at which the training tools wrote the manifest. */
  generatedAt: string;
  applications: ApplicationManifest[];
}

export interface ApplicationManifest {
  /** Stable identifier used in requests, for example `"product"`. */
  id: string;
  /** Human-readable name. */
  name: string;
  /** Class names, in the order of the models' output indices. */
  classes: string[];
  input: InputSpec;
  /** Utility weight `w_a` of every request of this application unless a request sets its own. */
  weight: number;
  /** Relative deadline in milliseconds applied when a request gives none. */
  defaultDeadlineMs: number;
  /** Served variants, in no particular order. */
  variants: ModelEntry[];
  /** The cheap model that looks at each input before scheduling. */
  sneakpeek: SneakPeekEntry;
  /** Held-out test split shipped with the models, for replay and evaluation. */
  testSet?: TestSetEntry;
  /**
   * Every model's recorded output on every validation and test record, for the simulator: a JSON
   * file in the `RecordedOutputs` format, relative to the manifest.
   */
  recordedFile?: string;
  dataset: DatasetProvenance;
}

/** Input tensor of every model of one application; all its models share it. */
export interface InputSpec {
  /** Graph input name. */
  name: string;
  /** Shape with `-1` for the dynamic batch axis, for example `[-1, 1, 28, 28]`. */
  shape: number[];
  elementType: 'float32';
  /** Conversion of raw data to the input tensor, in words and as parameters. */
  preprocessing: Preprocessing;
}

export interface Preprocessing {
  /** Plain description, for example "8-bit grayscale pixels, row-major, divided by 255". */
  description: string;
  /** Multiplier applied to raw 8-bit values; raw float input is taken as already scaled. */
  scale: number;
}

export interface ModelFile {
  /** Path relative to the manifest URL. */
  file: string;
  /** File size in bytes. */
  bytes: number;
  /** Lowercase hexadecimal SHA-256 of the file. */
  sha256: string;
  /** Graph output holding the class scores. */
  outputName: string;
  /** Kind of the output values: logits (softmax not applied) or probabilities. */
  outputKind: 'logits' | 'probabilities';
  /** Number of trainable parameters. */
  parameters: number;
  /** Opset of the default ONNX domain. */
  opset: number;
}

export interface ModelEntry extends ModelFile {
  /** Globally unique identifier, for example `"product-cnn-large"`. */
  id: string;
  /** Short description of the architecture and its cost knobs. */
  description: string;
  /** Largest batch the runtime may send to this variant. */
  maxBatch: number;
  footprint: FootprintEstimate;
  /** Confusion matrix on the validation split, `[trueClass][predictedClass]` counts. */
  confusion: number[][];
  /** Accuracy on the validation split. */
  validationAccuracy: number;
  /** Accuracy on the full official test split; absent when no test split was profiled. */
  testAccuracy?: number;
  /**
   * Whether the graph takes any batch size (`'dynamic'`, the default when absent) or only one
   * record at a time (`'fixed'`, with `maxBatch` 1).
   */
  batchAxis?: 'dynamic' | 'fixed';
}

export interface FootprintEstimate {
  /** Estimated device memory in bytes while the variant is resident. */
  bytes: number;
  /** Method of the estimate, in words. */
  method: string;
}

export interface SneakPeekEntry extends ModelFile {
  id: string;
  description: string;
  /** Temperature `T` fitted on the validation split: the posterior is `softmax(logits / T)`. */
  temperature: number;
  confusion: number[][];
  validationAccuracy: number;
  testAccuracy?: number;
  /** Expected calibration error on the validation split after temperature scaling. */
  calibrationError: number;
}

export interface TestSetEntry {
  /**
   * Raw inputs, one record after another: `count × recordBytes` bytes. When `recordBytes` equals
   * the input's element count, each element is an unsigned byte to multiply by
   * `preprocessing.scale`; when it is 4 times that, each element is a little-endian float32 that
   * is already scaled (`preprocessing.scale` is then 1).
   */
  inputsFile: string;
  /** One unsigned byte per record: the true class index. */
  labelsFile: string;
  count: number;
  recordBytes: number;
  /**
   * Each variant's and the SneakPeek model's predicted class for every record, computed at
   * training time in PyTorch: a JSON file mapping model id to an array of class indices.
   */
  predictionsFile: string;
  /**
   * Reference outputs for the first records: a JSON file mapping model id to an array of output
   * rows, for checking the browser runtime against the training framework.
   */
  referenceFile: string;
  /** How many leading records `referenceFile` covers. */
  referenceCount: number;
  /** Source of the records and their licence. */
  description: string;
}

export interface DatasetProvenance {
  name: string;
  licence: string;
  /** Location the raw files were read from, for example a Debian package and path. */
  source: string;
  /** Method of the splits (sizes, seed, stratification). */
  split: string;
  /** Command that regenerates every model and this manifest entry. */
  trainingCommand: string;
}

/** One split's recorded outputs, records in the split's order (test: replay order). */
export interface RecordedSplit {
  /** True class index of every record. */
  labels: number[];
  /** Model id (every variant and the SneakPeek model) mapped to its predicted class per record. */
  predictions: Record<string, number[]>;
  /** The SneakPeek model's raw logits per record (before temperature scaling). */
  sneakpeekLogits: number[][];
  /**
   * Optional grouping of records for label-shift workloads, for example the calendar date of a
   * weather record or the corpus subset of a mail; the same length as `labels`.
   */
  groups?: string[];
}

/** Contents of an application's `recordedFile`. */
export interface RecordedOutputs {
  application: string;
  validation: RecordedSplit;
  test: RecordedSplit;
}
