/**
 * Soak of the whole runtime: a long run of real test records from every application at a steady
 * Poisson rate, paused at checkpoints to read every thread's heap and the runtime's counters.
 *
 * - The schedule (arrival times, applications, records) and every per-request record are allocated
 *   before the first checkpoint, so the page's own bookkeeping does not grow during the run.
 * - At a checkpoint the page stops submitting and waits until every accepted request has its
 *   outcome. It then calls `HEAP_PROBE_FUNCTION`, which the Node side installs, to read each
 *   thread's heap after garbage collection. The pause is left out of the schedule: arrivals resume at their planned gaps.
 * - Outcomes are counted from the runtime's `outcome` events, so a duplicate or unknown outcome
 *   shows up in the counts instead of being absorbed by a resolved promise.
 */
import { createRuntime, OutcomeEvent, type Runtime } from '../client/runtime.js';
import { createRandom } from '../core/random.js';
import { poissonArrivals } from '../core/workloads/arrivals.js';
import type { ApplicationInfo, RuntimeStats } from '../protocol/messages.js';
import type { TestSet } from '../ui/test-set.js';
import { MANIFEST_URL, loadRecords } from './models.js';
import { HEAP_PROBE_FUNCTION, type SoakCheckpoint, type SoakCounts, type SoakRequest, type SoakResult, type ThreadHeap } from './results.js';

export async function runSoak(request: SoakRequest): Promise<SoakResult> {
  const runtime = await createRuntime({
    manifestUrl: MANIFEST_URL,
    provider: request.provider,
    // Measure at start even when a profile is stored, so `startupLoadMs` is from this run.
    profile: 'always',
    memoryBudgetBytes: request.memoryBudgetBytes,
    storeName: request.storeName,
    ...(request.variants === undefined ? {} : { variants: request.variants }),
  });
  try {
    if (runtime.ready.provider !== request.provider) {
      throw new Error(`The runtime was requested on ${request.provider} but runs on ${runtime.ready.provider}: ${runtime.ready.providerNote}`);
    }
    const applications = runtime.ready.applications;
    const testSets = await Promise.all(applications.map((application) => loadRecords(application.id)));
    const soak = new SoakRun(runtime, request, applications, testSets);
    return await soak.run();
  } finally {
    await runtime.dispose();
  }
}

