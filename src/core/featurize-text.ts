/**
 * Hashed token counts of a mail, the input of the spam-filtering models. This is the browser's
 * copy of `tools/train/spam_corpus.py`; `test/models/featurize-text.test.ts` checks that both
 * produce the same counts.
 *
 * 1. Every CRLF becomes LF. The headers end at the first empty line (`"\n\n"`); a mail without
 *    one is all headers.
 * 2. The text kept is the value of the first header whose name is `Subject` (ASCII
 *    case-insensitive) with its folded continuation lines (lines starting with a space or tab),
 *    a newline, and the body. Other headers are dropped and MIME parts are not decoded.
 * 3. Only the ASCII letters A-Z are lower-cased. A token is a maximal run of `a-z` and `0-9`, and
 *    every other character, non-ASCII ones included, separates tokens.
 * 4. Each token's 32-bit FNV-1a hash of its ASCII bytes, modulo the bucket count, picks the bucket
 *    whose count it raises; counts saturate at 255.
 *
 * Pure functions, no DOM: usable in workers, Node and the page alike.
 */

/** Buckets of the shared model input. */
export const TEXT_BUCKETS = 4096;
/** Largest count per bucket, so that one record fits in one byte per bucket. */
export const MAX_BUCKET_COUNT = 255;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SUBJECT_PREFIX = 'subject:';
const TOKEN = /[a-z0-9]+/g;

/** Lower-cases the ASCII letters A-Z and leaves every other character as it is. */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Returns the Subject header's value and the body of a mail, joined by a newline. */
export function subjectAndBody(mail: string): string {
  const text = mail.replaceAll('\r\n', '\n');
  const boundary = text.indexOf('\n\n');
  const header = boundary < 0 ? text : text.slice(0, boundary);
  const body = boundary < 0 ? '' : text.slice(boundary + 2);

  const lines = header.split('\n');
  let subject = '';
  const start = lines.findIndex((line) => asciiLowerCase(line.slice(0, SUBJECT_PREFIX.length)) === SUBJECT_PREFIX);
  if (start >= 0) {
    const parts = [(lines[start] as string).slice(SUBJECT_PREFIX.length)];
    for (const continuation of lines.slice(start + 1)) {
      if (!continuation.startsWith(' ') && !continuation.startsWith('\t')) break;
      parts.push(continuation);
    }
    subject = parts.join('\n');
  }
  return `${subject}\n${body}`;
}

/** Splits text into lower-case ASCII alphanumeric tokens. */
export function tokenize(text: string): string[] {
  return asciiLowerCase(text).match(TOKEN) ?? [];
}

/** Returns the 32-bit FNV-1a hash of an ASCII token as an unsigned integer. */
export function fnv1a32(token: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < token.length; index += 1) {
    const code = token.charCodeAt(index);
    if (code > 0x7f) {
      throw new RangeError(`fnv1a32 hashes ASCII tokens only, but character ${index} of "${token}" is U+${code.toString(16).toUpperCase().padStart(4, '0')}. Tokenize the text first.`);
    }
    hash = Math.imul(hash ^ code, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Returns the model input of one mail: its token counts in `buckets` buckets, each saturated at
 * 255, as float32 values. `buckets` must be a positive integer; the models expect 4096.
 */
export function featurizeMail(mail: string, buckets: number = TEXT_BUCKETS): Float32Array {
  if (typeof mail !== 'string') {
    throw new TypeError(`featurizeMail expects the mail as a string, got ${typeof mail}. Decode the message to text first.`);
  }
  if (!Number.isInteger(buckets) || buckets <= 0) {
    throw new RangeError(`buckets is ${String(buckets)}. Use a positive integer; the spam models expect ${TEXT_BUCKETS}.`);
  }

  const counts = new Float32Array(buckets);
  for (const token of tokenize(subjectAndBody(mail))) {
    const bucket = fnv1a32(token) % buckets;
    if ((counts[bucket] as number) < MAX_BUCKET_COUNT) counts[bucket] = (counts[bucket] as number) + 1;
  }
  return counts;
}
