/**
 * The benchmark suite's side of the benchmark page: replays a planned trace through a fresh
 * runtime with one policy, and measures the time from navigation to the first answer.
 *
 * - `window.sneakpeekSuite.run()` starts a runtime, answers one untimed request per application,
 *   then submits each request of the trace at its
 *   planned time (open loop) or after the previous outcome (closed loop), and returns one row per
 *   request. Requests due in the same millisecond are submitted in one task, so they reach the
 *   scheduler together as they would from one busy client.
 * - Opened with `?first-answer&provider=P&store=S[&variants=A,B]`, the page starts a runtime at
 *   once, submits one test record and publishes `window.sneakpeekFirstAnswer`.
 */
import type { PolicyName } from '../core/baselines/catalog.js';
import { createRuntime, type Runtime } from '../client/runtime.js';
import { OutcomeStatus, type Outcome, type ProviderPreference } from '../protocol/messages.js';
import type { TestSet } from '../ui/test-set.js';
import { loadRecords, MANIFEST_URL } from './models.js';
import { ReplayMode, WARMUP_DEADLINE_MS, type FirstAnswer, type LiveRow, type SuiteArrival, type SuiteRunRequest, type SuiteRunResult } from './suite-types.js';

/** Submissions due within this many milliseconds of now go out in the same task. */
const SUBMIT_SLACK_MS = 1;

async function run(request: SuiteRunRequest): Promise<SuiteRunResult> {
  const testSets = await loadTestSets(request.trace);
  const started = performance.now();
  const runtime = await createRuntime({
    manifestUrl: MANIFEST_URL,
    provider: request.provider,
    policy: request.policy,
    memoryBudgetBytes: request.memoryBudgetBytes,
    storeName: request.storeName,
    ...(request.variants === undefined ? {} : { variants: request.variants }),
  });
  const startupMs = performance.now() - started;
  try {
    // One untimed request per application first, as MLPerf's warm-up: the first batch of a
    // session pays for allocations that no later batch does.
    await Promise.all([...testSets.entries()].map(([application, testSet]) => runtime.submit({ application, input: testSet.record(0), deadlineMs: WARMUP_DEADLINE_MS })));
    const afterWarmup = await runtime.stats();
    const rows = request.mode === ReplayMode.Closed ? await replayClosed(runtime, request.trace, testSets) : await replayOpen(runtime, request.trace, testSets);
    return { ready: runtime.ready, startupMs, rows, afterWarmup, stats: await runtime.stats() };
  } finally {
    await runtime.dispose();
  }
}

async function loadTestSets(trace: readonly SuiteArrival[]): Promise<Map<string, TestSet>> {
  const applications = [...new Set(trace.map((arrival) => arrival.application))];
  const testSets = new Map(await Promise.all(applications.map(async (application) => [application, await loadRecords(application)] as const)));
  for (const arrival of trace) {
    const testSet = testSets.get(arrival.application)!;
    if (!Number.isInteger(arrival.record) || arrival.record < 0 || arrival.record >= testSet.count) {
      throw new RangeError(`Request "${arrival.id}" names test record ${arrival.record}, but "${arrival.application}" has ${testSet.count}; plan records within the test set.`);
    }
  }
  return testSets;
}

/** Submits every request at its planned time and waits for all outcomes. */
async function replayOpen(runtime: Runtime, trace: readonly SuiteArrival[], testSets: Map<string, TestSet>): Promise<LiveRow[]> {
  const rows: LiveRow[] = new Array(trace.length);
  const settled: Promise<void>[] = [];
  const origin = performance.now();
  for (const [index, arrival] of trace.entries()) {
    const wait = arrival.arrivalMs - (performance.now() - origin);
    if (wait > SUBMIT_SLACK_MS) await new Promise((resolve) => setTimeout(resolve, wait));
    settled.push(submitOne(runtime, arrival, testSets.get(arrival.application)!, origin).then((row) => void (rows[index] = row)));
  }
  await Promise.all(settled);
  return rows;
}

