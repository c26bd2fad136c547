/**
 * The JSON Schema (draft-07) of `models/manifest.json`, as data, and the validator that the
 * runtime and the profiler check manifests with.
 *
 * - `schema/manifest.schema.json` is `MANIFEST_SCHEMA` written out by
 *   `npm run profile -- --write-schema`; a test keeps the two equal.
 * - `validateManifest` interprets the schema and generates no code (unlike Ajv's default
 *   compile), so it runs under a Content-Security-Policy without `unsafe-eval`.
 * - Errors name each failing field by its path, for example `applications[0].variants[1].sha256`,
 *   and say what the schema expects there.
 */

import { MANIFEST_FORMAT_VERSION, type Manifest, type ModelEntry, type SneakPeekEntry } from './manifest.js';

/** The subset of JSON Schema draft-07 keywords that the schema uses and the validator reads. */
export interface SchemaNode {
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: (string | number)[];
  const?: string | number;
  definitions?: Record<string, SchemaNode>;
}

const nonEmptyString = (description: string): SchemaNode => ({ type: 'string', minLength: 1, description });
const positiveNumber = (description: string): SchemaNode => ({ type: 'number', exclusiveMinimum: 0, description });
const accuracy = (description: string): SchemaNode => ({ type: 'number', minimum: 0, maximum: 1, description });

const confusion: SchemaNode = {
  type: 'array',
  minItems: 2,
  description: 'Confusion matrix on the validation split: counts indexed [trueClass][predictedClass], one row and one column per class.',
  items: { type: 'array', minItems: 2, items: { type: 'integer', minimum: 0 } },
};

/** Fields of every model file, variant or SneakPeek model. */
const modelFileProperties: Record<string, SchemaNode> = {
  id: nonEmptyString('Identifier, unique across every application of the manifest.'),
  description: { type: 'string', description: 'Short description of the architecture and its cost knobs.' },
  file: nonEmptyString('Path of the ONNX file, relative to the manifest URL.'),
  bytes: { type: 'integer', minimum: 1, description: 'File size in bytes.' },
  sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file as 64 lowercase hexadecimal digits.' },
  outputName: nonEmptyString('Graph output that contains the class scores; the runtime ignores other outputs.'),
  outputKind: { type: 'string', enum: ['logits', 'probabilities'], description: 'Whether the output contains logits or probabilities.' },
  parameters: { type: 'integer', minimum: 0, description: 'Number of parameters.' },
  opset: { type: 'integer', minimum: 1, description: 'Opset version of the default ONNX domain.' },
  confusion,
  validationAccuracy: accuracy('Accuracy on the validation split, in [0, 1].'),
  testAccuracy: accuracy('Accuracy on the test split, in [0, 1]; absent when no test split was profiled.'),
};
const modelFileRequired = ['id', 'file', 'bytes', 'sha256', 'outputName', 'outputKind', 'confusion', 'validationAccuracy'];

