/**
 * `<sneakpeek-runtime>`: the whole runtime in one custom element. It starts a runtime from its
 * attributes, re-fires the runtime's events from the element, shows start-up progress and, unless
 * `headless` is set, the request and schedule views bound to the runtime.
 *
 * Lifecycle:
 * 1. Connected with `autostart` on (the default): starts once the first update has run, so
 *    properties set right after `append()` count.
 * 2. Starting: validates the attributes, calls `createRuntime` and shows its progress. An invalid
 *    attribute or a failed start fires `error`, shows the message and rejects `ready`.
 * 3. Ready: fires `ready`, then re-fires `outcome`, `schedule`, `progress` and `fault`.
 * 4. A change of a runtime attribute or of `options` after a start disposes the runtime and starts
 *    a new one. A start superseded this way disposes its runtime as soon as it arrives.
 * 5. Removed from the document: disposes the runtime (queued requests end as `runtime-disposed`).
 *    Moving the element within one task does not count as removal.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { RuntimeOptions } from '../client/options.js';
import {
  createRuntime,
  type FaultEvent,
  type OutcomeEvent,
  type ProgressEvent as RuntimeProgressEvent,
  type RequestInit,
  type Runtime,
  type ScheduleEvent,
} from '../client/runtime.js';
import type { Outcome, RuntimeStats, StartupProgress } from '../protocol/messages.js';
import { AttributeError, optionsFromAttributes, parseAutostart, type RuntimeAttributes } from './attributes.js';
import {
  SneakPeekErrorEvent,
  SneakPeekFaultEvent,
  SneakPeekOutcomeEvent,
  SneakPeekProgressEvent,
  SneakPeekReadyEvent,
  SneakPeekScheduleEvent,
  type SneakPeekRuntimeEventMap,
} from './events.js';
import { EMPTY_STARTUP, foldProgress, renderStartup, type StartupView } from './startup-progress.js';
import { runtimeElementStyles } from './styles.js';
import '../ui/views/request-view.js';
import '../ui/views/schedule-view.js';

export const ElementState = {
  /** Not started, or disposed. */
  Idle: 'idle',
  Starting: 'starting',
  Ready: 'ready',
  /** The last start failed, and an `error` event carried the reason. */
  Failed: 'failed',
} as const;
export type ElementState = (typeof ElementState)[keyof typeof ElementState];

/** Properties whose change after a start restarts the runtime. */
const RUNTIME_PROPERTIES = ['manifest', 'memoryBudget', 'policy', 'provider', 'ortBase', 'swapMargin', 'maxQueueDelay', 'options'] as const;

