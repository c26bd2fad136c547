/**
 * The main-thread handle of a runtime: starts the scheduler worker, validates and submits
 * requests, and turns the worker's callbacks into promises and typed events.
 */
import * as Comlink from 'comlink';
import type { DecisionRecord } from '../core/decision-record.js';
import { QueueFullError } from '../core/admission.js';
import { checkDeadline, checkInput, checkWeight } from '../core/request-checks.js';
import type {
  ApplicationInfo,
  FaultInjection,
  FaultReport,
  ScheduleUpdate,
  Outcome,
  ProfileReport,
  ReadyInfo,
  RuntimeStats,
  SchedulerApi,
  StartupProgress,
  SubmitMessage,
  SubmitResult,
} from '../protocol/messages.js';
import { resolveRuntimeOptions, type RuntimeOptions } from './options.js';

/** One request as a caller submits it. */
export interface RequestInit {
  application: string;
  /**
   * One record without the batch axis: 8-bit raw values (`Uint8Array`, `Uint8ClampedArray`),
   * scaled by the application's preprocessing, or already scaled floats.
   */
  input: Float32Array | Uint8Array | Uint8ClampedArray | readonly number[];
  /** Deadline relative to submission, in milliseconds; defaults to the application's. */
  deadlineMs?: number;
  /** Absolute deadline on `runtimeClock()`; overrides `deadlineMs`. */
  deadline?: number;
  /** Utility weight. @default the application's weight */
  weight?: number;
  /** Caller-chosen id; generated when omitted. */
  id?: string;
}

/** The runtime's clock: epoch milliseconds with sub-millisecond resolution, shared by all threads. */
export const runtimeClock = (): number => performance.timeOrigin + performance.now();

export class OutcomeEvent extends Event {
  static readonly eventName = 'outcome';
  constructor(readonly outcome: Outcome) {
    super(OutcomeEvent.eventName);
  }
}

export class ProgressEvent extends Event {
  static readonly eventName = 'progress';
  constructor(readonly progress: StartupProgress) {
    super(ProgressEvent.eventName);
  }
}

/**
 * A fault the runtime met and what it did: a lost WebGPU device (it continues on WASM) or a lost
 * inference worker (it started a new one). Fired after recovery, or after giving up.
 */
export class FaultEvent extends Event {
  static readonly eventName = 'fault';
  constructor(readonly report: FaultReport) {
    super(FaultEvent.eventName);
  }
}

/**
 * Something the scheduler did: a batch ran or failed, a variant was loaded or evicted, requests
 * were dropped. Fired in the order it happened, and before the outcomes of the same batch.
 */
export class ScheduleEvent extends Event {
  static readonly eventName = 'schedule';
  constructor(readonly update: ScheduleUpdate) {
    super(ScheduleEvent.eventName);
  }
}

export interface RuntimeEventMap {
  outcome: OutcomeEvent;
  progress: ProgressEvent;
  fault: FaultEvent;
  schedule: ScheduleEvent;
}

