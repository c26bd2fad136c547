/**
 * `<sneakpeek-runtime>` on the app's page, with real models on onnxruntime-web's WASM backend:
 * start-up with progress bars, typed events, requests through `submit()`, clear errors for
 * invalid attributes, restarts on attribute changes and disposal on removal.
 */
import { expect, test, type Page } from '@playwright/test';
import type { Manifest } from '../../src/core/manifest.js';
import { fetchModelsJson } from './helpers.js';

/**
 * Opens the app's page, where the element is registered, and removes the kiosk, whose own
 * element then disposes its runtime. Returns the page's uncaught errors, collected until the
 * test ends.
 */
async function openElementPage(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('./?provider=wasm');
  await page.waitForFunction(() => customElements.get('sneakpeek-runtime') !== undefined);
  await page.evaluate(() => document.querySelectorAll('sneakpeek-kiosk, sneakpeek-runtime').forEach((element) => element.remove()));
  return errors;
}

test('element starts and serves requests', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const applications = manifest.applications.map((application) => ({
    id: application.id,
    classes: application.classes,
    inputsFile: application.testSet!.inputsFile,
    recordBytes: application.testSet!.recordBytes,
    elements: application.input.shape.slice(1).reduce((product, size) => product * size, 1),
  }));

  const result = await page.evaluate(async (applications) => {
    const element = document.createElement('sneakpeek-runtime');
    element.setAttribute('provider', 'wasm');
    element.setAttribute('memory-budget', '64MiB');
    element.toggleAttribute('headless', true);
    element.options = { profileRuns: 1, storeName: `element-${Date.now()}` };

    // Events seen on the document prove that they bubble out of the element.
    const seen: Record<string, number> = {};
    const bars = new Set<string>();
    const shapes: string[] = [];
    for (const type of ['ready', 'progress', 'outcome', 'schedule', 'fault']) {
      document.addEventListener(type, (event) => {
        if (event.target !== element) return;
        seen[type] = (seen[type] ?? 0) + 1;
        if (!event.bubbles || !event.composed) shapes.push(`${type} bubbles=${event.bubbles} composed=${event.composed}`);
      });
    }
    element.addEventListener('progress', (event) => {
      if (!('progress' in event) || typeof event.progress.stage !== 'string') shapes.push('progress without a StartupProgress');
      // Bars render on the next update; read their accessible names then.
      void element.updateComplete.then(() => {
        for (const bar of element.shadowRoot!.querySelectorAll('progress')) bars.add(bar.closest('label')?.textContent?.replace(/\s+/g, ' ').trim() ?? 'no label');
      });
    });
    element.addEventListener('outcome', (event) => {
      if (typeof event.outcome.status !== 'string') shapes.push('outcome without an Outcome');
    });
    element.addEventListener('schedule', (event) => {
      if (typeof event.update.kind !== 'string') shapes.push('schedule without a ScheduleUpdate');
    });
    const readyEvent = new Promise<Event>((resolve) => element.addEventListener('ready', resolve, { once: true }));

    document.body.append(element);
    const runtime = await element.ready;
    const ready = (await readyEvent) as Event & { runtime: unknown };

    // Two records of each application, submitted together.
    const submissions: Promise<{ application: string; status: string; label?: string }>[] = [];
    for (const application of applications) {
      const bytes = new Uint8Array(await (await fetch(new URL(`models/${application.inputsFile}`, document.baseURI))).arrayBuffer());
      for (let index = 0; index < 2; index++) {
        const record = bytes.slice(index * application.recordBytes, (index + 1) * application.recordBytes);
        const input = application.recordBytes === 4 * application.elements ? new Float32Array(record.buffer) : record;
        submissions.push(
          element.submit({ application: application.id, input, deadlineMs: 120_000 }).then((outcome) => ({
            application: outcome.application,
            status: outcome.status,
            ...(outcome.status === 'completed' ? { label: outcome.label } : {}),
          })),
        );
      }
    }
    const outcomes = await Promise.all(submissions);
    const stats = await element.stats();
    return {
      state: element.state,
      sameRuntime: ready.runtime === runtime && element.runtime === runtime,
      provider: runtime.ready.provider,
      outcomes,
      completed: stats.completed,
      batches: stats.batches,
      seen,
      shapes,
      bars: [...bars],
    };
  }, applications);

  expect(result.state).toBe('ready');
  expect(result.sameRuntime, 'ready event, ready promise and runtime property agree').toBe(true);
  expect(result.provider).toBe('wasm');
  expect(result.shapes).toEqual([]);
  expect(result.seen.ready).toBe(1);
  expect(result.seen.progress).toBeGreaterThan(0);
  expect(result.seen.outcome, 'one outcome event per request').toBe(applications.length * 2);
  expect(result.seen.schedule, 'schedule events, at least one batch').toBeGreaterThanOrEqual(result.batches);
  expect(result.completed).toBe(applications.length * 2);
  for (const outcome of result.outcomes) {
    expect(outcome.status, `outcome of a ${outcome.application} request`).toBe('completed');
    const classes = applications.find((application) => application.id === outcome.application)!.classes;
    expect(classes).toContain(outcome.label);
  }
  expect(result.bars.some((label) => /^Download(ing|ed) /.test(label)), `bars: ${result.bars.join(' | ')}`).toBe(true);
  expect(result.bars.some((label) => label.startsWith('Profiling ')), `bars: ${result.bars.join(' | ')}`).toBe(true);
  expect(pageErrors).toEqual([]);
});

