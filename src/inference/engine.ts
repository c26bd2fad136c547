/**
 * onnxruntime-web sessions of the served variants, on WebGPU when a usable adapter exists and on
 * WASM otherwise.
 *
 * - The provider is chosen once, at `init()`, and reported with the reason for the choice.
 * - At most one `run()` is in flight per session: calls queue on the session's own chain.
 * - If the first WebGPU session cannot be created, the engine falls back to WASM for that and every
 *   later session, and records why in the provider note.
 */
import * as ort from 'onnxruntime-web';
import type {
  InferenceApi,
  LoadModelMessage,
  ProviderInfo,
  ProviderPreference,
  RunResult,
} from '../protocol/messages.js';
import { Provider } from '../protocol/messages.js';

/** The part of the WebGPU API the engine reads; TypeScript's DOM library does not declare it. */
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<{ info?: GpuAdapterInfoLike; isFallbackAdapter?: boolean } | null>;
}

interface LoadedSession {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  recordShape: number[];
  recordSize: number;
  /** Tail of the chain that serialises `run()` calls on this session. */
  tail: Promise<unknown>;
}

export class InferenceEngine implements InferenceApi {
  private provider: Provider = Provider.Wasm;
  private providerNote = 'not initialised';
  private readonly sessions = new Map<string, LoadedSession>();

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

    const loaded: LoadedSession = {
      session,
      inputName: message.inputName,
      outputName: message.outputName,
      recordShape: message.recordShape,
      recordSize: message.recordShape.reduce((product, size) => product * size, 1),
      tail: Promise.resolve(),
    };
    this.sessions.set(message.modelId, loaded);

    for (const batchSize of message.warmupBatchSizes) {
      await this.run(message.modelId, new Float32Array(batchSize * loaded.recordSize), batchSize);
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

    const result = loaded.tail.catch(() => undefined).then(() => this.runNow(modelId, loaded, input, batchSize));
    loaded.tail = result;
    return result;
  }

  resident(): string[] {
    return [...this.sessions.keys()];
  }

  providerInfo(): ProviderInfo {
    return { provider: this.provider, note: this.providerNote };
  }

  private async runNow(modelId: string, loaded: LoadedSession, input: Float32Array, batchSize: number): Promise<RunResult> {
    const tensor = new ort.Tensor('float32', input, [batchSize, ...loaded.recordShape]);
    const started = performance.now();
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await loaded.session.run({ [loaded.inputName]: tensor });
    } catch (error) {
      throw wrapOrtError(error, modelId, this.provider, `run of a batch of ${batchSize}`);
    } finally {
      tensor.dispose();
    }
    const runMs = performance.now() - started;

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
  return { provider: Provider.WebGpu, note };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function wrapOrtError(error: unknown, modelId: string, provider: Provider, step: string): Error {
  return new Error(`onnxruntime-web failed in ${step} of "${modelId}" on ${provider}: ${describe(error)}`, { cause: error });
}
