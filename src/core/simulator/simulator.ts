/**
 * The discrete-event simulator: the live scheduler's loop on a virtual clock, with batch times
 * drawn from a measured device profile and correctness from recorded outputs.
 *
 * Stages of a run, mirroring `src/scheduler/scheduler.ts`:
 *
 * 1. Preload: each application's most accurate variant that still fits the memory budget, most
 *    accurate first, is resident before the first request.
 * 2. Ready: the requests of one SneakPeek batch (one application, one `SimRequest.readyAt`) join
 *    the queue together in arrival order, with the estimates of the policy's estimator. The policy
 *    then decides once, as the live scheduler does at the end of the task in which a SneakPeek
 *    batch's requests join.
 * 3. Decision: whenever the executor is idle and the queue is not empty, the policy decides on the
 *    planned profiles (`plannedProfile`): any batch size up to a variant's maxBatch, at the
 *    latency of the profiled size it is padded to. The policy option `batchSizes` may still
 *    restrict the sizes. Its swap gains feed the swap credit (`accumulateSwapCredit`), its drops
 *    settle at once, a wait sets a timer that any later ready request cancels, and a run starts a
 *    batch.
 * 4. Batch: evictions (free), the load if any (a drawn load time), then the run, padded to the
 *    next profiled size (`paddedBatchSize`), with a latency drawn at that padded size. One batch
 *    runs at a time, without preemption.
 * 5. Finish: members settle as completed on time or late. The variant's measured latency profile
 *    is refined at the padded size with the observed run time, its load cost with the observed
 *    load, and its planned profile is derived again. Then the policy decides again.
 *
 * Invariants, checked as the run goes:
 * - Every request settles exactly once: a second outcome for one id throws, and so does a request
 *   still open when the events run out.
 * - The resident footprint never exceeds the memory budget after a load.
 *
 * Seeded: equal inputs and seed give identical results, because events at equal times pop in
 * insertion order and every random draw comes from seeded streams.
 */

import { PLANNING_QUANTILE, refineLatency } from '../latency-refinement.js';
import type { DropReason, QueuedRequest, RunAction, VariantProfile } from '../model.js';
import { paddedBatchSize, plannedProfile } from '../padding.js';
import { createRandom } from '../random.js';
import { compareIds, preloadOrder, residentAfterRun } from '../residency.js';
import { accumulateSwapCredit } from '../swap-credit.js';
import { TrafficTracker } from '../traffic.js';
import { dropUtility, realisedUtility } from '../utility.js';
import { deriveSeed } from '../workloads/seeds.js';
import type { CostModel } from './device-costs.js';
import { EventQueue } from './event-queue.js';
import { OutcomeKind, type BatchRecord, type RequestOutcome, type SimApplication, type SimPolicy, type SimRequest, type SimulationResult } from './sim-model.js';

/** Weight of one observed swap in the running mean of a load cost, as in the live scheduler. */
export const LOAD_REFINEMENT_WEIGHT = 0.5;

export interface SimulationInput {
  applications: readonly SimApplication[];
  /** Requests of the trace; any order. */
  requests: readonly SimRequest[];
  costs: CostModel;
  policy: SimPolicy;
  seed: number;
  /**
   * Guard against a policy that never makes progress: the run throws after this many decisions.
   * @default 20 × the number of requests + 1000
   */
  maxDecisions?: number;
}

type SimEvent =
  | { type: 'ready'; requests: SimRequest[] }
  | { type: 'batch-done'; batch: RunningBatch }
  | { type: 'wait-over'; token: number };

interface RunningBatch {
  action: RunAction;
  members: SimRequest[];
  /** Batch size the run was padded to. */
  runSize: number;
  start: number;
  loadMs: number;
  runMs: number;
}

/** Runs one policy over one trace and returns every outcome and batch. */
export function simulate(input: SimulationInput): SimulationResult {
  return new Simulation(input).run();
}

