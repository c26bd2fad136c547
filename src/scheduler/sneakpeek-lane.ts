/**
 * The SneakPeek model of one application on onnxruntime-web's WASM backend, inside the scheduler
 * worker, so estimation never waits for the GPU queue.
 *
 * - At most one `run()` is in flight; inputs that arrive meanwhile form the next batch.
 * - Every submitted input gets exactly one callback: its posterior, or the error of its batch.
 */
import * as ort from 'onnxruntime-web/wasm';
import { softmax } from '../core/estimators.js';

export interface SneakPeekJob {
  input: Float32Array;
  resolve: (posterior: number[]) => void;
  reject: (error: Error) => void;
}

export interface SneakPeekSpec {
  modelId: string;
  inputName: string;
  outputName: string;
  outputKind: 'logits' | 'probabilities';
  temperature: number;
  recordShape: number[];
  /** Largest batch run at once; later inputs wait for the next batch. */
  maxBatch: number;
}

export class SneakPeekLane {
  private pending: SneakPeekJob[] = [];
  private running = false;
  private readonly recordSize: number;

  private constructor(
    private readonly spec: SneakPeekSpec,
    private readonly session: ort.InferenceSession,
  ) {
    this.recordSize = spec.recordShape.reduce((product, size) => product * size, 1);
  }

  static async create(spec: SneakPeekSpec, bytes: ArrayBuffer): Promise<SneakPeekLane> {
    try {
      const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
      return new SneakPeekLane(spec, session);
    } catch (error) {
      throw new Error(
        `onnxruntime-web failed in session creation of SneakPeek model "${spec.modelId}" on wasm: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Resolves with the calibrated class posterior of one record. */
  posterior(input: Float32Array): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      // Start at the end of the task, so inputs submitted together run as one batch.
      if (this.pending.length === 1) queueMicrotask(() => void this.drain());
    });
  }

  /** Times `runs` runs of zero inputs at each batch size; returns the samples in milliseconds by size. */
  async measure(batchSizes: readonly number[], runs: number): Promise<Record<string, number[]>> {
    const samples: Record<string, number[]> = {};
    for (const batchSize of batchSizes) {
      const input = new Float32Array(this.recordSize);
      const times: number[] = [];
      // One untimed round first: the first run of a shape allocates its buffers.
      for (let run = 0; run <= runs; run++) {
        const started = performance.now();
        await Promise.all(Array.from({ length: batchSize }, () => this.posterior(input)));
        if (run > 0) times.push(performance.now() - started);
      }
      samples[String(batchSize)] = times;
    }
    return samples;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.pending.length > 0) {
      const jobs = this.pending.splice(0, this.spec.maxBatch);
      await this.runBatch(jobs);
    }
    this.running = false;
  }

  private async runBatch(jobs: SneakPeekJob[]): Promise<void> {
    const data = new Float32Array(jobs.length * this.recordSize);
    jobs.forEach((job, index) => data.set(job.input, index * this.recordSize));
    const tensor = new ort.Tensor('float32', data, [jobs.length, ...this.spec.recordShape]);

    try {
      const outputs = await this.session.run({ [this.spec.inputName]: tensor });
      const output = outputs[this.spec.outputName];
      if (output === undefined) throw new RangeError(`SneakPeek model "${this.spec.modelId}" has no output "${this.spec.outputName}"`);
      const scores = output.data as Float32Array;
      const classCount = scores.length / jobs.length;
      if (!Number.isInteger(classCount)) {
        throw new RangeError(`SneakPeek model "${this.spec.modelId}" returned ${scores.length} values for ${jobs.length} records`);
      }
      jobs.forEach((job, index) => job.resolve(this.calibrate(scores.subarray(index * classCount, (index + 1) * classCount))));
      for (const value of Object.values(outputs)) value.dispose();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const job of jobs) job.reject(failure);
    } finally {
      tensor.dispose();
    }
  }

  /** Temperature-scaled softmax of logits; probabilities are renormalised only. */
  private calibrate(scores: Float32Array): number[] {
    const values = Array.from(scores);
    if (this.spec.outputKind === 'logits') return softmax(values, this.spec.temperature);
    const total = values.reduce((sum, value) => sum + value, 0);
    return values.map((value) => value / total);
  }
}
