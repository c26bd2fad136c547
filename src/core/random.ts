/**
 * Seeded pseudo-random numbers for simulations and randomised tests.
 *
 * The generator is mulberry32 (a 32-bit state advanced by a Weyl step and mixed by two
 * multiply-xorshift rounds): fast, small, and good enough for workloads and property tests. It is
 * not cryptographically secure. Each generator owns its state, so two generators built from the
 * same seed produce the same sequence and never interfere.
 */

/** A seeded source of pseudo-random draws. */
export interface Random {
  /** Draws a uniform number in `[0, 1)`. */
  uniform(): number;
  /** Draws a uniform integer in `[min, max]`, both ends included. */
  integer(min: number, max: number): number;
  /** Draws from the exponential distribution with the given mean, for example an inter-arrival gap. */
  exponential(mean: number): number;
  /** Draws an index with probability proportional to its weight. */
  categorical(weights: readonly number[]): number;
}

/**
 * Creates a mulberry32 generator. The seed is reduced to its low 32 bits, so seeds that differ only
 * above bit 31 give the same sequence.
 */
export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`Random seed must be an integer, got ${String(seed)}. Pass a whole number such as 1.`);
  }

  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };

  return {
    uniform,

    integer(min: number, max: number): number {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new RangeError(
          `Random integer bounds must be integers with min <= max, got min ${min} and max ${max}. Swap or round them.`,
        );
      }
      return min + Math.floor(uniform() * (max - min + 1));
    },

    exponential(mean: number): number {
      if (!Number.isFinite(mean) || mean <= 0) {
        throw new RangeError(`Exponential mean must be a finite number above 0, got ${mean}. Pass the mean gap, e.g. 10.`);
      }
      // 1 − u lies in (0, 1], so the logarithm stays finite.
      return -mean * Math.log(1 - uniform());
    },

    categorical(weights: readonly number[]): number {
      let total = 0;
      for (const [index, weight] of weights.entries()) {
        if (!Number.isFinite(weight) || weight < 0) {
          throw new RangeError(
            `Categorical weight ${index} must be a finite number >= 0, got ${weight}. Replace it with a non-negative weight.`,
          );
        }
        total += weight;
      }
      if (total <= 0) {
        throw new RangeError(
          `Categorical weights must have a positive sum, got ${weights.length} weights summing to ${total}. Give at least one weight above 0.`,
        );
      }

      let remaining = uniform() * total;
      for (const [index, weight] of weights.entries()) {
        remaining -= weight;
        if (remaining < 0) return index;
      }
      // Rounding can leave a tiny remainder; the last index with positive weight takes it.
      return weights.findLastIndex((weight) => weight > 0);
    },
  };
}