/** Invalid attribute values, each with a fragment its error message must contain. */
const INVALID_ATTRIBUTES = [
  { attribute: 'memory-budget', value: 'lots', fix: '64MiB' },
  { attribute: 'memory-budget', value: '-5', fix: 'positive number of bytes' },
  { attribute: 'memory-budget', value: '12 parsecs', fix: '1.5GiB' },
  { attribute: 'provider', value: 'gpu', fix: '"webgpu"' },
  { attribute: 'policy', value: 'oracle', fix: '"sneakpeek"' },
  { attribute: 'swap-margin', value: 'wide', fix: 'a number ≥ 0' },
  { attribute: 'max-queue-delay', value: '-1', fix: 'milliseconds' },
  { attribute: 'ort-base', value: '', fix: 'URL' },
  { attribute: 'autostart', value: 'maybe', fix: '"off"' },
] as const;

test('invalid attributes are reported', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  for (const { attribute, value, fix } of INVALID_ATTRIBUTES) {
    const report = await page.evaluate(
      async ({ attribute, value }) => {
        const element = document.createElement('sneakpeek-runtime');
        element.setAttribute('provider', 'wasm');
        element.toggleAttribute('headless', true);
        element.setAttribute(attribute, value);
        const errorEvent = new Promise<ErrorEvent & { attribute?: string }>((resolve) => element.addEventListener('error', resolve, { once: true }));
        document.body.append(element);
        const event = await errorEvent;
        const rejection = await element.ready.then(
          () => 'resolved',
          (error: Error) => error.message,
        );
        await element.updateComplete;
        const alertText = element.shadowRoot!.querySelector('[role="alert"]')?.textContent ?? '';
        const state = element.state;
        element.remove();
        return { attribute: event.attribute, message: event.message, bubbles: event.bubbles, rejection, alertText, state };
      },
      { attribute, value },
    );

    const label = `${attribute}="${value}"`;
    expect(report.attribute, label).toBe(attribute);
    expect(report.message, label).toContain(`${attribute}="${value}"`);
    expect(report.message, label).toContain(fix);
    expect(report.rejection, label).toBe(report.message);
    expect(report.alertText, label).toContain(report.message);
    expect(report.state, label).toBe('failed');
    expect(report.bubbles, label).toBe(false);
  }
  expect(pageErrors).toEqual([]);
});

test('failed start is reported', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  const report = await page.evaluate(async () => {
    const element = document.createElement('sneakpeek-runtime');
    element.setAttribute('provider', 'wasm');
    element.setAttribute('manifest', 'models/missing/manifest.json');
    element.toggleAttribute('headless', true);
    const errorEvent = new Promise<ErrorEvent & { attribute?: string }>((resolve) => element.addEventListener('error', resolve, { once: true }));
    document.body.append(element);
    const event = await errorEvent;
    await element.updateComplete;
    const alertText = element.shadowRoot!.querySelector('[role="alert"]')?.textContent ?? '';
    const submitted = await element.submit({ application: 'product', input: new Uint8Array(784) }).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    const state = element.state;
    element.remove();
    return { attribute: event.attribute, message: event.message, alertText, submitted, state };
  });

  expect(report.attribute).toBeUndefined();
  expect(report.message).toContain('models/missing/manifest.json');
  expect(report.alertText).toContain(report.message);
  expect(report.submitted).toContain('its start failed');
  expect(report.state).toBe('failed');
  expect(pageErrors).toEqual([]);
});

