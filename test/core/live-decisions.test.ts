// Replays decisions the live runtime recorded in Chromium (test/core/fixtures/live-decisions.json,
// written by test/browser/live-decisions.spec.ts with UPDATE_DECISION_FIXTURE=1) through
// `decide()` and through the simulator's "sneakpeek" policy. Any divergence between the live
// scheduler's policy call and the simulator's fails here. A deliberate change to the policy also
// fails the replay: record the fixture again then.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createSimPolicy } from '../../src/core/baselines/catalog';
import { serializeState, type DecisionRecord, type SerializedState } from '../../src/core/decision-record';
import type { SchedulerState } from '../../src/core/model';
import { resolvePolicyOptions } from '../../src/core/policy-options';
import type { SimPolicy } from '../../src/core/simulator/sim-model';
import { simulate } from '../../src/core/simulator/simulator';
import { buildTrace } from '../../src/core/simulator/trace';
import { resolveJointEstimatorOptions } from '../../src/core/estimation/joint-estimator';
import { resolvePriorTrackerOptions } from '../../src/core/estimation/prior-tracker';
import { asJson, replayDecisions, replaySwapCredit, simulatorPolicyOptions } from './decision-replay';
import { APP, toyApplication } from './sim-fixtures';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/live-decisions.json');
const record = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { record: DecisionRecord }).record;

/** Returns the states the simulator passes to its policy on a small toy trace, serialised. */
function simulatorStates(): SerializedState[] {
  const { application, costs } = toyApplication();
  const arrivals = [0, 0, 0, 5].map((time, position) => ({
    id: `${APP}-${position}`,
    application: APP,
    position,
    record: position,
    arrival: time,
    relativeDeadlineMs: 100,
    weight: 1,
    inBurst: false,
  }));
  const trace = buildTrace({ applications: [application], arrivals, costs, seed: 1, jointOptions: resolveJointEstimatorOptions(), trackerOptions: resolvePriorTrackerOptions() });

  const states: SerializedState[] = [];
  const base = createSimPolicy('sneakpeek', resolvePolicyOptions({ memoryBudgetBytes: 10_000 }));
  const recording: SimPolicy = {
    ...base,
    decide: (state: SchedulerState, options) => {
      states.push(serializeState(state));
      return base.decide(state, options);
    },
  };
  simulate({ applications: [application], requests: trace, costs, policy: recording, seed: 1 });
  return states;
}

describe('recorded live decisions', () => {
  it('hold tens of consecutive decisions', () => {
    expect(record.discarded).toBe(0);
    expect(record.decisions.length).toBeGreaterThanOrEqual(10);
    expect(record.decisions.length).toBeLessThanOrEqual(record.limit);
  });

  it('use the options the sim command builds', () => {
    expect(simulatorPolicyOptions(record.options)).toEqual(record.options);
  });

  it('replay identically through decide()', () => {
    for (const replayed of replayDecisions(record)) {
      expect(replayed.decide, `decision ${replayed.index}`).toEqual(replayed.recorded);
    }
  });

  it('replay identically through the simulator policy', () => {
    for (const replayed of replayDecisions(record)) {
      expect(replayed.simulator, `decision ${replayed.index}`).toEqual(replayed.recorded);
    }
  });

  it('carry swap credit as the simulator does', () => {
    for (const row of replaySwapCredit(record)) {
      expect(row.recorded, `swap credit before decision ${row.index}`).toEqual(row.expected);
    }
  });

  it('include a load that the swap margin decides', () => {
    // A margin no gain can beat keeps every batch on a resident variant, so a replay under it
    // diverges: the comparison above is sensitive to the swap margin.
    const loads = record.decisions.filter((entry) => entry.decision.action.kind === 'run' && entry.decision.action.load);
    expect(loads.length).toBeGreaterThan(0);

    const strict = replayDecisions({ ...record, options: resolvePolicyOptions({ ...record.options, batchSizes: undefined, swapMargin: 1000 }) });
    const diverging = strict.filter((replayed) => JSON.stringify(replayed.decide) !== JSON.stringify(replayed.recorded));
    expect(diverging.length).toBeGreaterThan(0);
  });

  it('have the state shape the simulator passes', () => {
    const simulated = simulatorStates()[0];
    if (simulated === undefined) throw new Error('the simulator made no decision on the toy trace');

    for (const [index, entry] of record.decisions.entries()) {
      expect(Object.keys(entry.state).sort(), `keys of recorded state ${index}`).toEqual(Object.keys(asJson(simulated)).sort());
      expect(Object.keys(entry.state.queue[0] ?? {}).sort(), `queued request keys of state ${index}`).toEqual(Object.keys(simulated.queue[0] ?? {}).sort());
    }

    // Both plan with padded profiles: one latency point per batch size from 1 to maxBatch.
    for (const variant of [...(record.decisions[0]?.state.variants ?? []), ...simulated.variants]) {
      expect(variant.latency.map((point) => point.batchSize), `planned sizes of ${variant.id}`).toEqual(Array.from({ length: variant.maxBatch }, (_, size) => size + 1));
    }
  });
});
