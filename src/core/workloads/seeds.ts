/**
 * Independent seeded streams from one run seed. Each consumer (arrivals, records, deadlines, batch
 * times) hashes the run seed with its own label. Adding draws to one stream therefore never shifts
 * another, and a policy that runs more batches cannot change the workload it is given.
 */

/** Returns a 32-bit seed from a run seed and a stream label (FNV-1a over both). */
export function deriveSeed(seed: number, label: string): number {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`Run seed must be an integer, got ${String(seed)}. Pass a whole number such as 1.`);
  }

  let hash = 0x811c9dc5;
  const text = `${seed}:${label}`;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
