/**
 * Swap credit: the estimated gain a non-resident variant would have brought, accumulated over
 * consecutive decisions, so that a small but persistent advantage eventually pays for a load.
 *
 * The margin alone compares one decision's gain with the load: under light load a batch holds one
 * or two requests, so a better variant evicted during a heavy phase would never come back. The
 * credit is a one-sided cumulative sum (Page's CUSUM) of the per-decision gain: it grows while
 * the gain stays positive, is floored at zero when the resident choice is better, and resets when
 * the variant is loaded. Gains that alternate in sign therefore never add up to a swap.
 */

/** Returns the credit after one decision: `max(0, credit + gain)` per variant, cleared for the loaded one. */
export function accumulateSwapCredit(
  credit: ReadonlyMap<string, number>,
  gains: ReadonlyMap<string, number>,
  loadedVariant: string | undefined,
): Map<string, number> {
  const next = new Map<string, number>();
  for (const [variantId, gain] of gains) {
    if (!Number.isFinite(gain)) throw new RangeError(`Swap gain of "${variantId}" is ${gain}; gains must be finite scores.`);
    const total = Math.max(0, (credit.get(variantId) ?? 0) + gain);
    if (total > 0) next.set(variantId, total);
  }
  // A variant with no candidate in this decision keeps its credit; the loaded one starts again.
  for (const [variantId, total] of credit) {
    if (!gains.has(variantId)) next.set(variantId, total);
  }
  if (loadedVariant !== undefined) next.delete(loadedVariant);
  return next;
}