class Simulation {
  private readonly events = new EventQueue<SimEvent>();
  private readonly random;
  /** Measured profiles, refined at the padded sizes as batches finish. */
  private readonly variants = new Map<string, VariantProfile>();
  /** The profiles the policy plans with: `plannedProfile` of each measured one. */
  private readonly planned = new Map<string, VariantProfile>();
  private readonly open = new Map<string, SimRequest>();
  private readonly settled = new Set<string>();
  private queue: QueuedRequest[] = [];
  private resident = new Map<string, number>();
  private readonly lastVariant = new Map<string, string>();
  private swapCredit: ReadonlyMap<string, number> = new Map();
  private readonly traffic = new TrafficTracker();
  private executing: RunningBatch | undefined;
  private waitToken = 0;
  private now = 0;
  private readonly result: SimulationResult;
  private readonly maxDecisions: number;

  constructor(private readonly input: SimulationInput) {
    this.random = createRandom(deriveSeed(input.seed, 'executor'));
    for (const application of input.applications) {
      // The application's profiles hold medians, for load factors. The policy plans with the
      // upper quantile that live start-up profiling reports.
      for (const variant of application.variants) {
        const latency = input.costs.has(variant.id) ? input.costs.latencyQuantile(variant.id, PLANNING_QUANTILE) : variant.latency;
        this.setProfile({ ...variant, latency });
      }
    }
    this.result = { policy: input.policy.name, outcomes: [], batches: [], swaps: 0, evictions: 0, decisions: 0, endTime: 0 };
    this.maxDecisions = input.maxDecisions ?? 20 * input.requests.length + 1000;
  }

  run(): SimulationResult {
    this.preload();
    const known = new Set(this.input.applications.map((application) => application.id));
    for (const request of this.input.requests) {
      if (!known.has(request.application)) {
        throw new RangeError(`Request "${request.id}" names application "${request.application}", which the simulation does not serve. Add the application or drop the request from the trace.`);
      }
      if (this.open.has(request.id)) throw new RangeError(`Request id "${request.id}" appears twice in the trace. Request ids must be unique.`);
      this.open.set(request.id, request);
    }
    for (const batch of sneakPeekBatches(this.input.requests)) {
      this.events.push((batch[0] as SimRequest).readyAt, { type: 'ready', requests: batch });
    }

    for (let next = this.events.pop(); next !== undefined; next = this.events.pop()) {
      this.now = next.time;
      this.handle(next.event);
    }

    if (this.open.size > 0) {
      const example = this.open.keys().next().value as string;
      throw new Error(`The simulation ended with ${this.open.size} requests without an outcome, for example "${example}". This is a bug in the simulator or the policy "${this.input.policy.name}".`);
    }
    this.result.endTime = this.now;
    return this.result;
  }

  private handle(event: SimEvent): void {
    switch (event.type) {
      case 'ready':
        for (const request of event.requests) {
          this.queue.push(this.toQueued(request));
          this.traffic.observe(request.application, request.arrival, request.deadline, request.weight);
        }
        this.pump();
        return;
      case 'batch-done':
        this.finishBatch(event.batch);
        this.pump();
        return;
      case 'wait-over':
        if (event.token === this.waitToken) this.pump();
        return;
      default: {
        const unknown: never = event;
        throw new TypeError(`Unknown simulation event ${JSON.stringify(unknown)}.`);
      }
    }
  }

  /** Loads the variants of `preloadOrder` before the first request, as the live runtime does at start. */
  private preload(): void {
    const order = preloadOrder([...this.variants.values()], this.input.policy.options.memoryBudgetBytes);
    for (const variantId of order) this.resident.set(variantId, 0);
  }

  private toQueued(request: SimRequest): QueuedRequest {
    return {
      id: request.id,
      application: request.application,
      arrival: request.arrival,
      deadline: request.deadline,
      weight: request.weight,
      estimates: request.estimates[this.input.policy.estimator],
    };
  }

