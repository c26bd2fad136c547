/**
 * Events of `<sneakpeek-runtime>`. Each is composed, so it leaves any shadow root the element sits
 * in. All but `error` bubble, so a page can listen on an ancestor or the document. `error` does
 * not bubble, as on `<img>`, so it never reaches the window's handlers for uncaught script errors.
 *
 * `progress` and `error` already exist on every element in the DOM's `HTMLElementEventMap`
 * (as `ProgressEvent` and `ErrorEvent`), so their classes extend those and the element's own
 * `addEventListener` overload gives listeners the richer type.
 */
import type { Runtime } from '../client/runtime.js';
import type { FaultReport, Outcome, ReadyInfo, ScheduleUpdate, StartupProgress } from '../protocol/messages.js';

const SHARED: EventInit = Object.freeze({ bubbles: true, composed: true });

/** An outcome of a request (completed or dropped), whoever submitted it. */
export class SneakPeekOutcomeEvent extends Event {
  static readonly eventName = 'outcome';
  constructor(readonly outcome: Outcome) {
    super(SneakPeekOutcomeEvent.eventName, SHARED);
  }
}

/** Something the scheduler did: a batch ran, a variant was loaded or evicted, requests were dropped. */
export class SneakPeekScheduleEvent extends Event {
  static readonly eventName = 'schedule';
  constructor(readonly update: ScheduleUpdate) {
    super(SneakPeekScheduleEvent.eventName, SHARED);
  }
}

/**
 * A start-up step: reading the manifest, downloading a model, choosing the provider, profiling.
 * As a DOM `ProgressEvent`, `loaded` out of `total` (1000) is the stage's fraction where known.
 */
export class SneakPeekProgressEvent extends ProgressEvent {
  static readonly eventName = 'progress';
  constructor(readonly progress: StartupProgress) {
    const known = progress.fraction !== undefined;
    super(SneakPeekProgressEvent.eventName, {
      ...SHARED,
      lengthComputable: known,
      loaded: known ? Math.round(progress.fraction! * 1000) : 0,
      total: known ? 1000 : 0,
    });
  }
}

/** A fault the runtime met (a lost WebGPU device or inference worker) and how it recovered. */
export class SneakPeekFaultEvent extends Event {
  static readonly eventName = 'fault';
  constructor(readonly report: FaultReport) {
    super(SneakPeekFaultEvent.eventName, SHARED);
  }
}

/** The runtime started and serves requests; fired once per start. */
export class SneakPeekReadyEvent extends Event {
  static readonly eventName = 'ready';
  constructor(readonly runtime: Runtime) {
    super(SneakPeekReadyEvent.eventName, SHARED);
  }

  /** Facts found at start-up: provider, applications, measured profiles. */
  get info(): ReadyInfo {
    return this.runtime.ready;
  }
}

/**
 * The element could not start the runtime: an invalid attribute (then `attribute` names it) or
 * a failed start (manifest not found, no model loaded). `message` says what to fix; `error` is
 * the thrown error.
 */
export class SneakPeekErrorEvent extends ErrorEvent {
  static readonly eventName = 'error';
  constructor(
    error: Error,
    readonly attribute: string | undefined,
  ) {
    super(SneakPeekErrorEvent.eventName, { composed: true, error, message: error.message });
  }
}

/** Every event `<sneakpeek-runtime>` fires, by name. */
export interface SneakPeekRuntimeEventMap {
  outcome: SneakPeekOutcomeEvent;
  schedule: SneakPeekScheduleEvent;
  progress: SneakPeekProgressEvent;
  fault: SneakPeekFaultEvent;
  ready: SneakPeekReadyEvent;
  error: SneakPeekErrorEvent;
}

declare global {
  // `progress` and `error` keep the DOM's types here; see the module comment.
  interface HTMLElementEventMap {
    outcome: SneakPeekOutcomeEvent;
    schedule: SneakPeekScheduleEvent;
    fault: SneakPeekFaultEvent;
    ready: SneakPeekReadyEvent;
  }
}
