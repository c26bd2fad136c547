/**
 * Scheduler states for timing `decide()`: the manifest's applications with their variants'
 * latency and load costs from a measured device profile, four variants per application, and queues
 * of a chosen length whose accuracy estimates come from a real simulated trace.
 *
 * - An application with fewer than four measured variants gets scaled copies of its most accurate
 *   one: latency and load cost times 2, footprint times 2, and 20% fewer errors per class (the
 *   shape of a higher-resolution variant). The posterior estimate of such a copy is then exactly
 *   `e + 0.2 · (1 − e)`, because the posterior estimate is linear in the recall.
 * - The policy gets each variant's planned profile (`plannedProfile`), as in the simulator and the
 *   live scheduler: every batch size up to `maxBatch`, at the latency of its padded size.
 * - Resident at the decision: the variants the simulator preloads (`preloadOrder`), each
 *   application's most accurate one that fits first, then the others while they fit. The rest pay
 *   their load cost.
 * - Traffic for the arrival cost: a `TrafficTracker` snapshot of the last requests of the real
 *   trace the estimates come from, at the time of its last arrival.
 * - Deadlines: `TIGHT_SHARE` (20%) of the requests have a slack (deadline minus now) between the
 *   fastest alone-finish of their application (swap included) and 2 reference latencies, so they
 *   are feasible but tight. The others have a slack spread uniformly from 2 reference latencies up to
 *   1.5 times the time the cheapest variants need to serve the whole queue in full batches. So the
 *   candidate search and its roll-outs see every request instead of dropping most of them.
 */

import { latencyTable } from '../../src/core/latency.js';
import type { Decision, QueuedRequest, SchedulerState, TrafficEstimate, VariantProfile } from '../../src/core/model.js';
import { plannedProfile } from '../../src/core/padding.js';
import { preloadOrder } from '../../src/core/residency.js';
import { TrafficTracker } from '../../src/core/traffic.js';
import { batchSizesFor, type ResolvedPolicyOptions } from '../../src/core/policy-options.js';
import { createRandom, type Random } from '../../src/core/random.js';
import { EstimatorKind } from '../../src/core/estimation/estimator-set.js';
import { deviceReference } from '../../src/core/simulator/experiment.js';
import type { SimApplication, SimRequest } from '../../src/core/simulator/sim-model.js';

/** Variants per application that the benchmark's states have. */
export const BENCH_VARIANTS_PER_APPLICATION = 4;

/** Factor on latency, load cost and footprint of a scaled copy. */
const SCALED_COST_FACTOR = 2;

/** Share of each class's errors that a scaled copy no longer makes. */
const SCALED_ERROR_REDUCTION = 0.2;

/** Share of requests with a tight deadline. */
export const TIGHT_SHARE = 0.2;

/** One application's variants as the benchmark's states carry them. */
export interface BenchApplication {
  id: string;
  variants: VariantProfile[];
  /** Variants added by scaling a measured one, by id. */
  scaled: Map<string, ScaledVariant>;
}

/** Derivation of a scaled copy from a measured variant. */
export interface ScaledVariant {
  sourceId: string;
  /** Factor on latency, load cost and footprint. */
  costFactor: number;
  /** Share of the source's errors the copy still makes, per class. */
  errorShare: number;
}

/** Adds scaled copies of the most accurate variant until each application has four variants. */
export function withFourVariants(applications: readonly SimApplication[]): BenchApplication[] {
  return applications.map((application) => {
    const variants = [...application.variants];
    const scaled = new Map<string, ScaledVariant>();
    const source = [...application.variants].sort((left, right) => right.profiledAccuracy - left.profiledAccuracy)[0];
    if (source === undefined) throw new RangeError(`Application "${application.id}" has no variants. Add at least one to the manifest.`);

    for (let copy = 1; variants.length < BENCH_VARIANTS_PER_APPLICATION; copy += 1) {
      const factor = SCALED_COST_FACTOR ** copy;
      const errorShare = (1 - SCALED_ERROR_REDUCTION) ** copy;
      const id = `${source.id}-scaled-x${factor}`;
      variants.push({
        ...source,
        id,
        footprintBytes: Math.round(source.footprintBytes * factor),
        loadMs: source.loadMs * factor,
        latency: source.latency.map((point) => ({ batchSize: point.batchSize, ms: point.ms * factor })),
        recall: source.recall.map((recall) => 1 - (1 - recall) * errorShare),
        profiledAccuracy: 1 - (1 - source.profiledAccuracy) * errorShare,
      });
      scaled.set(id, { sourceId: source.id, costFactor: factor, errorShare });
    }
    return { id: application.id, variants, scaled };
  });
}

