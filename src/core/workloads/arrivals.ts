/**
 * Arrival processes for simulated workloads, in milliseconds from the start of a trace.
 *
 * - Poisson: independent exponential gaps with mean `1 / rate`.
 * - Bursts: a two-state Markov-modulated Poisson process (MMPP). A hidden state switches between
 *   `calm` and `burst` after exponentially distributed dwell times. In each state requests arrive
 *   as a Poisson process at that state's rate. The rates are chosen so that the long-run mean rate
 *   equals the requested one, so a bursty trace and a Poisson trace at the same load carry the
 *   same work.
 */

import type { Random } from '../random.js';

/** Shape of the bursts of an MMPP, independent of the mean rate. */
export interface BurstOptions {
  /**
   * Arrival rate in the burst state divided by the rate in the calm state.
   * @default 4
   */
  rateRatio?: number;
  /**
   * Mean dwell in the calm state, in mean inter-arrival gaps at the overall rate.
   * @default 400
   */
  calmDwellGaps?: number;
  /**
   * Mean dwell in the burst state, in mean inter-arrival gaps at the overall rate.
   * @default 100
   */
  burstDwellGaps?: number;
}

export type ResolvedBurstOptions = Readonly<Required<BurstOptions>>;

export const DEFAULT_BURST_OPTIONS: ResolvedBurstOptions = Object.freeze({
  rateRatio: 4,
  calmDwellGaps: 400,
  burstDwellGaps: 100,
});

/** Validates burst options and fills in the defaults. */
export function resolveBurstOptions(user: BurstOptions = {}): ResolvedBurstOptions {
  const resolved = { ...DEFAULT_BURST_OPTIONS, ...user };
  if (!Number.isFinite(resolved.rateRatio) || resolved.rateRatio < 1) {
    throw new RangeError(`Burst option "rateRatio" is ${String(resolved.rateRatio)}. Use a number >= 1 (1 means no bursts; default 4).`);
  }
  for (const key of ['calmDwellGaps', 'burstDwellGaps'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) {
      throw new RangeError(`Burst option "${key}" is ${String(resolved[key])}. Use a positive number of mean gaps (default ${DEFAULT_BURST_OPTIONS[key]}).`);
    }
  }
  return Object.freeze(resolved);
}

/** Returns `count` Poisson arrival times at `ratePerMs`, ascending. */
export function poissonArrivals(count: number, ratePerMs: number, random: Random): number[] {
  validateArrivalRequest(count, ratePerMs);

  const times: number[] = [];
  let clock = 0;
  for (let index = 0; index < count; index += 1) {
    clock += random.exponential(1 / ratePerMs);
    times.push(clock);
  }
  return times;
}

/** The calm and burst rates and dwell times of an MMPP with long-run mean rate `ratePerMs`. */
export interface MmppRates {
  calmRatePerMs: number;
  burstRatePerMs: number;
  calmDwellMs: number;
  burstDwellMs: number;
}

/**
 * Solves for the state rates: with stationary burst share `h = burstDwell / (calmDwell + burstDwell)`,
 * `(1 − h) · calm + h · burst = mean` and `burst = ratio · calm`.
 */
export function mmppRates(ratePerMs: number, options: ResolvedBurstOptions): MmppRates {
  const meanGapMs = 1 / ratePerMs;
  const calmDwellMs = options.calmDwellGaps * meanGapMs;
  const burstDwellMs = options.burstDwellGaps * meanGapMs;
  const burstShare = burstDwellMs / (calmDwellMs + burstDwellMs);
  const calmRatePerMs = ratePerMs / (1 - burstShare + burstShare * options.rateRatio);
  return { calmRatePerMs, burstRatePerMs: calmRatePerMs * options.rateRatio, calmDwellMs, burstDwellMs };
}

/** An arrival time and whether it fell in a burst. */
export interface BurstArrival {
  time: number;
  inBurst: boolean;
}

/**
 * Returns `count` arrivals of an MMPP with long-run mean rate `ratePerMs`, ascending. The trace
 * starts in the calm state.
 */
export function burstArrivals(count: number, ratePerMs: number, options: ResolvedBurstOptions, random: Random): BurstArrival[] {
  validateArrivalRequest(count, ratePerMs);
  const rates = mmppRates(ratePerMs, options);

  const arrivals: BurstArrival[] = [];
  let clock = 0;
  let inBurst = false;
  let stateEnds = random.exponential(rates.calmDwellMs);
  while (arrivals.length < count) {
    const rate = inBurst ? rates.burstRatePerMs : rates.calmRatePerMs;
    const candidate = clock + random.exponential(1 / rate);

    // Exponential gaps have no memory, so a gap cut short by a state change is drawn again from
    // the change at the new state's rate.
    if (candidate > stateEnds) {
      clock = stateEnds;
      inBurst = !inBurst;
      stateEnds = clock + random.exponential(inBurst ? rates.burstDwellMs : rates.calmDwellMs);
      continue;
    }
    clock = candidate;
    arrivals.push({ time: clock, inBurst });
  }
  return arrivals;
}

function validateArrivalRequest(count: number, ratePerMs: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Arrival count is ${String(count)}. Ask for a whole number of requests >= 0.`);
  }
  if (!Number.isFinite(ratePerMs) || ratePerMs <= 0) {
    throw new RangeError(`Arrival rate is ${String(ratePerMs)} per millisecond. Use a positive finite rate.`);
  }
}
