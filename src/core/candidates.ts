/**
 * Candidate batches and the choice among them.
 *
 * A candidate is an application, one of its variants `m` and a batch size `b`. Its members are the
 * first `b` requests, in deadline order, among those that can still finish in time if a size-`b`
 * batch on `m` starts now, swap included. Requests that cannot are skipped and do not cap the size.
 * Because the queue is in deadline order and every member finishes at the same time, the eligible
 * requests form a suffix of the queue, so the members are `b` consecutive requests.
 *
 * With the `advantageCandidates` option, each variant and size also gets a candidate whose members
 * are the eligible requests on which that variant's estimate most exceeds the best other variant's
 * (`advantageCandidates` below). Its members need not be consecutive.
 *
 * Choice, with scores compared within the score tolerance:
 *
 * - A candidate's score is the expected utility of its members plus the roll-out of the rest.
 * - Among candidates on resident variants the best wins: higher score, then larger batch, then
 *   shorter duration, then the more urgent first member, then the smaller variant id.
 * - A candidate that must load its variant wins only if its score plus its variant's swap credit
 *   beats the best resident candidate by more than the swap margin, or if no resident candidate
 *   exists.
 */

import type { ApplicationQueue, DecisionContext, VariantState } from './decision-context';
import { evictionCount } from './residency';
import { Rollout, type RolloutStart } from './rollout';

/** A scored candidate batch. */
export interface Candidate extends RolloutStart {
  /** Finish time if it starts now: `now + durationMs`. */
  finish: number;
  /** Expected utility of the members alone. */
  memberValue: number;
  /** Member value plus the roll-out value. */
  score: number;
}

/**
 * Enumerates and scores every candidate: each application with remaining requests, each of its
 * variants that fits the budget, each allowed batch size.
 */
export function enumerateCandidates(context: DecisionContext): Candidate[] {
  const candidates: Candidate[] = [];
  const rollout = new Rollout(context);

  for (const queue of context.applications) {
    for (let variantIndex = 0; variantIndex < queue.variants.length; variantIndex += 1) {
      const variant = queue.variants[variantIndex] as VariantState;
      const evictCount = variant.resident
        ? 0
        : evictionCount(
            context.evictionOrder,
            context.footprintOf,
            context.residentBytes,
            variant.profile.footprintBytes,
            context.options.memoryBudgetBytes,
          );

      for (const size of variant.sizes) {
        const candidate = buildCandidate(context, rollout, queue, variantIndex, size, evictCount);
        if (candidate !== undefined) candidates.push(candidate);
      }
      if (context.options.advantageCandidates && queue.variants.length > 1) {
        for (const candidate of advantageCandidates(context, rollout, queue, variantIndex, evictCount)) candidates.push(candidate);
      }
    }
  }
  return candidates;
}

/**
 * Builds, for each batch size, the candidate whose members are the eligible requests with the
 * largest advantage of this variant's estimate over the best other variant's, when they differ
 * from the most urgent ones.
 */
function advantageCandidates(context: DecisionContext, rollout: Rollout, queue: ApplicationQueue, variantIndex: number, evictCount: number): Candidate[] {
  const variant = queue.variants[variantIndex] as VariantState;
  const count = queue.requests.length;
  const advantage = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    let bestOther = 0;
    for (let other = 0; other < queue.variants.length; other += 1) {
      if (other !== variantIndex) bestOther = Math.max(bestOther, (queue.estimates[other] as Float64Array)[index] as number);
    }
    advantage[index] = ((queue.estimates[variantIndex] as Float64Array)[index] as number) - bestOther;
  }
  // Largest advantage first; the deadline order breaks ties.
  const ranked = Array.from({ length: count }, (_, index) => index).sort(
    (left, right) => (advantage[right] as number) - (advantage[left] as number) || left - right,
  );

  const candidates: Candidate[] = [];
  for (const size of variant.sizes) {
    const durationMs = variant.swapMs + (variant.latency[size] ?? 0);
    const start = firstAtOrAbove(queue.horizons, context.now + durationMs);
    if (count - start < size) continue;

    const members: number[] = [];
    for (const index of ranked) {
      if (index < start) continue;
      members.push(index);
      if (members.length === size) break;
    }
    members.sort((left, right) => left - right);
    if ((members[size - 1] as number) === start + size - 1) continue;

    const candidate = buildCandidate(context, rollout, queue, variantIndex, size, evictCount, members);
    if (candidate !== undefined) candidates.push(candidate);
  }
  return candidates;
}

export interface Choice {
  /** The winning candidate, or `undefined` when there is none. */
  best: Candidate | undefined;
  /** Per non-resident variant: its best score minus the best resident score, when it lost. */
  swapGains: Map<string, number>;
}