export const MANIFEST_SCHEMA: SchemaNode = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'SneakPeek runtime manifest',
  description:
    'Applications, their ONNX variants and SneakPeek models, with the validation confusion matrices, footprint estimates and hashes the runtime plans with. Checks that span fields (matrix sizes against class counts, unique ids, maxBatch of fixed-batch models) are made by the runtime and the profiler in code.',
  type: 'object',
  required: ['formatVersion', 'generatedAt', 'applications'],
  additionalProperties: false,
  properties: {
    formatVersion: { const: MANIFEST_FORMAT_VERSION, description: `Format version; this runtime reads version ${MANIFEST_FORMAT_VERSION}.` },
    generatedAt: nonEmptyString('ISO 8601 time at which the manifest was written.'),
    applications: { type: 'array', minItems: 1, items: { $ref: '#/definitions/application' }, description: 'Served applications.' },
  },
  definitions: {
    application: {
      type: 'object',
      required: ['id', 'name', 'classes', 'input', 'weight', 'defaultDeadlineMs', 'variants', 'sneakpeek', 'dataset'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Identifier used in requests: letters, digits, dot, underscore or hyphen.' },
        name: nonEmptyString('Human-readable name.'),
        classes: { type: 'array', minItems: 2, items: nonEmptyString('Class name.'), description: 'Class names in the order of the output indices.' },
        input: { $ref: '#/definitions/input' },
        weight: positiveNumber('Utility weight of each request, above 0.'),
        defaultDeadlineMs: positiveNumber('Relative deadline in milliseconds when a request gives none, above 0.'),
        variants: { type: 'array', minItems: 1, items: { $ref: '#/definitions/variant' }, description: 'Served variants.' },
        sneakpeek: { $ref: '#/definitions/sneakpeek' },
        testSet: { $ref: '#/definitions/testSet' },
        recordedFile: nonEmptyString('Recorded outputs of every model for the simulator, relative to the manifest URL.'),
        dataset: { $ref: '#/definitions/dataset' },
      },
    },
    input: {
      type: 'object',
      required: ['name', 'shape', 'elementType', 'preprocessing'],
      additionalProperties: false,
      properties: {
        name: nonEmptyString('Graph input name shared by every model of the application.'),
        shape: {
          type: 'array',
          minItems: 2,
          items: { type: 'integer', minimum: -1 },
          description: 'Input shape: -1 for the batch axis, then positive sizes.',
        },
        elementType: { type: 'string', enum: ['float32'], description: 'Element type of the input tensor.' },
        preprocessing: {
          type: 'object',
          required: ['description', 'scale'],
          additionalProperties: false,
          properties: {
            description: { type: 'string', description: 'How raw data becomes the input tensor, in words.' },
            scale: positiveNumber('Multiplier applied to raw 8-bit values, above 0; float input is taken as already scaled.'),
          },
        },
      },
    },
    variant: {
      type: 'object',
      required: [...modelFileRequired, 'maxBatch', 'footprint'],
      additionalProperties: false,
      properties: {
        ...modelFileProperties,
        maxBatch: { type: 'integer', minimum: 1, description: 'Largest batch the runtime may send to this variant; 1 for a fixed batch axis.' },
        batchAxis: {
          type: 'string',
          enum: ['dynamic', 'fixed'],
          description: 'Whether the graph accepts any batch size (dynamic, the default) or only batches of 1 (fixed).',
        },
        footprint: {
          type: 'object',
          required: ['bytes', 'method'],
          additionalProperties: false,
          properties: {
            bytes: positiveNumber('Estimated device memory in bytes while the variant is resident, above 0.'),
            method: { type: 'string', description: 'How the estimate was made, in words.' },
          },
        },
      },
    },
    sneakpeek: {
      type: 'object',
      required: [...modelFileRequired, 'temperature', 'calibrationError'],
      additionalProperties: false,
      properties: {
        ...modelFileProperties,
        temperature: positiveNumber('Temperature T above 0: the posterior is softmax(logits / T).'),
        calibrationError: { type: 'number', minimum: 0, maximum: 1, description: 'Expected calibration error on the validation split after scaling, in [0, 1].' },
      },
    },
    testSet: {
      type: 'object',
      required: ['inputsFile', 'labelsFile', 'count', 'recordBytes', 'predictionsFile', 'referenceFile', 'referenceCount', 'description'],
      additionalProperties: false,
      properties: {
        inputsFile: nonEmptyString('Raw test inputs, one record after another, relative to the manifest URL.'),
        labelsFile: nonEmptyString('One unsigned byte per test record: its class index.'),
        count: { type: 'integer', minimum: 1, description: 'Number of test records.' },
        recordBytes: { type: 'integer', minimum: 1, description: 'Bytes per record: the element count (bytes) or 4 times it (float32).' },
        predictionsFile: nonEmptyString('JSON file mapping model id to its predicted class per test record.'),
        referenceFile: nonEmptyString('JSON file mapping model id to reference output rows for the first records.'),
        referenceCount: { type: 'integer', minimum: 0, description: 'Number of leading records the reference file covers.' },
        description: { type: 'string', description: 'Source of the records and their licence.' },
      },
    },
    dataset: {
      type: 'object',
      required: ['name', 'licence', 'source', 'split', 'trainingCommand'],
      additionalProperties: false,
      properties: {
        name: nonEmptyString('Dataset name.'),
        licence: nonEmptyString('Licence of the data.'),
        source: nonEmptyString('Where the raw files were read from.'),
        split: nonEmptyString('How the validation and test splits were made.'),
        trainingCommand: nonEmptyString('Command that regenerates the models and this entry.'),
      },
    },
  },
};

