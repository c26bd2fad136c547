/**
 * Requests and results of the benchmark suite (`npm run bench`): plain records that cross from
 * Node to the benchmark page and back. Times are milliseconds. The page replays a trace the Node
 * side planned with the simulator's workload code and returns one row per request; Node computes
 * every figure from those rows.
 */
import type { PolicyName } from '../core/baselines/catalog.js';
import type { DropReason } from '../core/model.js';
import type { Provider, ReadyInfo, RuntimeStats } from '../protocol/messages.js';

/** One planned request: which test record of which application, when, and its relative deadline. */
export interface SuiteArrival {
  id: string;
  application: string;
  /** Index into the application's test set. */
  record: number;
  /** Planned submission time from the start of the run. Ignored in closed-loop runs. */
  arrivalMs: number;
  relativeDeadlineMs: number;
}

/**
 * Relative deadline of the untimed warm-up request each run submits per application (test record
 * 0) before its trace: long enough that it always completes.
 */
export const WARMUP_DEADLINE_MS = 600_000;

/** Submission order of a trace: open loop at planned times, or closed loop. */
export const ReplayMode = {
  /** Each request at its planned time, whatever is still open (MLPerf's Server scenario). */
  Open: 'open',
  /** The next request as soon as the previous one has its outcome (MLPerf's SingleStream). */
  Closed: 'closed',
} as const;
export type ReplayMode = (typeof ReplayMode)[keyof typeof ReplayMode];

export interface SuiteRunRequest {
  provider: Provider;
  policy: PolicyName;
  /** Variant ids the runtime serves; undefined serves every variant. */
  variants: string[] | undefined;
  memoryBudgetBytes: number;
  /** IndexedDB database of model bytes and profiles; a warm one makes start-up short. */
  storeName: string;
  mode: ReplayMode;
  trace: SuiteArrival[];
}

/** The one outcome of one replayed request, as the page saw it. */
export interface LiveRow {
  id: string;
  application: string;
  record: number;
  /** Submission time from the start of the run, on the page's clock. */
  submittedMs: number;
  /** Submission time minus the planned time: how late the page submitted it. */
  submitLagMs: number;
  status: 'completed' | 'dropped' | 'rejected';
  /** When the scheduler worker received it, from the start of the run; undefined if rejected. */
  receivedMs?: number;
  /** When it joined the scheduler's queue after its SneakPeek estimate; undefined if it never did. */
  queuedMs?: number;
  /** Completion or drop time from the start of the run. */
  settledMs: number;
  deadlineMet: boolean;
  /** Whether the predicted class equals the test record's label (false unless completed). */
  correct: boolean;
  variantId?: string;
  batchSize?: number;
  reason?: DropReason | string;
}

export interface SuiteRunResult {
  /** The runtime's start-up facts: provider, profiles measured or stored, policy. */
  ready: ReadyInfo;
  startupMs: number;
  rows: LiveRow[];
  /** The runtime's counters after the untimed warm-up requests, one per application. */
  afterWarmup: RuntimeStats;
  /** The runtime's counters after the last outcome. */
  stats: RuntimeStats;
}

/** Time from navigation to the first completed outcome, measured by the page itself. */
export interface FirstAnswer {
  /** `performance.now()` at the first outcome: milliseconds since the navigation started. */
  firstAnswerMs: number;
  /** Of which `createRuntime()` took this long. */
  startupMs: number;
  provider: Provider;
  /** Source of each model's bytes on this start (`network` or `indexeddb`). */
  sources: Record<string, string>;
  profileSources: Record<string, string>;
  /** The runtime's start-up facts, with the profiles it measured or read. */
  ready: ReadyInfo;
}

/** The functions the benchmark page publishes as `window.sneakpeekSuite`. */
export interface SuiteApi {
  run(request: SuiteRunRequest): Promise<SuiteRunResult>;
}

declare global {
  interface Window {
    sneakpeekSuite?: SuiteApi;
    /** Set by the page when it was opened with `?first-answer`: the cold or warm start figure, or an error. */
    sneakpeekFirstAnswer?: FirstAnswer | { error: string };
  }
}