export class Runtime extends EventTarget {
  private readonly pending = new Map<string, (outcome: Outcome) => void>();
  private outgoing: { message: SubmitMessage; resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly applications: Map<string, ApplicationInfo>;
  private nextId = 0;
  /** Set by the first `dispose()` call. */
  private disposal: Promise<void> | undefined;
  /** Requests `submit()` rejected as invalid before they reached the scheduler. */
  private invalidRejections = 0;
  /** Rejecters of `reprofile()` calls in flight, called when the runtime is disposed. */
  private readonly reprofiling = new Set<(error: Error) => void>();

  /** @internal Use `createRuntime`. */
  constructor(
    private readonly worker: Worker,
    private readonly scheduler: Comlink.Remote<SchedulerApi>,
    /** Facts found at start-up. After a fault changes the provider, `stats().provider` is current. */
    readonly ready: ReadyInfo,
    /** Schedule updates of start-up (the preloads), before any listener could be added. */
    readonly startupSchedule: readonly ScheduleUpdate[] = [],
  ) {
    super();
    this.applications = new Map(ready.applications.map((application) => [application.id, application]));
  }

  /**
   * Submits one request; resolves with its outcome. Rejects if the request is not accepted: a
   * `TypeError` or `RangeError` naming an invalid field, or a `QueueFullError` when
   * `maxQueuedRequests` requests are already open.
   */
  async submit(init: RequestInit): Promise<Outcome> {
    if (this.disposal !== undefined) throw new Error('This runtime is disposed; create a new one with createRuntime().');
    let message: SubmitMessage;
    try {
      message = this.prepare(init);
    } catch (error) {
      this.invalidRejections++;
      throw error;
    }

    const id = message.id;
    const outcome = new Promise<Outcome>((resolve) => this.pending.set(id, resolve));
    try {
      await this.send(message);
    } catch (error) {
      this.pending.delete(id);
      throw error;
    }
    return outcome;
  }

  /** Validates a request and builds its message for the scheduler; throws naming the invalid field. */
  private prepare(init: RequestInit): SubmitMessage {
    if (typeof init !== 'object' || init === null) {
      throw new TypeError(`submit() takes a request object such as { application, input }, got ${String(init)}.`);
    }
    const application = this.applications.get(init.application);
    if (application === undefined) {
      throw new RangeError(
        `Unknown application "${init.application}"; this runtime serves ${[...this.applications.keys()].map((id) => `"${id}"`).join(', ')}.`,
      );
    }

    const input = toInput(init.input, application);
    checkInput(application.id, input, application.inputShape);
    const arrival = runtimeClock();
    const deadline = resolveDeadline(init, arrival, application.defaultDeadlineMs);
    const weight = init.weight ?? application.weight;
    if (typeof weight !== 'number') throw new TypeError(`Request weight ${JSON.stringify(weight)} is not a number; pass a positive number (default 1).`);
    checkWeight(weight);
    const id = init.id ?? this.unusedId();
    if (this.pending.has(id)) throw new RangeError(`Request id "${id}" is already in use by an open request; give each request a unique id.`);
    return { id, application: application.id, input, arrival, deadline, weight };
  }

  /** Queues one request for the next `submitMany` call, made once the current task ends. */
  private send(message: SubmitMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outgoing.push({ message, resolve, reject });
      if (this.outgoing.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const sending = this.outgoing;
    this.outgoing = [];
    const messages = sending.map((entry) => entry.message);
    let results: SubmitResult[];
    try {
      results = await this.scheduler.submitMany(Comlink.transfer(messages, messages.map((message) => message.input.buffer)));
    } catch (error) {
      for (const entry of sending) entry.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    sending.forEach((entry, index) => {
      const result = results[index];
      if (result?.accepted === true) entry.resolve();
      else entry.reject(rebuildError(result));
    });
  }

  /**
   * Returns the runtime's counters; rejects once the runtime is disposed. `accepted` equals
   * `completed` plus every `dropped` count plus `open` in every result.
   */
  async stats(): Promise<RuntimeStats> {
    if (this.disposal !== undefined) throw new Error('This runtime is disposed; read stats() before dispose().');
    const stats = await this.scheduler.stats();
    stats.rejected.invalid += this.invalidRejections;
    return stats;
  }

  /**
   * Fault-injection hook for tests of recovery: destroys the WebGPU device, terminates the
   * inference worker or throws inside it, at once or during the next `batches` batches (see
   * `InjectedFault`). It breaks the runtime on purpose; never call it outside tests.
   */
  injectFault(injection: FaultInjection): Promise<void> {
    if (this.disposal !== undefined) return Promise.reject(new Error('This runtime is disposed; inject faults into a running runtime.'));
    return this.scheduler.injectFault(injection);
  }

  /**
   * Returns the most recent policy decisions, each with the exact scheduler state it was made on,
   * oldest first. Rejects unless the runtime was created with `recordDecisions` above 0, and once
   * it is disposed.
   */
  decisionRecord(): Promise<DecisionRecord> {
    if (this.disposal !== undefined) return Promise.reject(new Error('This runtime is disposed; read decisionRecord() before dispose().'));
    return this.scheduler.decisionRecord();
  }

  /**
   * Measures every variant and SneakPeek model again, stores the new profiles in IndexedDB and
   * resolves with them; `ready.profiles` keeps the start-up figures. Serving pauses while it runs:
   * the batch in flight finishes, then every resident variant is evicted so its load cost can be
   * measured, and the same variants are loaded again at the end. Requests queued or submitted
   * meanwhile wait, and those whose deadlines can no longer be met are dropped as
   * `deadline-infeasible`. Progress arrives as `progress` events of stage `'profile'`. Concurrent
   * calls share one measurement. Rejects once the runtime is disposed, also when disposed midway.
   */
  reprofile(): Promise<ProfileReport> {
    if (this.disposal !== undefined) return Promise.reject(new Error('This runtime is disposed; call reprofile() before dispose().'));
    return new Promise<ProfileReport>((resolve, reject) => {
      this.reprofiling.add(reject);
      this.scheduler.reprofile().then(resolve, reject).finally(() => this.reprofiling.delete(reject));
    });
  }

  /**
   * Drops what is still queued (each gets a `runtime-disposed` outcome) and stops the workers.
   * Calls after the first return the same promise; submissions from then on are rejected.
   */
  dispose(): Promise<void> {
    this.disposal ??= this.disposeNow();
    return this.disposal;
  }

  private async disposeNow(): Promise<void> {
    // Requests still waiting to cross to the scheduler were never accepted: reject them.
    const unsent = this.outgoing;
    this.outgoing = [];
    for (const entry of unsent) entry.reject(new Error(`Request "${entry.message.id}" was not accepted: the runtime is being disposed.`));
    // A measurement in flight would never answer once the workers stop.
    for (const reject of this.reprofiling) reject(new Error('reprofile() did not finish: the runtime was disposed.'));

    try {
      await this.scheduler.dispose();
    } finally {
      this.worker.terminate();
    }
  }

  /** Returns a generated request id that no open request uses. */
  private unusedId(): string {
    let id: string;
    do id = `r${++this.nextId}`;
    while (this.pending.has(id));
    return id;
  }

  override addEventListener<K extends keyof RuntimeEventMap>(
    type: K,
    listener: ((event: RuntimeEventMap[K]) => void) | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as EventListener | null, options);
  }

  /** @internal Called by the scheduler's listener. */
  deliver(outcomes: readonly Outcome[]): void {
    for (const outcome of outcomes) {
      const resolve = this.pending.get(outcome.requestId);
      this.pending.delete(outcome.requestId);
      resolve?.(outcome);
      this.dispatchEvent(new OutcomeEvent(outcome));
    }
  }
}

/** Starts the scheduler and inference workers, loads and profiles the models, and resolves when ready. */
export async function createRuntime(
  options: RuntimeOptions = {},
  onProgress?: (progress: StartupProgress) => void,
): Promise<Runtime> {
  const config = resolveRuntimeOptions(options, globalThis.location?.href ?? 'http://127.0.0.1/');
  // Ask the browser not to evict the cached models under storage pressure. Only a window may ask,
  // and a refusal is harmless: the models are downloaded again when evicted.
  void globalThis.navigator?.storage?.persist?.().catch(() => false);
  const worker = new Worker(new URL('../scheduler/worker.ts', import.meta.url), { type: 'module', name: 'scheduler' });
  const scheduler = Comlink.wrap<SchedulerApi>(worker);

  // Outcomes may arrive before `start` resolves only if requests were submitted, which needs the
  // runtime object, so the listener can forward to a runtime created after `start`.
  let runtime: Runtime | undefined;
  const startupSchedule: ScheduleUpdate[] = [];
  const listener = Comlink.proxy({

    onProgress: (progress: StartupProgress) => {
      onProgress?.(progress);
      runtime?.dispatchEvent(new ProgressEvent(progress));
    },
    onFault: (report: FaultReport) => runtime?.dispatchEvent(new FaultEvent(report)),
    // Updates first, so a view draws a batch before the outcomes it produced.
    onSettled: (updates: ScheduleUpdate[], outcomes: Outcome[]) => {
      if (runtime === undefined) startupSchedule.push(...updates);
      else for (const update of updates) runtime.dispatchEvent(new ScheduleEvent(update));
      runtime?.deliver(outcomes);
    },
  });

  try {
    const ready = await scheduler.start(config, listener);
    runtime = new Runtime(worker, scheduler, ready, startupSchedule);
    return runtime;
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

/** Rebuilds a rejection sent as plain data, keeping the error's name (RangeError, TypeError, ...). */
function rebuildError(result: SubmitResult | undefined): Error {
  if (result === undefined || result.accepted) return new Error('The scheduler returned no result for a submitted request; this is a bug.');
  const constructors: Record<string, new (message: string) => Error> = { RangeError, TypeError, QueueFullError };
  return new (constructors[result.errorName] ?? Error)(result.message);
}

/** Returns the absolute deadline of a request, validated; `arrival` is on `runtimeClock()`. */
function resolveDeadline(init: RequestInit, arrival: number, defaultDeadlineMs: number): number {
  if (init.deadline !== undefined) {
    if (typeof init.deadline !== 'number') {
      throw new TypeError(`deadline ${JSON.stringify(init.deadline)} is not a number; pass epoch milliseconds from runtimeClock().`);
    }
    // performance.now() values are milliseconds since the page loaded, far below any epoch time.
    if (init.deadline < arrival - 365 * 24 * 3600 * 1000) {
      throw new RangeError(
        `deadline ${init.deadline} lies decades in the past; absolute deadlines are epoch milliseconds, so build them from runtimeClock(), not performance.now().`,
      );
    }
    checkDeadline(init.deadline, arrival);
    return init.deadline;
  }

  const relative = init.deadlineMs ?? defaultDeadlineMs;
  if (typeof relative !== 'number') {
    throw new TypeError(`deadlineMs ${JSON.stringify(relative)} is not a number; pass the time allowed in milliseconds, for example 200.`);
  }
  if (!(relative > 0) || !Number.isFinite(relative)) {
    throw new RangeError(`deadlineMs ${relative} is not positive and finite; a request needs time to run, so pass deadlineMs > 0.`);
  }
  return arrival + relative;
}

function toInput(input: RequestInit['input'], application: ApplicationInfo): Float32Array {
  if (input instanceof Uint8Array || input instanceof Uint8ClampedArray) {
    // A plain loop: Float32Array.from with a map function was about 30 times slower in Chromium.
    const scaled = new Float32Array(input.length);
    for (let index = 0; index < input.length; index++) scaled[index] = input[index]! * application.inputScale;
    return scaled;
  }
  if (input instanceof Float32Array) return input.slice();
  if (Array.isArray(input)) {
    const wrong = input.findIndex((value) => typeof value !== 'number');
    if (wrong >= 0) {
      throw new TypeError(
        `Input for application "${application.id}" has ${JSON.stringify(input[wrong])} at index ${wrong}; an array input must contain numbers only.`,
      );
    }
    return Float32Array.from(input);
  }
  throw new TypeError(
    `Input for application "${application.id}" is ${Object.prototype.toString.call(input)}; pass a Float32Array, Uint8Array, Uint8ClampedArray or an array of numbers.`,
  );
}