/** One way a manifest fails the schema or a check across fields. */
export interface ManifestIssue {
  /** Path of the field, for example `applications[0].variants[1].sha256`; `(root)` for the whole document. */
  path: string;
  /** Description of the failure and the expected value, as a sentence without the path. */
  problem: string;
}

/** Thrown for a manifest that fails validation; `issues` lists every failure found. */
export class ManifestValidationError extends TypeError {
  override name = 'ManifestValidationError';

  constructor(
    readonly source: string,
    readonly issues: readonly ManifestIssue[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `${issue.path} ${issue.problem}`);
    const more = issues.length > MAX_ISSUES_IN_MESSAGE ? ` (${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
    super(`Manifest ${source} is invalid: ${shown.join('; ')}${more}. Fix the fields named, or rerun npm run profile to rewrite them.`);
  }
}

const MAX_ISSUES_IN_MESSAGE = 5;
const MAX_VALUE_CHARACTERS = 60;

/**
 * Checks `value` against `MANIFEST_SCHEMA` and then the rules that span fields, and throws a
 * ManifestValidationError naming `source` and every failing field.
 */
export function validateManifest(value: unknown, source: string): asserts value is Manifest {
  const issues = manifestIssues(value);
  if (issues.length > 0) throw new ManifestValidationError(source, issues);
}

/** Returns every issue of `value`: schema failures first, or else the checks across fields. */
export function manifestIssues(value: unknown): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  checkNode(MANIFEST_SCHEMA, value, '', issues);
  if (issues.length > 0) return issues;

  crossFieldIssues(value as Manifest, issues);
  return issues;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path === '' ? '(root)' : path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARACTERS ? `${text.slice(0, MAX_VALUE_CHARACTERS)}…` : text;
}

function resolveRef(ref: string): SchemaNode {
  const name = ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined;
  const target = name === undefined ? undefined : MANIFEST_SCHEMA.definitions?.[name];
  if (target === undefined) throw new Error(`The manifest schema refers to ${ref}, which it does not define.`);
  return target;
}

const TYPE_WORDS: Record<NonNullable<SchemaNode['type']>, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
};

function hasType(value: unknown, type: NonNullable<SchemaNode['type']>): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    default: {
      const unknownType: never = type;
      throw new Error(`The manifest schema uses type ${String(unknownType)}, which the validator does not read.`);
    }
  }
}

function lowerBoundWords(node: SchemaNode): string {
  if (node.type === 'integer' && node.minimum === 1) return 'a positive integer';
  if (node.type === 'integer' && node.minimum === 0) return 'a non-negative integer';
  return `at least ${String(node.minimum)}`;
}

/** Returns the schema's description of a field in brackets, for the end of a problem. */
function expectation(node: SchemaNode): string {
  return node.description === undefined ? '' : ` (${node.description.replace(/\.$/, '')})`;
}

function checkNode(schema: SchemaNode, value: unknown, path: string, issues: ManifestIssue[]): void {
  const node = schema.$ref === undefined ? schema : resolveRef(schema.$ref);
  const where = path === '' ? '(root)' : path;
  const fail = (problem: string): void => {
    issues.push({ path: where, problem: `${problem}, got ${formatValue(value)}${expectation(node)}` });
  };

  if (node.const !== undefined && value !== node.const) return fail(`must be ${formatValue(node.const)}`);
  if (node.enum !== undefined && !node.enum.some((allowed) => allowed === value)) {
    return fail(`must be one of ${node.enum.map((allowed) => formatValue(allowed)).join(', ')}`);
  }
  if (node.type !== undefined && !hasType(value, node.type)) return fail(`must be ${TYPE_WORDS[node.type]}`);

  if (typeof value === 'string') {
    if (node.minLength !== undefined && value.length < node.minLength) return fail('must be a non-empty string');
    if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) return fail(`must match ${node.pattern}`);
  }
  if (typeof value === 'number') {
    if (node.minimum !== undefined && value < node.minimum) return fail(`must be ${lowerBoundWords(node)}`);
    if (node.maximum !== undefined && value > node.maximum) return fail(`must be at most ${node.maximum}`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return fail(`must be above ${node.exclusiveMinimum}`);
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) return fail(`must have at least ${node.minItems} items`);
    if (node.items !== undefined) {
      const items = node.items;
      value.forEach((item, index) => checkNode(items, item, childPath(path, index), issues));
    }
  }
  if (node.type === 'object' && hasType(value, 'object')) checkObject(node, value as Record<string, unknown>, path, issues);
}

function checkObject(node: SchemaNode, value: Record<string, unknown>, path: string, issues: ManifestIssue[]): void {
  const properties = node.properties ?? {};
  for (const key of node.required ?? []) {
    if (value[key] === undefined) {
      const property = properties[key];
      const described = property === undefined ? '' : expectation(property.$ref === undefined ? property : resolveRef(property.$ref));
      issues.push({ path: childPath(path, key), problem: `is missing${described}` });
    }
  }

  for (const [key, item] of Object.entries(value)) {
    const property = properties[key];
    if (property !== undefined) {
      if (item !== undefined) checkNode(property, item, childPath(path, key), issues);
    } else if (node.additionalProperties === false) {
      issues.push({
        path: childPath(path, key),
        problem: `is not a field of ${path === '' ? 'the manifest' : path}; the fields are ${Object.keys(properties).join(', ')} (check the spelling)`,
      });
    } else if (typeof node.additionalProperties === 'object') {
      checkNode(node.additionalProperties, item, childPath(path, key), issues);
    }
  }
}

/** Checks the rules JSON Schema cannot state: sizes that depend on the class count, unique ids, batch limits. */
function crossFieldIssues(manifest: Manifest, issues: ManifestIssue[]): void {
  const applicationIds = new Set<string>();
  const modelIds = new Map<string, string>();

  manifest.applications.forEach((application, appIndex) => {
    const appPath = `applications[${appIndex}]`;
    if (applicationIds.has(application.id)) {
      issues.push({ path: `${appPath}.id`, problem: `is "${application.id}", which an earlier application uses; give each application its own id` });
    }
    applicationIds.add(application.id);

    const [batch, ...record] = application.input.shape;
    if (batch !== -1 || record.some((size) => size < 1)) {
      issues.push({
        path: `${appPath}.input.shape`,
        problem: `must be -1 (the batch axis) followed by positive sizes, got ${formatValue(application.input.shape)}`,
      });
    }

    const models: [ModelEntry | SneakPeekEntry, string][] = [
      ...application.variants.map((variant, index): [ModelEntry, string] => [variant, `${appPath}.variants[${index}]`]),
      [application.sneakpeek, `${appPath}.sneakpeek`],
    ];
    for (const [model, path] of models) {
      const earlier = modelIds.get(model.id);
      if (earlier !== undefined) {
        issues.push({ path: `${path}.id`, problem: `is "${model.id}", which ${earlier} uses too; model ids must be unique in a manifest` });
      }
      modelIds.set(model.id, path);
      confusionIssues(model.confusion, application.classes, `${path}.confusion`, issues);
    }

    application.variants.forEach((variant, index) => {
      if (variant.batchAxis === 'fixed' && variant.maxBatch !== 1) {
        issues.push({
          path: `${appPath}.variants[${index}].maxBatch`,
          problem: `is ${variant.maxBatch}, but batchAxis is "fixed", so the graph takes one record at a time; set maxBatch to 1`,
        });
      }
    });
  });
}

function confusionIssues(matrix: number[][], classes: string[], path: string, issues: ManifestIssue[]): void {
  const size = classes.length;
  if (matrix.length !== size || matrix.some((row) => row.length !== size)) {
    issues.push({
      path,
      problem: `must be a ${size}×${size} matrix (one row and one column per class of the application), got ${matrix.length} rows of lengths ${formatValue(matrix.map((row) => row.length))}`,
    });
    return;
  }
  matrix.forEach((row, index) => {
    if (row.reduce((sum, count) => sum + count, 0) === 0) {
      issues.push({
        path: `${path}[${index}]`,
        problem: `is all zeros, so the recall of class "${classes[index] ?? index}" is undefined; add validation records of that class`,
      });
    }
  });
}
