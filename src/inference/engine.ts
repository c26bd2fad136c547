/**
 * onnxruntime-web sessions of the served variants, on WebGPU when a usable adapter exists and on
 * WASM otherwise.
 *
 * - The provider is chosen once, at `init()`, and reported with the reason for the choice.
 * - At most one `run()` is in flight in the whole worker, whatever the session: calls queue on one
 *   chain. onnxruntime-web 1.31.1's JSEP build keeps a single current-run state per WASM module
 *   and throws "Session already started" when a run enters while another one waits for the GPU.
 * - If the first WebGPU session cannot be created, the engine falls back to WASM for that and every
 *   later session, and records why in the provider note.
 * - Once the WebGPU device is lost, `load()` and `run()` reject with a `GpuDeviceLostError`, and so
 *   does a run in flight when it is lost, so no output computed on a lost device is returned.
 *   onnxruntime-web 1.31.1 (the JSEP build) never settles a run in flight when the device is lost:
 *   its read-back `mapAsync` rejects inside the suspended WASM call, and Chromium reports that as
 *   an uncaught error. It also keeps the lost device for the life of the worker and never
 *   requests another. So a run races `GPUDevice.lost`, and recovering means a new worker, which
 *   the scheduler starts.
 */
import * as ort from 'onnxruntime-web';
import type {
  FaultInjection,
  InferenceApi,
  LoadModelMessage,
  ProviderInfo,
  ProviderPreference,
  RunResult,
} from '../protocol/messages.js';
import { DEVICE_LOST_ERROR, InjectedFault, Provider } from '../protocol/messages.js';

/** The part of the WebGPU API the engine reads; TypeScript's DOM library does not declare it. */
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<{ info?: GpuAdapterInfoLike; isFallbackAdapter?: boolean } | null>;
}
interface GpuDeviceLike {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** How long a failed WebGPU run waits for `GPUDevice.lost` to settle before it is taken for an ordinary failure. */
const DEVICE_LOSS_GRACE_MS = 250;

interface LoadedSession {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  recordShape: number[];
  recordSize: number;
  /** The last run queued on this session, which `evict()` waits for. */
  tail: Promise<unknown>;
}

export class InferenceEngine implements InferenceApi {
  private provider: Provider = Provider.Wasm;
  private providerNote = 'not initialised';
  private readonly sessions = new Map<string, LoadedSession>();
  /** Tail of the chain that serialises every `run()` of the worker. */
  private runTail: Promise<unknown> = Promise.resolve();
  /** The GPUDevice onnxruntime-web created, once a WebGPU session exists. */
  private device: GpuDeviceLike | undefined;
  /** Reason and message of the device loss, once `device.lost` has resolved. */
  private deviceLoss: string | undefined;
  /**
   * Rejecters of the runs in flight on WebGPU, called when the device is lost. A set, not a race
   * against `device.lost`: each race would leave a reaction on that promise for the worker's life.
   */
  private readonly runsAwaitingLoss = new Set<(error: Error) => void>();
  /** A fault to inject during each of the next `remaining` runs (test hook). */
  private armedFault: { fault: InjectedFault; remaining: number } | undefined;

  async init(preference: ProviderPreference, ortWasmBase: string | undefined): Promise<ProviderInfo> {
    if (ortWasmBase !== undefined) ort.env.wasm.wasmPaths = ortWasmBase;
    ort.env.logLevel = 'error';

    const choice = await chooseProvider(preference);
    this.provider = choice.provider;
    this.providerNote = choice.note;
    return choice;
  }

  async load(message: LoadModelMessage): Promise<number> {
    if (this.sessions.has(message.modelId)) {
      throw new RangeError(
        `Model "${message.modelId}" is already loaded in the inference worker; evict it before loading it again.`,
      );
    }
    const started = performance.now();
    this.throwIfDeviceLost(message.modelId, 'session creation');

    let session: ort.InferenceSession;
    try {
      session = await this.createSession(message);
    } catch (error) {
      if (this.provider !== Provider.WebGpu) throw wrapOrtError(error, message.modelId, this.provider, 'session creation');
      // The adapter exists but this build or device cannot run the graph: fall back for good.
      this.providerNote = `WebGPU session creation failed for "${message.modelId}" (${describe(error)}); fell back to WASM`;
      this.provider = Provider.Wasm;
      session = await this.createSession(message).catch((retryError: unknown) => {
        throw wrapOrtError(retryError, message.modelId, Provider.Wasm, 'session creation');
      });
    }

    if (this.provider === Provider.WebGpu) await this.watchDevice();

    const loaded: LoadedSession = {
      session,
      inputName: message.inputName,
      outputName: message.outputName,
      recordShape: message.recordShape,
      recordSize: message.recordShape.reduce((product, size) => product * size, 1),
      tail: Promise.resolve(),
    };
    this.sessions.set(message.modelId, loaded);

    try {
      for (const batchSize of message.warmupBatchSizes) {
        await this.queueRun(message.modelId, new Float32Array(batchSize * loaded.recordSize), batchSize, false);
      }
    } catch (error) {
      // A session that failed its warm-up is not loaded: release it so a later load can retry.
      await this.evict(message.modelId).catch(() => undefined);
      throw error;
    }
    return performance.now() - started;
  }