/** Submits each request once the previous one has its outcome. */
async function replayClosed(runtime: Runtime, trace: readonly SuiteArrival[], testSets: Map<string, TestSet>): Promise<LiveRow[]> {
  const rows: LiveRow[] = [];
  const origin = performance.now();
  for (const arrival of trace) {
    // In a closed loop the planned time is the submission time: there is no lag.
    const submittedMs = performance.now() - origin;
    rows.push(await submitOne(runtime, { ...arrival, arrivalMs: submittedMs }, testSets.get(arrival.application)!, origin));
  }
  return rows;
}

async function submitOne(runtime: Runtime, arrival: SuiteArrival, testSet: TestSet, origin: number): Promise<LiveRow> {
  const submittedMs = performance.now() - origin;
  const base = { id: arrival.id, application: arrival.application, record: arrival.record, submittedMs, submitLagMs: submittedMs - arrival.arrivalMs };
  let outcome: Outcome;
  try {
    outcome = await runtime.submit({ application: arrival.application, input: testSet.record(arrival.record), deadlineMs: arrival.relativeDeadlineMs });
  } catch (error) {
    return { ...base, status: 'rejected', settledMs: performance.now() - origin, deadlineMet: false, correct: false, reason: error instanceof Error ? error.message : String(error) };
  }
  // Outcome times are on the runtime's epoch clock; the rows count from the start of the run.
  const epochOrigin = performance.timeOrigin + origin;
  const stages = {
    receivedMs: outcome.receivedAt - epochOrigin,
    ...(outcome.queuedAt === undefined ? {} : { queuedMs: outcome.queuedAt - epochOrigin }),
  };
  if (outcome.status === OutcomeStatus.Completed) {
    return {
      ...base,
      ...stages,
      status: 'completed',
      settledMs: outcome.finishedAt - epochOrigin,
      deadlineMet: outcome.deadlineMet,
      correct: outcome.classIndex === testSet.labels[arrival.record],
      variantId: outcome.variantId,
      batchSize: outcome.batchSize,
    };
  }
  return { ...base, ...stages, status: 'dropped', settledMs: outcome.droppedAt - epochOrigin, deadlineMet: false, correct: false, reason: outcome.reason };
}

/** Starts a runtime as the page loads, submits one test record and publishes the timing. */
async function firstAnswer(query: URLSearchParams): Promise<FirstAnswer> {
  const provider = (query.get('provider') ?? 'auto') as ProviderPreference;
  const variants = query.get('variants')?.split(',').filter((id) => id !== '');
  const policy = (query.get('policy') ?? 'sneakpeek') as PolicyName;
  const started = performance.now();
  const runtime = await createRuntime({
    manifestUrl: MANIFEST_URL,
    provider,
    policy,
    storeName: query.get('store') ?? 'sneakpeek-models',
    ...(variants === undefined ? {} : { variants }),
  });
  const startupMs = performance.now() - started;
  try {
    const application = runtime.ready.applications.find((candidate) => candidate.variants.length > 0)!;
    const testSet = await loadRecords(application.id);
    const outcome = await runtime.submit({ application: application.id, input: testSet.record(0), deadlineMs: WARMUP_DEADLINE_MS });
    const firstAnswerMs = performance.now();
    if (outcome.status !== OutcomeStatus.Completed) throw new Error(`The first request was dropped (${outcome.reason}): ${outcome.detail}`);
    const stats = await runtime.stats();
    return {
      firstAnswerMs,
      startupMs,
      provider: runtime.ready.provider,
      ready: runtime.ready,
      sources: Object.fromEntries(stats.modelLoads.map((load) => [load.modelId, load.source])),
      profileSources: Object.fromEntries([
        ...runtime.ready.profiles.map((profile) => [profile.variantId, profile.source] as const),
        ...runtime.ready.sneakpeekProfiles.map((profile) => [profile.modelId, profile.source] as const),
      ]),
    };
  } finally {
    await runtime.dispose();
  }
}

window.sneakpeekSuite = { run };
const query = new URLSearchParams(location.search);
if (query.has('first-answer')) {
  firstAnswer(query).then(
    (result) => (window.sneakpeekFirstAnswer = result),
    (error: unknown) => (window.sneakpeekFirstAnswer = { error: error instanceof Error ? error.message : String(error) }),
  );
}
