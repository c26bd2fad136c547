/**
 * Parsers of command-line option values shared by the benchmark commands. Each error quotes the
 * option, the value and what to give instead.
 */

import { UsageError } from '../sim/options.js';

export function nonEmpty(option: string, text: string | undefined, fallback: string): string {
  if (text === undefined) return fallback;
  if (text.trim() === '') throw new UsageError(`${option} is empty. Give a path (default ${fallback}).`);
  return text;
}

export function nameList(option: string, text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new UsageError(`${option} is "${text}", which has an empty entry. Give values separated by single commas.`);
  }
  return [...new Set(names)];
}

export function choiceList<T extends string>(option: string, text: string | undefined, choices: readonly T[], fallback: readonly T[]): T[] {
  if (text === undefined) return [...fallback];
  return nameList(option, text).map((name) => {
    if (!(choices as readonly string[]).includes(name)) {
      throw new UsageError(`${option} contains "${name}". Give some of ${choices.join(', ')}, comma-separated (default ${fallback.join(',')}).`);
    }
    return name as T;
  });
}

/** Parses a plain decimal number; rejects what `Number()` would also accept (hex, blanks, exponents). */
function decimal(text: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text) : Number.NaN;
}

export function singleNumber(option: string, text: string | undefined, fallback: number, valid: (value: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const value = decimal(text);
  if (!Number.isFinite(value) || !valid(value)) throw new UsageError(`${option} is "${text}". Give ${expected} (default ${fallback}).`);
  return value;
}

export function numberList(option: string, text: string | undefined, fallback: readonly number[], valid: (value: number) => boolean, expected: string): number[] {
  if (text === undefined) return [...fallback];
  return nameList(option, text).map((entry) => {
    const value = decimal(entry);
    if (!Number.isFinite(value) || !valid(value)) {
      throw new UsageError(`${option} contains "${entry}". Give ${expected}, comma-separated, for example ${fallback.join(',')}.`);
    }
    return value;
  });
}
