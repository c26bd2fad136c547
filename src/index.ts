/** The public API of the runtime. */
export { createRuntime, runtimeClock, Runtime, OutcomeEvent, ProgressEvent, FaultEvent, ScheduleEvent, type RequestInit, type RuntimeEventMap } from './client/runtime.js';
export { QueueFullError } from './core/admission.js';
export type { RuntimeOptions } from './client/options.js';
export type {
  Outcome,
  CompletedOutcome,
  DroppedOutcome,
  RuntimeStats,
  StartupProgress,
  ReadyInfo,
  MeasuredProfile,
  SneakPeekProfile,
  ProfileReport,
  ProfileMode,
  Provider,
  FaultReport,
  FaultInjection,
  RuntimeWarning,
  RejectionCounts,
  ScheduleUpdate,
  ScheduleSnapshot,
  BatchUpdate,
  LoadUpdate,
  EvictUpdate,
  DropUpdate,
  LoadCause,
} from './protocol/messages.js';
export { FaultKind, InjectedFault, ScheduleUpdateKind } from './protocol/messages.js';
export type { Manifest } from './core/manifest.js';
export type { DecisionRecord, RecordedDecision, SerializedDecision, SerializedState } from './core/decision-record.js';
export { DropReason } from './core/model.js';
export { ProfileSource } from './core/stored-profile.js';