  async evict(modelId: string): Promise<void> {
    const loaded = this.sessions.get(modelId);
    if (loaded === undefined) return;
    this.sessions.delete(modelId);

    // Let a run already queued on the session finish before its buffers go away.
    await loaded.tail.catch(() => undefined);
    await loaded.session.release();
  }

  run(modelId: string, input: Float32Array, batchSize: number): Promise<RunResult> {
    return this.queueRun(modelId, input, batchSize, true);
  }

  /** Queues a run on the session's chain; `scheduled` marks a batch of requests, not a warm-up run. */
  private queueRun(modelId: string, input: Float32Array, batchSize: number, scheduled: boolean): Promise<RunResult> {
    const loaded = this.sessions.get(modelId);
    if (loaded === undefined) {
      return Promise.reject(new RangeError(`Model "${modelId}" is not loaded in the inference worker; load it before running it.`));
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || input.length !== batchSize * loaded.recordSize) {
      return Promise.reject(
        new RangeError(
          `Batch for "${modelId}" contains ${input.length} values, expected batchSize ${batchSize} × ${loaded.recordSize}; send whole records.`,
        ),
      );
    }

    const result = this.runTail.catch(() => undefined).then(() => this.runNow(modelId, loaded, input, batchSize, scheduled));
    this.runTail = result;
    loaded.tail = result;
    return result;
  }

  resident(): string[] {
    return [...this.sessions.keys()];
  }

  providerInfo(): ProviderInfo {
    return { provider: this.provider, note: this.providerNote };
  }

  injectFault(injection: FaultInjection): void {
    const batches = injection.batches ?? 0;
    if (!Number.isInteger(batches) || batches < 0) {
      throw new RangeError(`Fault injection batches is ${String(batches)}; pass 0 to inject at once or a whole number of batches.`);
    }
    if (injection.fault === InjectedFault.DestroyDevice && this.provider !== Provider.WebGpu) {
      throw new RangeError(`Fault "${injection.fault}" needs the WebGPU provider, but this inference worker runs on ${this.provider}.`);
    }
    if (batches === 0) this.inject(injection.fault);
    else this.armedFault = { fault: injection.fault, remaining: batches };
  }

  private async runNow(modelId: string, loaded: LoadedSession, input: Float32Array, batchSize: number, scheduled: boolean): Promise<RunResult> {
    const step = `run of a batch of ${batchSize}`;
    this.throwIfDeviceLost(modelId, step);
    const tensor = new ort.Tensor('float32', input, [batchSize, ...loaded.recordShape]);
    const started = performance.now();
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      const running = loaded.session.run({ [loaded.inputName]: tensor });
      if (scheduled) this.injectArmedFault();
      outputs = await this.unlessDeviceLost(running);
    } catch (error) {
      if (await this.deviceLostWithin(DEVICE_LOSS_GRACE_MS)) throw deviceLostError(modelId, step, this.deviceLoss!, error);
      throw wrapOrtError(error, modelId, this.provider, step);
    } finally {
      tensor.dispose();
    }
    const runMs = performance.now() - started;
    // A run that returns after the device was lost may have read back buffers the loss cleared.
    if (this.deviceLoss !== undefined) {
      for (const value of Object.values(outputs)) value.dispose();
      throw deviceLostError(modelId, step, this.deviceLoss, undefined);
    }

    const output = outputs[loaded.outputName];
    if (output === undefined) {
      throw new RangeError(`Model "${modelId}" has no output "${loaded.outputName}"; check outputName in the manifest.`);
    }
    const data = new Float32Array((await output.getData()) as Float32Array);
    for (const value of Object.values(outputs)) value.dispose();

    const classCount = data.length / batchSize;
    if (!Number.isInteger(classCount)) {
      throw new RangeError(`Model "${modelId}" returned ${data.length} values for a batch of ${batchSize}; expected a whole row per record.`);
    }
    return { output: data, classCount, runMs };
  }

  /** Starts watching the GPUDevice onnxruntime-web created for its WebGPU backend. */
  private async watchDevice(): Promise<void> {
    // onnxruntime-web 1.31.1 (JSEP) stores the device as a plain value once its WebGPU backend is
    // initialised. The declared type is a promise, so `await` covers both.
    const device = (await (ort.env.webgpu.device as unknown)) as GpuDeviceLike | undefined;
    if (device === undefined || device === this.device) return;
    this.device = device;
    void device.lost.then((info) => {
      this.deviceLoss = `${info.reason ?? 'unknown'}: ${info.message || 'no message'}`;
      const error = new Error(`GPUDevice.lost resolved (${this.deviceLoss}) while the run was in flight`);
      for (const rejectOnLoss of [...this.runsAwaitingLoss]) rejectOnLoss(error);
    });
    // The abandoned run's read-back rejects inside onnxruntime-web, where nothing handles it. Once
    // the loss is reported through `run()`, that rejection is expected and needs no log line.
    globalThis.addEventListener?.('unhandledrejection', (event: PromiseRejectionEvent) => {
      const reason: unknown = event.reason;
      if (this.deviceLoss !== undefined && reason instanceof DOMException && /mapAsync/.test(reason.message)) event.preventDefault();
    });
  }