/** Chooses the winning candidate under the swap hysteresis and reports what each swap would have gained. */
export function chooseCandidate(candidates: readonly Candidate[], context: DecisionContext): Choice {
  const { swapMargin, scoreTolerance } = context.options;

  let bestResident: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.variant.resident && isBetter(candidate, bestResident, scoreTolerance)) bestResident = candidate;
  }

  let best = bestResident;
  const bestScoreByVariant = new Map<string, number>();
  for (const candidate of candidates) {
    if (candidate.variant.resident) continue;
    const id = candidate.variant.profile.id;
    bestScoreByVariant.set(id, Math.max(bestScoreByVariant.get(id) ?? -Infinity, candidate.score));
    const clearsMargin =
      bestResident === undefined ||
      candidate.score + context.swapCredit(id) - bestResident.score > swapMargin + scoreTolerance;
    if (clearsMargin && isBetter(candidate, best, scoreTolerance)) best = candidate;
  }

  const swapGains = new Map<string, number>();
  if (bestResident !== undefined) {
    for (const [id, score] of bestScoreByVariant) {
      if (id !== best?.variant.profile.id) swapGains.set(id, score - bestResident.score);
    }
  }
  return { best, swapGains };
}

/** Returns the candidate's member requests' ids, in deadline order. */
export function memberIds(candidate: Candidate): string[] {
  if (candidate.members !== undefined) return candidate.members.map((index) => (candidate.queue.requests[index] as { id: string }).id);
  return candidate.queue.requests
    .slice(candidate.start, candidate.start + candidate.size)
    .map((request) => request.id);
}

/** Returns the index of the candidate's most urgent member in its queue. */
export function firstMember(candidate: Candidate): number {
  return candidate.members?.[0] ?? candidate.start;
}

function buildCandidate(
  context: DecisionContext,
  rollout: Rollout,
  queue: ApplicationQueue,
  variantIndex: number,
  size: number,
  evictCount: number,
  members?: readonly number[],
): Candidate | undefined {
  const variant = queue.variants[variantIndex] as VariantState;
  const durationMs = variant.swapMs + (variant.latency[size] ?? 0);
  const finish = context.now + durationMs;

  // Members: the first `size` requests whose latest useful finish is not before this batch's finish.
  const start = firstAtOrAbove(queue.horizons, finish);
  if (queue.requests.length - start < size) return undefined;

  const { graceMs, missPenalty } = context.options;
  const estimates = queue.estimates[variantIndex] as Float64Array;
  let memberValue = 0;
  for (let position = 0; position < size; position += 1) {
    const index = members === undefined ? start + position : (members[position] as number);
    const weight = queue.weights[index] ?? 0;
    const deadline = queue.deadlines[index] ?? 0;
    const timeliness = finish <= deadline ? 1 : 1 - (finish - deadline) / graceMs;
    const penalty = finish <= deadline ? 0 : weight * missPenalty;
    memberValue += weight * (estimates[index] ?? 0) * timeliness - penalty;
  }

  // The candidate is its own roll-out start; its score is filled in once the roll-out is known.
  const candidate: Candidate = { queue, variant, start, size, durationMs, evictCount, finish, memberValue, score: 0 };
  if (members !== undefined) candidate.members = members;
  candidate.score = memberValue + rollout.value(candidate) - context.arrivalCost(durationMs);
  return candidate;
}

/** Returns whether `candidate` beats `incumbent`. Any candidate beats none. */
function isBetter(candidate: Candidate, incumbent: Candidate | undefined, tolerance: number): boolean {
  if (incumbent === undefined) return true;

  const scoreDifference = candidate.score - incumbent.score;
  if (Math.abs(scoreDifference) > tolerance) return scoreDifference > 0;
  if (candidate.size !== incumbent.size) return candidate.size > incumbent.size;
  if (candidate.durationMs !== incumbent.durationMs) return candidate.durationMs < incumbent.durationMs;

  const candidateRank = candidate.queue.ranks[firstMember(candidate)] ?? Infinity;
  const incumbentRank = incumbent.queue.ranks[firstMember(incumbent)] ?? Infinity;
  if (candidateRank !== incumbentRank) return candidateRank < incumbentRank;
  return candidate.variant.profile.id < incumbent.variant.profile.id;
}

/** Binary search: the first index whose value is at least `threshold` in an ascending array. */
export function firstAtOrAbove(values: Float64Array, threshold: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? Infinity) < threshold) low = middle + 1;
    else high = middle;
  }
  return low;
}