  /** Asks the policy what to do next, unless a batch is running or nothing is queued. */
  private pump(): void {
    if (this.executing !== undefined || this.queue.length === 0) return;
    this.waitToken += 1;

    this.result.decisions += 1;
    if (this.result.decisions > this.maxDecisions) {
      throw new Error(
        `Policy "${this.input.policy.name}" made ${this.maxDecisions} decisions at time ${this.now.toFixed(3)} ms without finishing the trace. It probably waits or idles while requests are queued.`,
      );
    }

    const policy = this.input.policy;
    const decision = policy.decide(
      {
        now: this.now,
        queue: this.queue,
        variants: [...this.planned.values()],
        resident: this.resident,
        lastVariant: this.lastVariant,
        swapCredit: this.swapCredit,
        traffic: this.traffic.snapshot(this.now),
      },
      policy.options,
    );
    const action = decision.action;
    const loaded = action.kind === 'run' && action.load ? action.variantId : undefined;
    this.swapCredit = accumulateSwapCredit(this.swapCredit, decision.swapGains, loaded);

    if (decision.drops.length > 0) {
      const dropped = new Set<string>();
      for (const drop of decision.drops) {
        dropped.add(drop.requestId);
        this.settleDrop(drop.requestId, drop.reason);
      }
      this.queue = this.queue.filter((request) => !dropped.has(request.id));
    }

    switch (action.kind) {
      case 'run':
        this.startBatch(action);
        return;
      case 'wait':
        if (!(action.until > this.now)) {
          throw new Error(`Policy "${policy.name}" asked to wait until ${action.until}, not after now (${this.now}).`);
        }
        this.events.push(action.until, { type: 'wait-over', token: this.waitToken });
        return;
      case 'idle':
        if (this.queue.length > 0) {
          throw new Error(`Policy "${policy.name}" went idle at ${this.now} ms with ${this.queue.length} requests queued. A policy must run, wait or drop them.`);
        }
        return;
      default: {
        const unknown: never = action;
        throw new TypeError(`Unknown policy action ${JSON.stringify(unknown)}.`);
      }
    }
  }

  private startBatch(action: RunAction): void {
    const variant = this.variants.get(action.variantId);
    if (variant === undefined || variant.application !== action.application) {
      throw new RangeError(`Policy "${this.input.policy.name}" chose variant "${action.variantId}", which is not a variant of "${action.application}".`);
    }
    if (action.requestIds.length === 0) throw new RangeError(`Policy "${this.input.policy.name}" chose an empty batch on "${action.variantId}".`);
    if (action.requestIds.length > variant.maxBatch) {
      throw new RangeError(`Policy "${this.input.policy.name}" chose a batch of ${action.requestIds.length} on "${action.variantId}", above its maxBatch ${variant.maxBatch}.`);
    }

    // Members leave the queue now, as in the live scheduler.
    const wanted = new Set(action.requestIds);
    this.queue = this.queue.filter((request) => !wanted.has(request.id));
    const members = action.requestIds.map((id) => {
      const request = this.open.get(id);
      if (request === undefined || request.application !== action.application) {
        throw new RangeError(`Policy "${this.input.policy.name}" put request "${id}" in a batch of "${action.application}", but it is not queued for that application.`);
      }
      return request;
    });

    // NOTE: evictions take no time, as the policy assumes; releasing a session is not measured.
    this.resident = residentAfterRun(this.resident, { variantId: action.variantId, evict: action.evict }, this.now);
    this.result.evictions += action.evict.length;
    if (action.load) {
      this.result.swaps += 1;
      this.checkBudget(action.variantId);
    }

    // The run is padded to the next profiled size, as in the live scheduler, and takes that size's time.
    const runSize = paddedBatchSize(members.length, variant.maxBatch);
    const loadMs = action.load ? this.input.costs.drawLoadMs(action.variantId, this.random) : 0;
    const runMs = this.input.costs.drawLatency(action.variantId, runSize, this.random);
    const batch: RunningBatch = { action, members, runSize, start: this.now, loadMs, runMs };
    this.executing = batch;
    this.events.push(this.now + loadMs + runMs, { type: 'batch-done', batch });
  }

