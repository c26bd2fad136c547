/** The public API of the runtime. */
export { createRuntime, runtimeClock, Runtime, OutcomeEvent, ProgressEvent, type RequestInit } from './client/runtime.js';
export type { RuntimeOptions } from './client/options.js';
export type {
  Outcome,
  CompletedOutcome,
  DroppedOutcome,
  RuntimeStats,
  StartupProgress,
  ReadyInfo,
  MeasuredProfile,
  Provider,
} from './protocol/messages.js';
export type { Manifest } from './core/manifest.js';
export type { DecisionRecord, RecordedDecision, SerializedDecision, SerializedState } from './core/decision-record.js';
export { DropReason } from './core/model.js';