class SoakRun {
  private readonly arrivalsMs: Float64Array;
  private readonly applicationIndex: Uint8Array;
  private readonly recordIndex: Uint32Array;
  /** Outcome events seen per request, by submission index. */
  private readonly outcomesSeen: Uint8Array;
  /** `finishedAt − arrival` per completed request; NaN until then, and for dropped requests. */
  private readonly responseMs: Float64Array;
  private readonly deadlineMs: number[];
  private readonly counts: SoakCounts;
  private readonly checkpoints: SoakCheckpoint[] = [];
  private outstanding = 0;
  private onDrained: (() => void) | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly request: SoakRequest,
    private readonly applications: readonly ApplicationInfo[],
    private readonly testSets: readonly TestSet[],
  ) {
    const random = createRandom(request.seed);
    this.arrivalsMs = Float64Array.from(poissonArrivals(request.requests, request.ratePerSecond / 1000, random));
    this.applicationIndex = Uint8Array.from({ length: request.requests }, () => random.integer(0, applications.length - 1));
    this.recordIndex = Uint32Array.from(this.applicationIndex, (application) => random.integer(0, testSets[application]!.count - 1));
    this.outcomesSeen = new Uint8Array(request.requests);
    this.responseMs = new Float64Array(request.requests).fill(Number.NaN);
    this.deadlineMs = applications.map((application) => request.deadlineMs ?? application.defaultDeadlineMs);
    this.counts = {
      submitted: 0,
      rejected: 0,
      completed: 0,
      deadlineMet: 0,
      dropped: {},
      duplicateOutcomes: 0,
      unknownOutcomes: 0,
      missingOutcomes: 0,
    };
  }

  async run(): Promise<SoakResult> {
    const listener = (event: OutcomeEvent): void => this.count(event);
    this.runtime.addEventListener('outcome', listener);

    let pausedMs = 0;
    const origin = performance.now();
    await this.checkpoint(0);
    pausedMs += performance.now() - origin;

    let lastSubmission = origin;
    for (let index = 0; index < this.request.requests; index++) {
      if (index > 0 && index % this.request.checkpointEvery === 0) {
        const pauseStarted = performance.now();
        await this.checkpoint((pauseStarted - origin - pausedMs) / 1000);
        pausedMs += performance.now() - pauseStarted;
      }
      const wait = origin + pausedMs + this.arrivalsMs[index]! - performance.now();
      if (wait > 0) await sleep(wait);
      this.submit(index);
      lastSubmission = performance.now();
    }
    const activeSeconds = (lastSubmission - origin - pausedMs) / 1000;
    await this.checkpoint(activeSeconds);
    this.runtime.removeEventListener('outcome', listener as EventListener);

    for (let index = 0; index < this.counts.submitted; index++) if (this.outcomesSeen[index] === 0) this.counts.missingOutcomes++;
    this.counts.missingOutcomes -= this.counts.rejected;
    return {
      provider: this.request.provider,
      providerNote: this.runtime.ready.providerNote,
      requests: this.request.requests,
      ratePerSecond: this.request.ratePerSecond,
      achievedRatePerSecond: activeSeconds > 0 ? this.counts.submitted / activeSeconds : 0,
      checkpoints: this.checkpoints,
      counts: this.counts,
      responseMs: Array.from(this.responseMs).filter((value) => !Number.isNaN(value)),
      deadlineMs: Object.fromEntries(this.applications.map((application, index) => [application.id, this.deadlineMs[index]!])),
      startupLoadMs: Object.fromEntries(this.runtime.ready.profiles.map((profile) => [profile.variantId, profile.loadMs])),
    };
  }

  private submit(index: number): void {
    const application = this.applicationIndex[index]!;
    const input = this.testSets[application]!.record(this.recordIndex[index]!);
    this.counts.submitted++;
    this.outstanding++;
    this.runtime
      .submit({ id: `s${index}`, application: this.applications[application]!.id, input, deadlineMs: this.deadlineMs[application]! })
      .catch(() => {
        // A rejected submission has no outcome; it is counted, and the run goes on.
        this.counts.rejected++;
        this.settleOne();
      });
  }

  private count(event: OutcomeEvent): void {
    const outcome = event.outcome;
    const index = outcome.requestId.startsWith('s') ? Number(outcome.requestId.slice(1)) : Number.NaN;
    if (!Number.isInteger(index) || index < 0 || index >= this.counts.submitted) {
      this.counts.unknownOutcomes++;
      return;
    }
    if (this.outcomesSeen[index]! > 0) {
      this.counts.duplicateOutcomes++;
      return;
    }
    this.outcomesSeen[index] = 1;

    if (outcome.status === 'completed') {
      this.counts.completed++;
      if (outcome.deadlineMet) this.counts.deadlineMet++;
      this.responseMs[index] = outcome.finishedAt - outcome.arrival;
    } else {
      this.counts.dropped[outcome.reason] = (this.counts.dropped[outcome.reason] ?? 0) + 1;
    }
    this.settleOne();
  }

  private settleOne(): void {
    this.outstanding--;
    if (this.outstanding === 0) this.onDrained?.();
  }

  /** Waits until every accepted request has its outcome, then records heaps and counters. */
  private async checkpoint(elapsedSeconds: number): Promise<void> {
    if (this.outstanding > 0) await new Promise<void>((resolve) => (this.onDrained = resolve));
    this.onDrained = undefined;

    const probe = window[HEAP_PROBE_FUNCTION];
    const heap: ThreadHeap[] = probe === undefined ? [] : await probe();
    const memoryBytes = await measureMemory(heap);
    const stats: RuntimeStats = await this.runtime.stats();
    this.checkpoints.push({ submitted: this.counts.submitted, elapsedSeconds, heap, memoryBytes, stats });
  }
}

/** The part of `measureUserAgentSpecificMemory()`'s result read here; TypeScript's DOM library does not declare it. */
interface MemoryMeasurement {
  breakdown: { bytes: number; attribution: { url?: string; scope?: string }[] }[];
}

/**
 * Sums `measureUserAgentSpecificMemory()` per thread, naming each thread as `heap` does by its
 * URL. Returns an empty record where the API is missing (a page that is not cross-origin isolated).
 */
async function measureMemory(heap: readonly ThreadHeap[]): Promise<Record<string, number>> {
  const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<MemoryMeasurement> }).measureUserAgentSpecificMemory;
  if (measure === undefined || !globalThis.crossOriginIsolated) return {};

  const result = await measure.call(performance);
  const byThread: Record<string, number> = {};
  for (const entry of result.breakdown) {
    // Memory without attribution is shared between threads or belongs to none of them.
    const attribution = entry.attribution[0];
    const thread =
      attribution === undefined
        ? 'shared'
        : attribution.scope === 'Window'
          ? 'page'
          : (heap.find((known) => known.url === attribution.url)?.thread ?? attribution.url ?? 'unknown');
    byThread[thread] = (byThread[thread] ?? 0) + entry.bytes;
  }
  return byThread;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