/** Resident variants at the decision: the simulator's preload, every last use at time 0. */
export function preloadedResidents(applications: readonly BenchApplication[], memoryBudgetBytes: number): Map<string, number> {
  const variants = applications.flatMap((application) => application.variants);
  return new Map(preloadOrder(variants, memoryBudgetBytes).map((id) => [id, 0]));
}

/** Returns the traffic a tracker reports after seeing every request of `trace`, at its last arrival. */
export function trafficOf(trace: readonly SimRequest[]): Map<string, TrafficEstimate> {
  const tracker = new TrafficTracker();
  let last = 0;
  for (const request of [...trace].sort((left, right) => left.arrival - right.arrival)) {
    tracker.observe(request.application, request.arrival, request.deadline, request.weight);
    last = request.arrival;
  }
  return tracker.snapshot(last);
}

/** Everything fixed across the states of one benchmark run. */
export interface StateSettings {
  applications: readonly BenchApplication[];
  /** Real requests whose posterior estimates fill the queues, of every application. */
  pool: readonly SimRequest[];
  /** Recent traffic per application, passed to the policy for its arrival cost. */
  traffic: ReadonlyMap<string, TrafficEstimate>;
  /** Reference latency of the device, in ms (see `deviceReference`). */
  referenceLatencyMs: number;
  options: ResolvedPolicyOptions;
  /** Decision time `now`, in ms. */
  now: number;
}

/** Builds one scheduler state with `size` queued requests, spread evenly over the applications. */
export function buildState(settings: StateSettings, size: number, random: Random): SchedulerState {
  const { applications, options, now } = settings;
  const variants = applications.flatMap((application) => application.variants.map(plannedProfile));
  const resident = preloadedResidents(applications, options.memoryBudgetBytes);
  const makeRequest = requestMaker(settings, size, resident);

  const queue: QueuedRequest[] = [];
  for (let index = 0; index < size; index += 1) queue.push(makeRequest(index, now, random));

  const lastVariant = new Map<string, string>();
  for (const variant of variants) if (resident.has(variant.id)) lastVariant.set(variant.application, variant.id);
  return { now, queue, variants, resident, lastVariant, swapCredit: new Map(), traffic: settings.traffic };
}

/**
 * Returns a function that builds request number `index` of a queue of `size` requests at time
 * `now`: application `index` modulo the number of applications, id `<application>-<index>`, and
 * the deadline mix described at the top of this file.
 */
function requestMaker(
  settings: StateSettings,
  size: number,
  resident: ReadonlyMap<string, number>,
): (index: number, now: number, random: Random) => QueuedRequest {
  const { applications, options, referenceLatencyMs } = settings;
  const costs = new Map(applications.map((application) => [application.id, applicationCosts(application, resident, options)]));
  const pools = new Map(applications.map((application) => [application.id, settings.pool.filter((request) => request.application === application.id)]));

  // Every application's requests share the one executor, so draining the queue takes all of them.
  let drainMs = 0;
  for (const cost of costs.values()) drainMs += (size / applications.length) * cost.drainPerRequestMs;

  return (index, now, random) => {
    const application = applications[index % applications.length] as BenchApplication;
    const pool = pools.get(application.id) ?? [];
    const source = pool[random.integer(0, pool.length - 1)];
    if (source === undefined) throw new RangeError(`The trace has no request of application "${application.id}" to take estimates from. Raise the pool size.`);

    const fastestAloneMs = costs.get(application.id)?.fastestAloneMs ?? 0;
    const tightLow = fastestAloneMs * 1.05;
    const tightHigh = Math.max(tightLow, 2 * referenceLatencyMs);
    const relaxedHigh = Math.max(8 * referenceLatencyMs, tightHigh + 1.5 * drainMs);
    const slack = random.uniform() < TIGHT_SHARE ? uniformIn(random, tightLow, tightHigh) : uniformIn(random, tightHigh, relaxedHigh);
    return {
      id: `${application.id}-${index}`,
      application: application.id,
      arrival: now - random.uniform() * 2 * referenceLatencyMs,
      deadline: now + slack,
      weight: 1,
      estimates: estimatesFor(application, source),
    };
  };
}

