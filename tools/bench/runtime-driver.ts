/**
 * Drives the runtime benchmark page (`bench/runtime.html`) in a Chromium that Playwright launched:
 * one fresh page per scenario and provider, so no scenario inherits another's sessions or heap.
 * Reads every thread's heap through the DevTools protocol at each soak checkpoint.
 *
 * Used by `npm run bench:runtime` and its smoke test; a later benchmark can call the same
 * functions with its own options.
 */

import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test';

import type { Manifest } from '../../src/core/manifest.js';
import {
  HEAP_PROBE_FUNCTION,
  type OverheadResult,
  type PageEnvironment,
  type SoakResult,
  type SwapResult,
  type ThreadHeap,
} from '../../src/bench/results.js';
import { UsageError, type RuntimeBenchOptions } from './runtime-options.js';

/** Raw measurements of the page, per scenario and provider, before any statistics. */
export interface RuntimeBenchMeasurements {
  environment: PageEnvironment;
  overhead: OverheadResult[];
  soak: SoakResult[];
  swap: SwapResult[];
}

/** Variant ids of the overhead and swap scenarios and of the soak's runtime, resolved against the manifest. */
export interface VariantSelection {
  variants: string[];
  /** Undefined: the soak's runtime serves every variant. */
  soakVariants: string[] | undefined;
}

/** Applies the defaults of the variant options and rejects ids the manifest does not contain. */
export function selectVariants(manifest: Manifest, options: RuntimeBenchOptions): VariantSelection {
  const known = manifest.applications.flatMap((application) => application.variants.map((variant) => variant.id));
  for (const [option, ids] of [
    ['--variants', options.variants],
    ['--soak-variants', options.soakVariants],
  ] as const) {
    const unknown = ids?.find((id) => !known.includes(id));
    if (unknown !== undefined) throw new UsageError(`${option} contains "${unknown}", which the manifest does not contain. Known variants: ${known.join(', ')}.`);
  }

  const firstOfEach = manifest.applications.flatMap((application) => application.variants.slice(0, 1).map((variant) => variant.id));
  const variants = options.variants ?? (options.quick ? firstOfEach.slice(0, 1) : known);
  if (options.scenarios.includes('overhead')) {
    const entries = manifest.applications.flatMap((application) => application.variants).filter((entry) => variants.includes(entry.id));
    const smallest = entries.reduce((best, entry) => (entry.maxBatch < best.maxBatch ? entry : best));
    const tooLarge = options.batchSizes.find((size) => size > smallest.maxBatch);
    if (tooLarge !== undefined) {
      throw new UsageError(`--batch-sizes contains ${tooLarge}, above the maxBatch ${smallest.maxBatch} of "${smallest.id}". Give sizes up to ${smallest.maxBatch}, or leave that variant out.`);
    }
  }
  return { variants, soakVariants: options.soakVariants ?? (options.quick ? firstOfEach.slice(0, 1) : undefined) };
}

export async function measureRuntime(
  browser: Browser,
  baseUrl: string,
  options: RuntimeBenchOptions,
  selection: VariantSelection,
  log: (line: string) => void,
): Promise<RuntimeBenchMeasurements> {
  // Every page shares one context, so the HTTP cache (onnxruntime-web's 30 MB of WASM) and the
  // model store are shared too. Each scenario still gets a fresh page and fresh workers.
  const context = await browser.newContext();
  const session = await browser.newBrowserCDPSession();
  const heapProbe = new HeapProbe(session, new URL(baseUrl).origin);
  const storeName = `bench-runtime-${Date.now()}`;
  const measurements: RuntimeBenchMeasurements = {
    environment: await withPage(context, baseUrl, log, undefined, (page) => page.evaluate(() => window.sneakpeekRuntimeBench!.environment())),
    overhead: [],
    soak: [],
    swap: [],
  };

  try {
    for (const provider of options.providers) {
      if (options.scenarios.includes('overhead')) {
        for (const variantId of selection.variants) {
          log(`overhead ${provider} ${variantId}: ${options.batches} batches of ${options.batchSizes.join(' and ')} per path...`);
          const request = { provider, variantId, batchSizes: options.batchSizes, batches: options.batches, warmup: options.warmup, storeName };
          measurements.overhead.push(
            await withPage(context, baseUrl, log, undefined, (page) => page.evaluate((request) => window.sneakpeekRuntimeBench!.overhead(request), request)),
          );
        }
      }

      if (options.scenarios.includes('swap')) {
        log(`swap ${provider}: ${selection.variants.length} variants, ${options.swapRepetitions} evict-and-reload cycles each...`);
        const request = { provider, variantIds: selection.variants, repetitions: options.swapRepetitions };
        measurements.swap.push(await withPage(context, baseUrl, log, undefined, (page) => page.evaluate((request) => window.sneakpeekRuntimeBench!.swaps(request), request)));
      }

      if (options.scenarios.includes('soak')) {
        log(`soak ${provider}: ${options.soakRequests} requests at ${options.soakRate} per second...`);
        const request = {
          provider,
          requests: options.soakRequests,
          ratePerSecond: options.soakRate,
          checkpointEvery: options.soakCheckpoint,
          memoryBudgetBytes: options.soakBudgetBytes,
          deadlineMs: options.soakDeadlineMs,
          variants: selection.soakVariants,
          seed: options.seed,
          storeName,
        };
        const probe = async (): Promise<ThreadHeap[]> => {
          const heap = await heapProbe.measure();
          log(`soak ${provider}: ${heap.map((thread) => `${thread.thread} ${(thread.usedBytes / 2 ** 20).toFixed(2)} MiB`).join(', ')}`);
          return heap;
        };
        measurements.soak.push(await withPage(context, baseUrl, log, probe, (page) => page.evaluate((request) => window.sneakpeekRuntimeBench!.soak(request), request)));
      }
    }
  } finally {
    await session.detach();
    await context.close();
  }
  return measurements;
}