test('attribute change restarts the runtime', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  const result = await page.evaluate(async () => {
    const element = document.createElement('sneakpeek-runtime');
    element.setAttribute('provider', 'wasm');
    element.setAttribute('memory-budget', '64MiB');
    element.toggleAttribute('headless', true);
    element.options = { profileRuns: 1, storeName: `element-restart-${Date.now()}` };
    let readyEvents = 0;
    element.addEventListener('ready', () => readyEvents++);
    document.body.append(element);
    const first = await element.ready;

    element.setAttribute('memory-budget', '48MiB');
    // The first start settled, so the restart brings a new `ready` promise once it has begun.
    await element.updateComplete;
    const second = await element.ready;
    const oldStats = await first.stats().then(
      () => 'answered',
      (error: Error) => error.message,
    );
    const stats = await element.stats();
    element.remove();
    return { distinct: first !== second, oldStats, budget: stats.memoryBudgetBytes, readyEvents };
  });

  expect(result.distinct).toBe(true);
  expect(result.oldStats).toContain('disposed');
  expect(result.budget).toBe(48 * 2 ** 20);
  expect(result.readyEvents).toBe(2);
  expect(pageErrors).toEqual([]);
});

test('removal disposes the runtime', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  const manifest = await fetchModelsJson<Manifest>(page, 'manifest.json');
  const inputsFile = manifest.applications.find((application) => application.id === 'product')!.testSet!.inputsFile;
  const result = await page.evaluate(async (inputsFile) => {
    const element = document.createElement('sneakpeek-runtime');
    element.setAttribute('provider', 'wasm');
    element.toggleAttribute('headless', true);
    element.options = { profileRuns: 1, storeName: `element-removal-${Date.now()}` };
    document.body.append(element);
    const runtime = await element.ready;

    // Requests still open at removal must each end in one outcome, completed or dropped.
    const bytes = new Uint8Array(await (await fetch(new URL(`models/${inputsFile}`, document.baseURI))).arrayBuffer());
    const submissions = Array.from({ length: 40 }, (_, index) =>
      element.submit({ application: 'product', input: bytes.slice(index * 784, (index + 1) * 784), deadlineMs: 120_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    element.remove();
    const outcomes = await Promise.all(submissions);
    // Disposal starts in a microtask after removal; stats() rejects once it has begun.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const stats = await runtime.stats().then(
      () => 'answered',
      (error: Error) => error.message,
    );
    const submitAfter = await element.submit({ application: 'product', input: bytes.slice(0, 784) }).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    return {
      statuses: outcomes.map((outcome) => (outcome.status === 'completed' ? 'completed' : outcome.reason)),
      stats,
      submitAfter,
      runtimeAfter: element.runtime === undefined,
      state: element.state,
    };
  }, inputsFile);

  expect(result.statuses).toHaveLength(40);
  for (const status of result.statuses) expect(['completed', 'runtime-disposed']).toContain(status);
  expect(result.stats).toContain('disposed');
  expect(result.submitAfter).toContain('not started');
  expect(result.runtimeAfter).toBe(true);
  expect(result.state).toBe('idle');
  expect(pageErrors).toEqual([]);
});

test('element shows the views', async ({ page }) => {
  const pageErrors = await openElementPage(page);
  const result = await page.evaluate(async () => {
    const element = document.createElement('sneakpeek-runtime');
    element.setAttribute('provider', 'wasm');
    element.options = { profileRuns: 1, storeName: `element-views-${Date.now()}` };
    document.body.append(element);
    const runtime = await element.ready;
    await element.updateComplete;

    const views = ['sneakpeek-request-view', 'sneakpeek-schedule-view'].map((name) => {
      const view = element.shadowRoot!.querySelector(name) as (HTMLElement & { runtime?: unknown; updateComplete?: Promise<unknown> }) | null;
      return { name, registered: customElements.get(name) !== undefined, present: view !== null, bound: view?.runtime === runtime, view };
    });
    await Promise.all(views.map(({ view }) => view?.updateComplete));
    const rendered = views.map(({ view }) => (view?.shadowRoot?.textContent ?? '').trim().length > 0);

    // A headless element leaves the views out.
    element.toggleAttribute('headless', true);
    await element.updateComplete;
    const headlessViews = element.shadowRoot!.querySelectorAll('sneakpeek-request-view, sneakpeek-schedule-view').length;
    element.remove();
    return { views: views.map(({ name, registered, present, bound }) => ({ name, registered, present, bound })), rendered, headlessViews };
  });

  for (const [index, view] of result.views.entries()) {
    expect(view.registered, `${view.name} is defined`).toBe(true);
    expect(view.present, `${view.name} is inside the element`).toBe(true);
    expect(view.bound, `${view.name} has the element's runtime`).toBe(true);
    expect(result.rendered[index], `${view.name} rendered content`).toBe(true);
  }
  expect(result.headlessViews).toBe(0);
  expect(pageErrors).toEqual([]);
});