  private throwIfDeviceLost(modelId: string, step: string): void {
    if (this.deviceLoss !== undefined && this.provider === Provider.WebGpu) throw deviceLostError(modelId, step, this.deviceLoss, undefined);
  }

  /** Settles as `running` does, or rejects as soon as the WebGPU device is lost. */
  private unlessDeviceLost<T>(running: Promise<T>): Promise<T> {
    const device = this.device;
    if (device === undefined || this.provider !== Provider.WebGpu) return running;
    // The run is abandoned on loss; its own failure, if it ever comes, needs no handling.
    running.catch(() => undefined);
    if (this.deviceLoss !== undefined) {
      return Promise.reject(new Error(`GPUDevice.lost resolved (${this.deviceLoss}) before the run could finish`));
    }
    return new Promise<T>((resolve, reject) => {
      const rejectOnLoss = (error: Error): void => {
        this.runsAwaitingLoss.delete(rejectOnLoss);
        reject(error);
      };
      this.runsAwaitingLoss.add(rejectOnLoss);
      running.then(
        (value) => {
          this.runsAwaitingLoss.delete(rejectOnLoss);
          resolve(value);
        },
        (error: unknown) => {
          this.runsAwaitingLoss.delete(rejectOnLoss);
          reject(error);
        },
      );
    });
  }

  /** Resolves true when the device is or becomes lost within `graceMs`; false on WASM. */
  private async deviceLostWithin(graceMs: number): Promise<boolean> {
    if (this.device === undefined || this.provider !== Provider.WebGpu) return false;
    if (this.deviceLoss !== undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const lost = await Promise.race([
      this.device.lost.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    // `deviceLoss` is set by the handler watchDevice() attached first, before this race settles.
    return lost;
  }

  private injectArmedFault(): void {
    if (this.armedFault === undefined) return;
    const { fault } = this.armedFault;
    if (--this.armedFault.remaining === 0) this.armedFault = undefined;
    this.inject(fault);
  }

  private inject(fault: InjectedFault): void {
    switch (fault) {
      case InjectedFault.DestroyDevice:
        if (this.device === undefined) throw new RangeError('Fault "destroy-device" needs a WebGPU session to exist first; load a variant before injecting it.');
        this.device.destroy();
        return;
      case InjectedFault.ThrowInWorker:
        // Thrown from a timer, so it escapes every handler and reaches the worker's error event.
        setTimeout(() => {
          throw new Error('Injected fault: an uncaught error in the inference worker');
        });
        return;
      case InjectedFault.TerminateWorker:
        throw new RangeError('Fault "terminate-worker" is injected by the scheduler worker, which owns the inference worker.');
      default: {
        const unknown: never = fault;
        throw new RangeError(`Unknown fault ${JSON.stringify(unknown)}; pass one of ${Object.values(InjectedFault).join(', ')}.`);
      }
    }
  }

  private createSession(message: LoadModelMessage): Promise<ort.InferenceSession> {
    return ort.InferenceSession.create(new Uint8Array(message.bytes), {
      executionProviders: [this.provider],
      graphOptimizationLevel: 'all',
    });
  }
}

/** Picks WebGPU when the preference allows it and an adapter exists, with a note giving the reason. */
export async function chooseProvider(preference: ProviderPreference): Promise<ProviderInfo> {
  if (preference === Provider.Wasm) return { provider: Provider.Wasm, note: 'WASM requested by the provider preference' };

  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (gpu === undefined) {
    return { provider: Provider.Wasm, note: 'navigator.gpu is missing: this browser or context exposes no WebGPU' };
  }
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) {
    return {
      provider: Provider.Wasm,
      note: 'requestAdapter() returned no WebGPU adapter (headless Chromium needs --enable-unsafe-webgpu)',
    };
  }

  const info = adapter.info ?? {};
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const name = [info.vendor, info.architecture].filter((part) => part !== undefined && part !== '').join(' ') || 'unnamed';
  const note = `WebGPU adapter ${name}${fallback ? ' (fallback adapter: software rendering, not GPU speed)' : ''}`;
  const adapterFacts = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: fallback };
  return { provider: Provider.WebGpu, note, adapter: adapterFacts };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function deviceLostError(modelId: string, step: string, loss: string, cause: unknown): Error {
  const error = new Error(`The WebGPU device was lost (${loss}) in ${step} of "${modelId}"`, { cause });
  error.name = DEVICE_LOST_ERROR;
  return error;
}

function wrapOrtError(error: unknown, modelId: string, provider: Provider, step: string): Error {
  return new Error(`onnxruntime-web failed in ${step} of "${modelId}" on ${provider}: ${describe(error)}`, { cause: error });
}
