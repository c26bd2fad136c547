import { describe, expect, it } from 'vitest';

import { resolveRuntimeOptions } from '../../src/client/options';
import { DecisionRecorder, deserializeState, serializeDecision, serializeState } from '../../src/core/decision-record';
import type { Decision, QueuedRequest, SchedulerState, VariantProfile } from '../../src/core/model';
import { decide } from '../../src/core/policy';
import { resolvePolicyOptions } from '../../src/core/policy-options';

const options = resolvePolicyOptions({ memoryBudgetBytes: 10_000 });

const variant: VariantProfile = {
  id: 'v',
  application: 'a',
  footprintBytes: 100,
  maxBatch: 2,
  loadMs: 5,
  latency: [
    { batchSize: 1, ms: 1 },
    { batchSize: 2, ms: 2 },
  ],
  recall: [0.9, 0.8],
  profiledAccuracy: 0.85,
};

function request(id: string, deadline: number): QueuedRequest {
  return { id, application: 'a', arrival: 0, deadline, weight: 1, estimates: { v: 0.9 } };
}

function state(now: number, queue: QueuedRequest[] = [request('q1', 50), request('q2', 60)]): SchedulerState {
  return {
    now,
    queue,
    variants: [variant],
    resident: new Map([['v', 0]]),
    lastVariant: new Map([['a', 'v']]),
    swapCredit: new Map([['w', 0.25]]),
  };
}

describe('serializeState', () => {
  it('round-trips through JSON', () => {
    const original = state(3);
    const restored = deserializeState(JSON.parse(JSON.stringify(serializeState(original))));
    expect(restored).toEqual(original);
  });

  it('turns Maps into entry arrays', () => {
    const serialized = serializeState(state(3));
    expect(serialized.resident).toEqual([['v', 0]]);
    expect(serialized.lastVariant).toEqual([['a', 'v']]);
    expect(serialized.swapCredit).toEqual([['w', 0.25]]);
  });

  it('leaves out absent swap credit', () => {
    const { swapCredit: _, ...withoutCredit } = state(3);
    const serialized = serializeState(withoutCredit);
    expect('swapCredit' in serialized).toBe(false);
    expect('swapCredit' in deserializeState(serialized)).toBe(false);
  });

  it('copies the queue deeply', () => {
    const queue = [request('q1', 50)];
    const serialized = serializeState(state(3, queue));
    queue.push(request('q2', 60));
    (queue[0] as { deadline: number }).deadline = 999;
    expect(serialized.queue).toEqual([request('q1', 50)]);
  });
});

describe('serializeDecision', () => {
  it('keeps what decide() returned', () => {
    const decision: Decision = decide(state(3), options);
    const serialized = serializeDecision(decision);
    expect(serialized.action).toEqual(decision.action);
    expect(serialized.drops).toEqual(decision.drops);
    expect(serialized.priorities).toEqual([...decision.priorities]);
    expect(serialized.swapGains).toEqual([...decision.swapGains]);
  });
});

describe('DecisionRecorder', () => {
  it('keeps decisions oldest first', () => {
    const recorder = new DecisionRecorder(5, options);
    for (const now of [1, 2, 3]) recorder.add(state(now), decide(state(now), options));
    const record = recorder.snapshot();

    expect(record.decisions.map((entry) => entry.state.now)).toEqual([1, 2, 3]);
    expect(record.discarded).toBe(0);
    expect(record.limit).toBe(5);
    expect(record.options).toEqual(options);
  });

  it('discards the oldest when full', () => {
    const recorder = new DecisionRecorder(2, options);
    for (const now of [1, 2, 3, 4, 5]) recorder.add(state(now), decide(state(now), options));
    const record = recorder.snapshot();

    expect(record.decisions.map((entry) => entry.state.now)).toEqual([4, 5]);
    expect(record.discarded).toBe(3);
  });

  it.each([0, -1, 1.5, 10_001, Number.NaN])('rejects limit %s', (limit) => {
    expect(() => new DecisionRecorder(limit, options)).toThrow(RangeError);
  });
});

describe('recordDecisions option', () => {
  const base = 'http://127.0.0.1/';

  it('is off by default', () => {
    expect(resolveRuntimeOptions({}, base).decisionRecordLimit).toBe(0);
  });

  it('passes a limit to the scheduler', () => {
    expect(resolveRuntimeOptions({ recordDecisions: 50 }, base).decisionRecordLimit).toBe(50);
  });

  it.each([-1, 2.5, 10_001, Number.NaN])('rejects %s', (value) => {
    expect(() => resolveRuntimeOptions({ recordDecisions: value }, base)).toThrow(/Option recordDecisions is .*from 0 \(off\) to 10000/);
  });
});