  private finishBatch(batch: RunningBatch): void {
    const { action, members } = batch;
    const finish = this.now;
    this.executing = undefined;

    // The live scheduler refines the load cost from observed swaps and the latency from observed
    // runs, at the padded size, and plans with the profile derived from the refined one.
    const variant = this.variants.get(action.variantId) as VariantProfile;
    let refined: VariantProfile = { ...variant, latency: refineLatency(variant.latency, batch.runSize, batch.runMs) };
    if (action.load) {
      refined = { ...refined, loadMs: (1 - LOAD_REFINEMENT_WEIGHT) * variant.loadMs + LOAD_REFINEMENT_WEIGHT * batch.loadMs };
    }
    this.setProfile(refined);
    this.resident.set(action.variantId, finish);
    this.lastVariant.set(action.application, action.variantId);

    let late = 0;
    for (const request of members) {
      const onTime = finish <= request.deadline;
      if (!onTime) late += 1;
      const correct = request.predictions[action.variantId] === request.label;
      this.settle({
        requestId: request.id,
        application: request.application,
        kind: onTime ? OutcomeKind.OnTime : OutcomeKind.Late,
        at: finish,
        variantId: action.variantId,
        correct,
        batchSize: members.length,
        estimate: request.estimates[this.input.policy.estimator][action.variantId] ?? 0,
        utility: realisedUtility({ weight: request.weight, deadline: request.deadline, finish, correct }, this.input.policy.options),
      });
    }

    this.result.batches.push({
      variantId: action.variantId,
      application: action.application,
      start: batch.start,
      finish,
      size: members.length,
      runSize: batch.runSize,
      loaded: action.load,
      evicted: action.evict,
      expectedMs: action.expectedDurationMs,
      actualMs: batch.loadMs + batch.runMs,
    });
    this.input.policy.observe?.({ variantId: action.variantId, application: action.application, size: members.length, start: batch.start, finish, late });
  }

  /** Stores a variant's measured profile and the planned profile derived from it. */
  private setProfile(measured: VariantProfile): void {
    this.variants.set(measured.id, measured);
    this.planned.set(measured.id, plannedProfile(measured));
  }

  private settleDrop(requestId: string, reason: DropReason): void {
    const request = this.open.get(requestId);
    if (request === undefined) {
      throw new RangeError(`Policy "${this.input.policy.name}" dropped request "${requestId}", which is not open.`);
    }
    this.settle({
      requestId,
      application: request.application,
      kind: OutcomeKind.Dropped,
      at: this.now,
      reason,
      utility: dropUtility(request.weight, this.input.policy.options),
    });
  }

  private settle(outcome: RequestOutcome): void {
    if (this.settled.has(outcome.requestId)) {
      throw new Error(`Request "${outcome.requestId}" received a second outcome (${outcome.kind}) at ${this.now} ms. Every request ends exactly once.`);
    }
    if (!this.open.delete(outcome.requestId)) {
      throw new Error(`Request "${outcome.requestId}" settled before it was submitted.`);
    }
    this.settled.add(outcome.requestId);
    this.result.outcomes.push(outcome);
  }

  private checkBudget(loadedId: string): void {
    let bytes = 0;
    for (const variantId of this.resident.keys()) bytes += this.variants.get(variantId)?.footprintBytes ?? 0;
    const budget = this.input.policy.options.memoryBudgetBytes;
    if (bytes > budget) {
      throw new Error(`Loading "${loadedId}" makes the resident footprint ${bytes} bytes, above the budget of ${budget} bytes. The policy "${this.input.policy.name}" must evict first.`);
    }
  }
}

/**
 * Groups requests by the SneakPeek batch they come from: one application's requests with equal
 * ready times, because one lane's batches end at distinct times unless a run draws 0 ms. Groups
 * come out in ready order, their members in arrival order, as the live lane queues them.
 */
function sneakPeekBatches(requests: readonly SimRequest[]): SimRequest[][] {
  const sorted = [...requests].sort((left, right) => left.readyAt - right.readyAt || left.arrival - right.arrival || compareIds(left.id, right.id));
  const batches = new Map<string, SimRequest[]>();
  for (const request of sorted) {
    const key = `${request.readyAt}|${request.application}`;
    const batch = batches.get(key);
    if (batch === undefined) batches.set(key, [request]);
    else batch.push(request);
  }
  return [...batches.values()];
}
