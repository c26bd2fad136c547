/**
 * Replays a decision record of the live runtime through the policy on two paths. The first is
 * `decide()` with the recorded options, as the live scheduler calls it. The second is the
 * simulator's adapter of the "sneakpeek" policy, with the options the sim command builds from the
 * same settings. The Vitest replay of the committed fixture and the Playwright test that records
 * a fresh one both use it.
 */

import { createSimPolicy } from '../../src/core/baselines/catalog';
import { deserializeState, serializeDecision, type DecisionRecord, type SerializedDecision } from '../../src/core/decision-record';
import { decide } from '../../src/core/policy';
import { resolvePolicyOptions, type ResolvedPolicyOptions } from '../../src/core/policy-options';
import { compareIds } from '../../src/core/residency';
import { accumulateSwapCredit } from '../../src/core/swap-credit';
import { parseSimOptions } from '../../tools/sim/options';

/** One recorded decision beside what each policy path returns on its state, all in JSON form. */
export interface ReplayedDecision {
  index: number;
  recorded: SerializedDecision;
  decide: SerializedDecision;
  simulator: SerializedDecision;
}

/**
 * Returns the policy options `npm run sim` resolves for the recorded memory budget, swap margin
 * and queue delay, every other option at the sim command's default. It repeats the one
 * `resolvePolicyOptions` call of `tools/sim/cell-spec.ts`, which needs loaded model outputs.
 */
export function simulatorPolicyOptions(recorded: ResolvedPolicyOptions): ResolvedPolicyOptions {
  const parsed = parseSimOptions([
    '--memory-budget',
    String(recorded.memoryBudgetBytes / 2 ** 20),
    '--swap-margin',
    String(recorded.swapMargin),
    '--max-queue-delay',
    String(recorded.maxQueueDelayMs),
  ]);
  if (parsed === undefined) throw new Error('parseSimOptions returned no options for a command line without --help.');
  return resolvePolicyOptions({
    memoryBudgetBytes: parsed.memoryBudgetBytes,
    swapMargin: parsed.swapMargin,
    maxQueueDelayMs: parsed.maxQueueDelayMs,
    ...(parsed.batchSizes === undefined ? {} : { batchSizes: parsed.batchSizes }),
  });
}

/** Runs every recorded state through both policy paths. */
export function replayDecisions(record: DecisionRecord): ReplayedDecision[] {
  const policy = createSimPolicy('sneakpeek', simulatorPolicyOptions(record.options));
  return record.decisions.map((entry, index) => ({
    index,
    recorded: asJson(entry.decision),
    decide: asJson(serializeDecision(decide(deserializeState(entry.state), record.options))),
    simulator: asJson(serializeDecision(policy.decide(deserializeState(entry.state), policy.options))),
  }));
}

/**
 * Returns, for each recorded state after the first, the swap credit `accumulateSwapCredit` gives
 * from the previous state and decision beside the recorded one, as sorted entries. Both the live
 * scheduler and the simulator carry the credit this way between decisions.
 */
export function replaySwapCredit(record: DecisionRecord): { index: number; expected: [string, number][]; recorded: [string, number][] }[] {
  const rows = [];
  for (let index = 1; index < record.decisions.length; index++) {
    const previous = record.decisions[index - 1]!;
    const current = record.decisions[index]!;
    const action = previous.decision.action;
    const loaded = action.kind === 'run' && action.load ? action.variantId : undefined;
    const expected = accumulateSwapCredit(new Map(previous.state.swapCredit ?? []), new Map(previous.decision.swapGains), loaded);
    rows.push({ index, expected: sortedEntries([...expected]), recorded: sortedEntries(current.state.swapCredit ?? []) });
  }
  return rows;
}

/** Returns `value` after a JSON round trip, the form a record is stored and compared in. */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function sortedEntries(entries: readonly [string, number][]): [string, number][] {
  return [...entries].sort(([left], [right]) => compareIds(left, right));
}