/** A promise with its settle functions, for `ready`. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
  settled: boolean;
}

export class SneakPeekRuntimeElement extends LitElement {
  static override styles = runtimeElementStyles;

  static override properties = {
    manifest: { type: String },
    memoryBudget: { type: String, attribute: 'memory-budget' },
    policy: { type: String },
    provider: { type: String },
    ortBase: { type: String, attribute: 'ort-base' },
    swapMargin: { type: String, attribute: 'swap-margin' },
    maxQueueDelay: { type: String, attribute: 'max-queue-delay' },
    headless: { type: Boolean },
    autostart: { type: String },
    options: { attribute: false },
    phase: { state: true },
    startup: { state: true },
    errorMessage: { state: true },
    current: { state: true },
  };

  /** URL of the models' `manifest.json`, relative to the page. @default 'models/manifest.json' */
  manifest: string | null = null;
  /** Memory budget of resident variants: bytes, or a number with a unit such as `64MiB`. @default 64MiB */
  memoryBudget: string | null = null;
  /** Scheduling policy, one of the runtime's live policies. @default 'sneakpeek' */
  policy: string | null = null;
  /** Execution provider: `auto`, `webgpu` or `wasm`. @default 'auto' */
  provider: string | null = null;
  /** Base URL of onnxruntime-web's `.mjs` and `.wasm` files. @default the files beside the bundle */
  ortBase: string | null = null;
  /** Expected utility, in requests, a variant load must gain. @default 0.5 */
  swapMargin: string | null = null;
  /** Maximum time, in milliseconds, a partial batch may wait for more requests. @default 0 */
  maxQueueDelay: string | null = null;
  /** Whether to leave out the request and schedule views and show only status and progress. @default false */
  headless = false;
  /** `off` (or `false`) leaves starting to `start()`. @default on */
  autostart: string | null = null;
  /**
   * Further `createRuntime` options (such as `storeName` or `profileRuns`); attributes override the
   * same options. Setting a new object after a start restarts the runtime.
   * @default {}
   */
  options: RuntimeOptions = {};

  private phase: ElementState = ElementState.Idle;
  private startup: StartupView = EMPTY_STARTUP;
  private errorMessage: string | undefined;
  private current: Runtime | undefined;
  /** Number of the latest start, incremented by every start and by `dispose()`. A start whose number is stale gives up. */
  private generation = 0;
  /** Attributes and options of the latest start, or undefined before the first start and after `dispose()`. */
  private started: { attributes: RuntimeAttributes; options: RuntimeOptions } | undefined;
  private deferred: Deferred<Runtime> = createDeferred();
  /** Removes the listeners this element added to `current`. */
  private detach: (() => void) | undefined;

  /** The running runtime, or undefined while starting, after a failed start and after `dispose()`. */
  get runtime(): Runtime | undefined {
    return this.current;
  }

  get state(): ElementState {
    return this.phase;
  }

  /**
   * Settles with the runtime of the latest start: resolves when it is ready, rejects when it fails
   * or `dispose()` comes first. After a settled start, the next start gives a new promise.
   */
  get ready(): Promise<Runtime> {
    return this.deferred.promise;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.started !== undefined) return;
    let autostart: boolean;
    try {
      autostart = parseAutostart(this.autostart);
    } catch (error) {
      this.fail(toError(error));
      return;
    }
    // start() reports its own failures as `error` events and through `ready`.
    if (autostart) this.start().catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A move within the document reconnects the element before the microtask runs.
    queueMicrotask(() => {
      if (!this.isConnected) void this.dispose();
    });
  }

  /**
   * Starts the runtime from the current attributes and resolves with it when ready. While a start
   * with the same attributes and options is in flight or done, returns that start's promise.
   * Otherwise it disposes the running runtime first. Rejects on an invalid attribute or a failed
   * start, after firing `error`.
   */
  async start(): Promise<Runtime> {
    // Waiting only for a pending update keeps a restart from updated() synchronous up to the
    // new `ready` promise, so a caller that awaits `updateComplete` then sees that promise.
    if (this.isUpdatePending) await this.updateComplete;
    const attributes = this.readAttributes();
    if (this.started !== undefined && this.phase !== ElementState.Failed && sameStart(this.started, attributes, this.options)) return this.ready;

    const generation = ++this.generation;
    this.started = { attributes, options: this.options };
    if (this.deferred.settled) this.deferred = createDeferred();
    const ready = this.deferred.promise;
    this.phase = ElementState.Starting;
    this.errorMessage = undefined;
    this.startup = EMPTY_STARTUP;
    await this.release();
    if (generation !== this.generation) return ready;

    let runtime: Runtime;
    try {
      const options = optionsFromAttributes(attributes, this.options);
      runtime = await createRuntime(options, (progress) => {
        if (generation === this.generation) this.onProgress(progress);
      });
    } catch (error) {
      if (generation === this.generation) this.fail(toError(error));
      return ready;
    }
    if (generation !== this.generation) {
      // Superseded by a later start or by dispose() while starting.
      await runtime.dispose();
      return ready;
    }

    this.attach(runtime);
    this.phase = ElementState.Ready;
    this.deferred.settled = true;
    this.deferred.resolve(runtime);
    this.dispatchEvent(new SneakPeekReadyEvent(runtime));
    return ready;
  }

  /**
   * Disposes the runtime (queued requests end as `runtime-disposed`) and returns the element to
   * `idle`. A start in flight is abandoned and `ready` rejects. `start()` starts it again.
   */
  async dispose(): Promise<void> {
    this.generation++;
    this.started = undefined;
    if (!this.deferred.settled) {
      this.deferred.settled = true;
      this.deferred.reject(new Error('<sneakpeek-runtime> was disposed before its runtime was ready.'));
    }
    this.phase = ElementState.Idle;
    this.startup = EMPTY_STARTUP;
    await this.release();
  }

  /**
   * Submits one request, as `Runtime.submit` does, and resolves with its outcome. Waits for a start
   * in flight, and rejects when the element is idle or its start failed.
   */
  async submit(init: RequestInit): Promise<Outcome> {
    return (await this.runningRuntime('submit()')).submit(init);
  }

  /** Returns the runtime's counters, as `Runtime.stats` does, after waiting for a start in flight. */
  async stats(): Promise<RuntimeStats> {
    return (await this.runningRuntime('stats()')).stats();
  }

  override addEventListener<K extends keyof SneakPeekRuntimeEventMap>(
    type: K,
    listener: (this: SneakPeekRuntimeElement, event: SneakPeekRuntimeEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: HTMLElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof SneakPeekRuntimeEventMap>(
    type: K,
    listener: (this: SneakPeekRuntimeElement, event: SneakPeekRuntimeEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: HTMLElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const runtimeChanged = RUNTIME_PROPERTIES.some((name) => changed.has(name));
    if (!runtimeChanged || this.started === undefined) return;
    if (sameStart(this.started, this.readAttributes(), this.options)) return;
    // start() reports its own failures as `error` events and through `ready`.
    this.start().catch(() => undefined);
  }

  private readAttributes(): RuntimeAttributes {
    return {
      manifest: this.manifest,
      memoryBudget: this.memoryBudget,
      policy: this.policy,
      provider: this.provider,
      ortBase: this.ortBase,
      swapMargin: this.swapMargin,
      maxQueueDelay: this.maxQueueDelay,
    };
  }

  /** Waits for a start in flight and returns the runtime. Throws an error naming `caller` when there is none. */
  private async runningRuntime(caller: string): Promise<Runtime> {
    if (this.phase === ElementState.Starting) await this.ready;
    if (this.current === undefined) {
      const reason = this.phase === ElementState.Failed ? `its start failed: ${this.errorMessage}` : 'it is not started';
      throw new Error(`<sneakpeek-runtime> cannot run ${caller} because ${reason}. Fix the cause and call start().`);
    }
    return this.current;
  }

  /** Re-fires the runtime's events from the element until `release()`. */
  private attach(runtime: Runtime): void {
    const onOutcome = (event: OutcomeEvent): void => void this.dispatchEvent(new SneakPeekOutcomeEvent(event.outcome));
    const onSchedule = (event: ScheduleEvent): void => void this.dispatchEvent(new SneakPeekScheduleEvent(event.update));
    const onProgress = (event: RuntimeProgressEvent): void => this.onProgress(event.progress);
    const onFault = (event: FaultEvent): void => void this.dispatchEvent(new SneakPeekFaultEvent(event.report));
    runtime.addEventListener('outcome', onOutcome);
    runtime.addEventListener('schedule', onSchedule);
    runtime.addEventListener('progress', onProgress);
    runtime.addEventListener('fault', onFault);
    this.detach = () => {
      runtime.removeEventListener('outcome', onOutcome as EventListener);
      runtime.removeEventListener('schedule', onSchedule as EventListener);
      runtime.removeEventListener('progress', onProgress as EventListener);
      runtime.removeEventListener('fault', onFault as EventListener);
    };
    this.current = runtime;
  }

  /** Stops re-firing and disposes the current runtime, if any. */
  private async release(): Promise<void> {
    const runtime = this.current;
    this.current = undefined;
    this.detach?.();
    this.detach = undefined;
    await runtime?.dispose();
  }

  private onProgress(progress: StartupProgress): void {
    this.startup = foldProgress(this.startup, progress);
    this.dispatchEvent(new SneakPeekProgressEvent(progress));
  }

  private fail(error: Error): void {
    this.phase = ElementState.Failed;
    this.errorMessage = error.message;
    if (!this.deferred.settled) {
      this.deferred.settled = true;
      this.deferred.reject(error);
    }
    this.dispatchEvent(new SneakPeekErrorEvent(error, error instanceof AttributeError ? error.attribute : undefined));
  }

  override render() {
    return html`${this.renderStatus()}
    ${this.headless
      ? nothing
      : html`<div class="views">
          <sneakpeek-request-view .runtime=${this.current}></sneakpeek-request-view>
          <sneakpeek-schedule-view .runtime=${this.current}></sneakpeek-schedule-view>
        </div>`}`;
  }

  private renderStatus() {
    switch (this.phase) {
      case ElementState.Idle:
        return html`<p class="status" role="status">Not started.</p>`;
      case ElementState.Starting:
        return renderStartup(this.startup);
      case ElementState.Ready: {
        if (this.current === undefined) return nothing;
        const ready = this.current.ready;
        return html`<p class="status" role="status">
          Ready on <strong>${ready.provider}</strong>, serving ${ready.applications.map((application) => application.name).join(', ')}.
        </p>`;
      }
      case ElementState.Failed:
        return html`<p class="error" role="alert"><strong>Error:</strong> ${this.errorMessage}</p>`;
      default: {
        const unknown: never = this.phase;
        throw new Error(`Unknown element state ${String(unknown)}`);
      }
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sneakpeek-runtime': SneakPeekRuntimeElement;
  }
}

function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // A rejection nobody awaits is expected (an autostart that failed fires `error` instead).
  promise.catch(() => undefined);
  return { promise, resolve, reject, settled: false };
}

function sameStart(started: { attributes: RuntimeAttributes; options: RuntimeOptions }, attributes: RuntimeAttributes, options: RuntimeOptions): boolean {
  return started.options === options && JSON.stringify(started.attributes) === JSON.stringify(attributes);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
