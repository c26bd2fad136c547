/**
 * Parsing of the `<sneakpeek-runtime>` attributes into `createRuntime` options. Every parser
 * throws an `AttributeError` that names the attribute, quotes the value and gives the fix, so
 * an invalid attribute never turns into a silent default.
 */
import type { RuntimeOptions } from '../client/options.js';
import { LIVE_POLICY_NAMES, type PolicyName } from '../core/baselines/catalog.js';
import type { ProviderPreference } from '../protocol/messages.js';

/** An attribute value the element cannot use; `attribute` is the attribute's name. */
export class AttributeError extends RangeError {
  override readonly name = 'AttributeError';
  constructor(
    readonly attribute: string,
    readonly value: string,
    fix: string,
  ) {
    super(`Attribute ${attribute}="${value}" of <sneakpeek-runtime> is invalid; ${fix}`);
  }
}

const PROVIDERS: readonly ProviderPreference[] = ['auto', 'webgpu', 'wasm'];

/** Bytes per unit of `memory-budget`; units are case-insensitive. */
const BYTE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
});

/** The attribute values the element reads at start; `null` means the attribute is absent. */
export interface RuntimeAttributes {
  manifest: string | null;
  memoryBudget: string | null;
  policy: string | null;
  provider: string | null;
  ortBase: string | null;
  swapMargin: string | null;
  maxQueueDelay: string | null;
}

/**
 * Builds `createRuntime` options from the attributes, on top of `base` (the element's `options`
 * property). Absent attributes leave `base` or the runtime's defaults in place; URLs stay
 * relative, because `createRuntime` resolves them against the page. Throws an `AttributeError`
 * for the first invalid attribute.
 */
export function optionsFromAttributes(attributes: RuntimeAttributes, base: RuntimeOptions = {}): RuntimeOptions {
  const options: RuntimeOptions = { ...base };
  if (attributes.manifest !== null) options.manifestUrl = parseUrl('manifest', attributes.manifest, 'models/manifest.json');
  if (attributes.memoryBudget !== null) options.memoryBudgetBytes = parseByteSize('memory-budget', attributes.memoryBudget);
  if (attributes.policy !== null) options.policy = parsePolicy(attributes.policy);
  if (attributes.provider !== null) options.provider = parseProvider(attributes.provider);
  if (attributes.ortBase !== null) options.ortWasmBase = parseUrl('ort-base', attributes.ortBase, '/vendor/onnxruntime-web/', true);
  if (attributes.swapMargin !== null) options.swapMargin = parseNumber('swap-margin', attributes.swapMargin, 'a number ≥ 0 of requests, for example 0.5');
  if (attributes.maxQueueDelay !== null) {
    options.maxQueueDelayMs = parseNumber('max-queue-delay', attributes.maxQueueDelay, 'a number ≥ 0 of milliseconds, for example 20');
  }
  return options;
}

/**
 * Parses a byte count: a whole number of bytes, or a number with one of the units B, kB, MB, GB
 * (powers of 1000) or KiB, MiB, GiB (powers of 1024), such as `64MiB` or `1.5 GiB`.
 */
export function parseByteSize(attribute: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match?.[2]?.toLowerCase() ?? '';
  const multiplier = unit === '' ? 1 : BYTE_UNITS[unit];
  const bytes = match === null || multiplier === undefined ? Number.NaN : Math.round(Number(match[1]) * multiplier);
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) {
    throw new AttributeError(attribute, value, 'pass a positive number of bytes, optionally with a unit: for example 67108864, 64MiB or 1.5GiB.');
  }
  return bytes;
}

/** Parses `policy`: one of the scheduling policies the live runtime runs (`LIVE_POLICY_NAMES`). */
export function parsePolicy(value: string): PolicyName {
  const policy = value.trim();
  if (!(LIVE_POLICY_NAMES as readonly string[]).includes(policy)) {
    throw new AttributeError('policy', value, `pass one of ${LIVE_POLICY_NAMES.map((name) => `"${name}"`).join(', ')}; "sneakpeek" is the default.`);
  }
  return policy as PolicyName;
}

export function parseProvider(value: string): ProviderPreference {
  const provider = value.trim();
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new AttributeError('provider', value, `pass ${PROVIDERS.map((name) => `"${name}"`).join(', ')}.`);
  }
  return provider as ProviderPreference;
}

/**
 * Parses `autostart`: absent, empty, `true` or `on` start the runtime when the element is
 * connected; `false` or `off` leave starting to `start()`.
 */
export function parseAutostart(value: string | null): boolean {
  if (value === null) return true;
  const normalized = value.trim().toLowerCase();
  if (normalized === '' || normalized === 'true' || normalized === 'on') return true;
  if (normalized === 'false' || normalized === 'off') return false;
  throw new AttributeError('autostart', value, 'leave it out or pass "on" to start when connected, or pass "off" and call start().');
}

function parseNumber(attribute: string, value: string, expected: string): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number) || number < 0) throw new AttributeError(attribute, value, `pass ${expected}.`);
  return number;
}

/**
 * Checks that `value` is a URL relative to the page (any base parses it) and returns it trimmed.
 * A folder URL (`folder` true) gets a trailing slash, because onnxruntime-web appends file names
 * to `wasmPaths` as they are.
 */
function parseUrl(attribute: string, value: string, example: string, folder = false): string {
  const url = value.trim();
  let valid = url !== '';
  try {
    new URL(url, 'http://127.0.0.1/');
  } catch {
    valid = false;
  }
  if (!valid) throw new AttributeError(attribute, value, `pass a URL, absolute or relative to the page, for example ${example}.`);
  return folder && !url.endsWith('/') ? `${url}/` : url;
}
