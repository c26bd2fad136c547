/**
 * Entry point of the runtime benchmark page (`bench/runtime.html`): publishes the measurements as
 * `window.sneakpeekRuntimeBench` for `npm run bench:runtime` to call through Playwright.
 */
import * as ort from 'onnxruntime-web';
import { measureOverhead } from './overhead.js';
import type { AdapterInfo, PageEnvironment, RuntimeBenchApi } from './results.js';
import { runSoak } from './soak.js';
import { measureSwaps } from './swap.js';

/** The part of the WebGPU API read here; TypeScript's DOM library does not declare it. */
interface GpuLike {
  requestAdapter(): Promise<{ info?: Partial<AdapterInfo>; isFallbackAdapter?: boolean } | null>;
}

async function environment(): Promise<PageEnvironment> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    adapter:
      adapter === null || adapter === undefined
        ? undefined
        : {
            vendor: adapter.info?.vendor ?? '',
            architecture: adapter.info?.architecture ?? '',
            isFallbackAdapter: adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
          },
    ortVersion: ort.env.versions.web ?? 'unknown',
  };
}

const api: RuntimeBenchApi = { environment, overhead: measureOverhead, soak: runSoak, swaps: measureSwaps };
window.sneakpeekRuntimeBench = api;
document.body.dataset['ready'] = 'true';
