/**
 * The scheduler worker's side of the inference worker: starts it, watches it, and replaces it
 * after it crashes, hangs or loses its WebGPU device.
 *
 * - Every call goes through `call()`, which rejects with an `InferenceWorkerLostError` when the
 *   worker raises an uncaught error, or when the call does not settle within its watchdog time.
 *   A worker terminated by the browser (or by `terminateSilently()`) fires no event at all, so the
 *   watchdog is what detects it.
 * - A lost worker is terminated and never called again, so a late reply from it cannot be taken
 *   for the response to a later call.
 * - `onLost` hears of a worker lost between calls (an uncaught error while idle), so the
 *   scheduler can replace it before the next batch.
 */
import * as Comlink from 'comlink';
import type { InferenceApi, ProviderInfo, ProviderPreference } from '../protocol/messages.js';

/** Name of the error of a call whose inference worker crashed or stopped responding. */
export const WORKER_LOST_ERROR = 'InferenceWorkerLostError';

export class InferenceWorkerLostError extends Error {
  override readonly name = WORKER_LOST_ERROR;
}

/** One inference worker and the reason it was lost, once it is. */
interface WorkerGeneration {
  readonly id: number;
  readonly worker: Worker;
  readonly remote: Comlink.Remote<InferenceApi>;
  /**
   * Rejecters of the calls still pending, so they settle as soon as the worker is lost. A set, not
   * a race against one long-lived promise: each race would leave a reaction on that promise until
   * the worker is lost, about 120 bytes per call that are never freed.
   */
  readonly pending: Set<(error: InferenceWorkerLostError) => void>;
  lost?: InferenceWorkerLostError;
}

export class InferenceHost {
  private current: WorkerGeneration | undefined;
  private started = 0;

  /**
   * @param onLost Called once when the current worker is lost outside `call()`'s watchdog, for
   *   example by an uncaught error while no call is pending.
   */
  constructor(private readonly onLost: (error: InferenceWorkerLostError) => void) {}

  /** Inference workers started so far, the current one included. */
  get workersStarted(): number {
    return this.started;
  }

  /** Terminates any current worker, starts a new one and initialises it on `preference`. */
  async start(preference: ProviderPreference, ortWasmBase: string | undefined, timeoutMs: number): Promise<ProviderInfo> {
    this.stop();
    const id = ++this.started;
    const worker = new Worker(new URL('../inference/worker.ts', import.meta.url), { type: 'module', name: `inference-${id}` });
    const generation: WorkerGeneration = { id, worker, remote: Comlink.wrap<InferenceApi>(worker), pending: new Set() };
    this.current = generation;

    worker.addEventListener('error', (event) => {
      // Handled here: left alone, the error would also be reported in the scheduler worker's scope.
      event.preventDefault();
      const where = event.filename ? ` at ${event.filename}:${event.lineno}` : '';
      this.lose(generation, new InferenceWorkerLostError(`Inference worker ${id} raised an uncaught error${where}: ${event.message || 'no message'}`), true);
    });
    worker.addEventListener('messageerror', () => {
      this.lose(generation, new InferenceWorkerLostError(`Inference worker ${id} sent a message that could not be deserialised`), true);
    });

    return this.call('init', timeoutMs, (api) => api.init(preference, ortWasmBase));
  }

  /**
   * Calls the current worker through `invoke`; rejects with an `InferenceWorkerLostError` when the
   * worker is or becomes lost, or when the call takes longer than `timeoutMs`.
   */
  call<T>(step: string, timeoutMs: number, invoke: (api: Comlink.Remote<InferenceApi>) => Promise<T>): Promise<T> {
    const generation = this.current;
    if (generation === undefined) return Promise.reject(new Error(`No inference worker is running for ${step}; start() must come first.`));
    if (generation.lost !== undefined) return Promise.reject(generation.lost);

    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new InferenceWorkerLostError(
          `Inference worker ${generation.id} did not answer ${step} within ${Math.round(timeoutMs)} ms, so it is treated as hung and replaced.`,
        );
        this.lose(generation, error, false);
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        generation.pending.delete(rejectOnLoss);
      };
      const rejectOnLoss = (error: InferenceWorkerLostError): void => {
        settle();
        reject(error);
      };
      generation.pending.add(rejectOnLoss);
      invoke(generation.remote).then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /**
   * Returns the calls of `InferenceApi` with a watchdog of `timeoutMs` each, for code written
   * against the Comlink remote (start-up profiling).
   */
  guarded(timeoutMs: number): Comlink.Remote<InferenceApi> {
    const calls = {
      init: (preference: ProviderPreference, ortWasmBase: string | undefined) =>
        this.call('init', timeoutMs, (api) => api.init(preference, ortWasmBase)),
      load: (...args: Parameters<InferenceApi['load']>) => this.call(`load of "${args[0].modelId}"`, timeoutMs, (api) => api.load(...args)),
      evict: (modelId: string) => this.call(`evict of "${modelId}"`, timeoutMs, (api) => api.evict(modelId)),
      run: (...args: Parameters<InferenceApi['run']>) => this.call(`run of "${args[0]}"`, timeoutMs, (api) => api.run(...args)),
      resident: () => this.call('resident', timeoutMs, (api) => api.resident()),
      injectFault: (...args: Parameters<InferenceApi['injectFault']>) => this.call('injectFault', timeoutMs, (api) => api.injectFault(...args)),
    };
    // The scheduler calls only these methods; the Comlink symbols of a remote are never used on it.
    return calls as unknown as Comlink.Remote<InferenceApi>;
  }

  /**
   * Fault-injection hook for tests: terminates the current worker as the browser would, without
   * marking it lost, so that only the watchdog can find out.
   */
  terminateSilently(): void {
    this.current?.worker.terminate();
  }

  /** Terminates the current worker, if any; pending calls reject. */
  stop(): void {
    const generation = this.current;
    if (generation === undefined) return;
    this.current = undefined;
    this.lose(generation, new InferenceWorkerLostError(`Inference worker ${generation.id} was stopped`), false);
  }

  private lose(generation: WorkerGeneration, error: InferenceWorkerLostError, notify: boolean): void {
    if (generation.lost !== undefined) return;
    generation.lost = error;
    generation.worker.terminate();
    for (const rejectOnLoss of [...generation.pending]) rejectOnLoss(error);
    if (notify && generation === this.current) this.onLost(error);
  }
}