/** Opens the benchmark page, runs `body` on it and closes it, logging the page's errors. */
async function withPage<T>(
  context: BrowserContext,
  baseUrl: string,
  log: (line: string) => void,
  heapProbe: (() => Promise<ThreadHeap[]>) | undefined,
  body: (page: Page) => Promise<T>,
): Promise<T> {
  const page = await context.newPage();
  try {
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`page ${message.type()}: ${message.text()}`);
    });
    if (heapProbe !== undefined) await page.exposeFunction(HEAP_PROBE_FUNCTION, heapProbe);
    await page.goto(new URL('bench/runtime.html', baseUrl).href);
    await page.waitForFunction(() => window.sneakpeekRuntimeBench !== undefined, undefined, { timeout: 60_000 });
    return await body(page);
  } finally {
    await page.close();
  }
}

/**
 * Reads the JS heap of the benchmark page and of every worker it started, through a browser-wide
 * DevTools session. Each target is attached in the non-flat mode, with messages wrapped in
 * `Target.sendMessageToTarget`, because Playwright's session objects cannot address a nested
 * worker such as the inference worker, which the scheduler worker starts.
 */
class HeapProbe {
  private nextId = 1;
  private readonly waiting = new Map<string, (message: { result?: unknown; error?: { message: string } }) => void>();

  constructor(
    private readonly session: CDPSession,
    private readonly origin: string,
  ) {
    session.on('Target.receivedMessageFromTarget', (event) => {
      const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const key = `${event.sessionId}:${message.id}`;
      this.waiting.get(key)?.(message);
      this.waiting.delete(key);
    });
  }

  /** Collects garbage in every page and worker of the origin, then reads each one's heap. */
  async measure(): Promise<ThreadHeap[]> {
    const { targetInfos } = await this.session.send('Target.getTargets');
    const targets = targetInfos.filter((target) => (target.type === 'page' || target.type === 'worker') && target.url.startsWith(this.origin));

    const heaps: ThreadHeap[] = [];
    for (const target of targets) {
      const { sessionId } = await this.session.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
      try {
        await this.call(sessionId, 'HeapProfiler.collectGarbage');
        const usage = (await this.call(sessionId, 'Runtime.getHeapUsage')) as {
          usedSize: number;
          totalSize: number;
          backingStorageSize?: number;
        };
        const name = (await this.call(sessionId, 'Runtime.evaluate', {
          expression: "typeof window === 'undefined' ? self.name : 'page'",
          returnByValue: true,
        })) as { result: { value?: string } };
        heaps.push({
          thread: name.result.value || target.url,
          url: target.url,
          usedBytes: usage.usedSize,
          totalBytes: usage.totalSize,
          backingStorageBytes: usage.backingStorageSize ?? 0,
        });
      } finally {
        await this.session.send('Target.detachFromTarget', { sessionId });
      }
    }
    return heaps;
  }

  private call(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.waiting.set(`${sessionId}:${id}`, (message) => {
        if (message.error !== undefined) reject(new Error(`DevTools ${method} failed in session ${sessionId}: ${message.error.message}`));
        else resolve(message.result);
      });
    });
    return this.session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).then(() => reply);
  }
}