/**
 * A queue that changes between decisions as the live scheduler's and the simulator's does. After
 * each decision `advance` removes the requests it ran or dropped, as new arrays, and moves the clock
 * to the end of the batch (its expected duration) or of the wait. It applies a run's evictions and
 * load to the resident set and `lastVariant`, then appends new requests, built as `buildState`
 * builds them at the new time, until the queue has its length again. A `TrafficTracker`, started
 * with the pool's requests moved to end at the first state's time, records the new requests, and
 * each state carries its snapshot, so the arrival cost sorts new relative deadlines as in the
 * schedulers.
 *
 * NOTE: swap credit stays empty and latency profiles are not refined from the runs, unlike the
 * schedulers. The first only affects which swaps win, the second costs one latency table per
 * decision.
 */
export class QueueSequence {
  private current: SchedulerState;
  private nextIndex: number;
  private readonly makeRequest: (index: number, now: number, random: Random) => QueuedRequest;
  private readonly tracker = new TrafficTracker();

  constructor(
    settings: StateSettings,
    private readonly size: number,
    private readonly random: Random,
  ) {
    this.current = buildState(settings, size, random);
    this.nextIndex = size;
    this.makeRequest = requestMaker(settings, size, this.current.resident);

    const pool = [...settings.pool].sort((left, right) => left.arrival - right.arrival);
    const shift = this.current.now - (pool[pool.length - 1]?.arrival ?? 0);
    for (const request of pool) this.tracker.observe(request.application, request.arrival + shift, request.deadline + shift, request.weight);
  }

  /** The state to decide on next. */
  get state(): SchedulerState {
    return this.current;
  }

  /** Applies a decision on `state` and moves to the next state. */
  advance(decision: Decision): void {
    const { action } = decision;
    const leaving = new Set(decision.drops.map((drop) => drop.requestId));
    const resident = new Map(this.current.resident);
    const lastVariant = new Map(this.current.lastVariant);
    let now = this.current.now;
    if (action.kind === 'run') {
      for (const id of action.requestIds) leaving.add(id);
      for (const id of action.evict) resident.delete(id);
      now += action.expectedDurationMs;
      resident.set(action.variantId, now);
      lastVariant.set(action.application, action.variantId);
    } else if (action.kind === 'wait') {
      now = action.until;
    }

    const queue = this.current.queue.filter((request) => !leaving.has(request.id));
    while (queue.length < this.size) {
      const request = this.makeRequest(this.nextIndex, now, this.random);
      queue.push(request);
      this.tracker.observe(request.application, request.arrival, request.deadline, request.weight);
      this.nextIndex += 1;
    }
    this.current = { ...this.current, now, queue, resident, lastVariant, traffic: this.tracker.snapshot(now) };
  }
}

/** Returns the reference latency of the applications as served (measured variants only). */
export function referenceLatency(applications: readonly SimApplication[]): number {
  return deviceReference(applications).referenceLatencyMs;
}

/** Posterior estimates of a real request, extended to the scaled copies. */
function estimatesFor(application: BenchApplication, source: SimRequest): Record<string, number> {
  const measured = source.estimates[EstimatorKind.Posterior];
  const estimates: Record<string, number> = {};
  for (const variant of application.variants) {
    const scaled = application.scaled.get(variant.id);
    estimates[variant.id] = scaled === undefined ? (measured[variant.id] ?? 0) : 1 - (1 - (measured[scaled.sourceId] ?? 0)) * scaled.errorShare;
  }
  return estimates;
}

/**
 * Returns the fastest time in which a lone request of the application can finish, swap included,
 * and the time per request of its cheapest variant in full batches, both in ms.
 */
function applicationCosts(
  application: BenchApplication,
  resident: ReadonlyMap<string, number>,
  options: ResolvedPolicyOptions,
): { fastestAloneMs: number; drainPerRequestMs: number } {
  let fastestAloneMs = Infinity;
  let drainPerRequestMs = Infinity;
  for (const variant of application.variants.map(plannedProfile)) {
    const table = latencyTable(variant.latency, variant.maxBatch, `variant "${variant.id}" latency profile`);
    const swapMs = resident.has(variant.id) ? 0 : variant.loadMs;
    fastestAloneMs = Math.min(fastestAloneMs, swapMs + (table[1] ?? 0));
    const sizes = batchSizesFor(variant.maxBatch, options);
    const full = sizes[sizes.length - 1] ?? 1;
    drainPerRequestMs = Math.min(drainPerRequestMs, (table[full] ?? 0) / full);
  }
  return { fastestAloneMs, drainPerRequestMs };
}

function uniformIn(random: Random, low: number, high: number): number {
  return low + random.uniform() * (high - low);
}

/** Returns a seeded random stream for the states of one queue length. */
export function stateRandom(seed: number, size: number): Random {
  return createRandom(seed * 1_000_003 + size);
}
