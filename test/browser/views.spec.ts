/**
 * The kiosk app's views against the runtime they show. A real workload of product test images runs
 * through the app on the WASM provider. The schedule view's lanes and counts must then equal
 * `runtime.stats()` and the outcomes the test collected, and the request view's figures must equal
 * the outcome of the request it submitted. Figures are read from the DOM.
 */
import { expect, test, type Page } from '@playwright/test';
import type { BatchUpdate, Outcome, RuntimeStats } from '../../src/protocol/messages.js';
import { IMAGE_SIDE, rgbaToGrey, toModelPixels } from '../../src/ui/image-input.js';
import { ScheduleRecord } from '../../src/ui/views/schedule-record.js';

declare global {
  interface Window {
    collectedOutcomes?: Outcome[];
  }
}

/** Opens the app on WASM and waits for its runtime; starts collecting every outcome. */
async function openKiosk(page: Page): Promise<void> {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  await page.goto('./?provider=wasm');
  await page.waitForFunction(() => window.sneakpeekKiosk?.state !== undefined && window.sneakpeekKiosk.state !== 'starting', undefined, {
    timeout: 3 * 60 * 1000,
    polling: 500,
  });
  expect(await page.evaluate(() => window.sneakpeekKiosk?.error)).toBeUndefined();
  await page.evaluate(() => {
    const outcomes: Outcome[] = [];
    window.collectedOutcomes = outcomes;
    window.sneakpeekKiosk!.runtime!.addEventListener('outcome', (event) => outcomes.push(event.outcome));
  });
}

/** Waits until the runtime has no open request and returns its counters. */
async function settledStats(page: Page): Promise<RuntimeStats> {
  await page.waitForFunction(async () => (await window.sneakpeekKiosk!.runtime!.stats()).open === 0, undefined, { polling: 200 });
  return page.evaluate(() => window.sneakpeekKiosk!.runtime!.stats());
}

/** Waits two animation frames, so the view has rendered what arrived before the call. */
async function nextRender(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

async function count(page: Page, key: string): Promise<number> {
  return Number(await page.locator(`sneakpeek-schedule-view [data-count="${key}"]`).textContent());
}

test('schedule view matches the runtime after a workload', async ({ page }) => {
  await openKiosk(page);
  const schedule = page.locator('sneakpeek-schedule-view');
  // The 60 s window, so no batch of this test slides out before it is counted.
  await schedule.getByLabel('Show the last').selectOption('60');

  const requestsField = page.getByRole('spinbutton', { name: 'Requests', exact: true });
  await requestsField.fill('400');
  await requestsField.dispatchEvent('change');
  await page.getByRole('button', { name: 'Run sample load' }).click();
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekKiosk?.load?.state ?? ''), undefined, { timeout: 3 * 60 * 1000, polling: 500 });
  expect(await page.evaluate(() => window.sneakpeekKiosk?.load?.error)).toBeUndefined();

  const stats = await settledStats(page);
  const outcomes = await page.evaluate(() => window.collectedOutcomes!);
  const served = await page.evaluate(() => window.sneakpeekKiosk!.runtime!.ready.profiles.map((profile) => profile.variantId));
  await nextRender(page);

  const completed = outcomes.filter((outcome) => outcome.status === 'completed');
  const dropped = outcomes.length - completed.length;
  expect(outcomes.length).toBe(400);
  expect(await count(page, 'completed')).toBe(stats.completed);
  expect(await count(page, 'completed')).toBe(completed.length);
  expect(await count(page, 'dropped')).toBe(Object.values(stats.dropped).reduce((sum, value) => sum + value, 0));
  expect(await count(page, 'dropped')).toBe(dropped);
  expect(await count(page, 'deadlineMet')).toBe(stats.deadlineMet);
  expect(await count(page, 'batches')).toBe(stats.batches);
  expect(await count(page, 'swaps')).toBe(stats.swaps);
  expect(await count(page, 'evictions')).toBe(stats.evictions);

  // One lane per served variant, each with the batches that variant ran.
  const lanes = await schedule.locator('[data-lane]').evaluateAll((elements) =>
    elements.map((element) => ({ variant: element.getAttribute('data-lane')!, batches: Number(element.getAttribute('data-batches')) })),
  );
  expect(lanes.map((lane) => lane.variant).filter((variant) => variant !== 'drops').sort()).toEqual([...served].sort());
  const batchesByVariant = new Map<string, Set<number>>();
  for (const outcome of completed) batchesByVariant.set(outcome.variantId, (batchesByVariant.get(outcome.variantId) ?? new Set()).add(outcome.batchId));
  for (const lane of lanes.filter((candidate) => candidate.variant !== 'drops')) {
    expect(lane.batches, `batches drawn in the lane of ${lane.variant}`).toBe(batchesByVariant.get(lane.variant)?.size ?? 0);
  }
  // Every batch box carries its size; together they cover every completed request.
  const sizes = await schedule.locator('[data-batch]').evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-size'))));
  expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(stats.batchedRequests);

  const resident = await schedule.locator('[data-resident]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-resident')));
  expect(resident.sort()).toEqual([...stats.resident].sort());
  expect(Number(await schedule.locator('[data-budget-bytes]').getAttribute('data-budget-bytes'))).toBe(stats.memoryBudgetBytes);
});

test('request view shows the outcome of its request', async ({ page }) => {
  await openKiosk(page);
  const view = page.locator('sneakpeek-request-view');

  await test.step('test sample of product recognition', async () => {
    await view.getByLabel(/Sample number/).fill('7');
    await view.getByLabel(/Sample number/).dispatchEvent('change');
    await view.getByRole('button', { name: 'Classify' }).click();
    const result = view.locator('.result');
    await expect(result).toHaveAttribute('data-status', 'completed');

    const outcome = await page.evaluate(() => window.collectedOutcomes!.at(-1)!);
    if (outcome.status !== 'completed') throw new Error(`The request was dropped: ${outcome.reason}`);
    await expect(result).toHaveAttribute('data-variant', outcome.variantId);
    await expect(result).toHaveAttribute('data-label', outcome.label);
    await expect(result).toContainText(`Answer for test sample #7: ${outcome.label}`);

    const estimates = await result.locator('[data-bars="estimates"] li').evaluateAll((items) =>
      items.map((item) => ({ key: item.getAttribute('data-key')!, value: Number(item.getAttribute('data-value')), text: item.textContent ?? '' })),
    );
    expect(estimates.map((estimate) => estimate.key).sort()).toEqual(Object.keys(outcome.estimates).sort());
    for (const estimate of estimates) expect(estimate.value, `estimate of ${estimate.key}`).toBe(outcome.estimates[estimate.key]);
    expect(estimates.find((estimate) => estimate.key === outcome.variantId)?.text).toContain('chosen');

    const posterior = await result.locator('[data-bars="posterior"] li').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-value'))));
    expect(posterior).toEqual(outcome.posterior);
    expect(posterior).toHaveLength(10);
    await expect(result).toContainText(outcome.deadlineMet ? '✓ met' : '✗ missed');
  });

  await test.step('drawing for product recognition', async () => {
    await view.getByRole('radio', { name: 'Draw' }).check();
    const pad = view.locator('sneakpeek-draw-pad canvas');
    const box = (await pad.boundingBox())!;
    // A filled rectangle, roughly a bag's shape.
    for (let y = 0.3; y <= 0.8; y += 0.05) {
      await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * y, { steps: 4 });
      await page.mouse.up();
    }
    const outcomesBefore = await page.evaluate(() => window.collectedOutcomes!.length);
    await view.getByRole('button', { name: 'Classify' }).click();
    await page.waitForFunction((before) => window.collectedOutcomes!.length > before, outcomesBefore);
    await expect(view.locator('.result')).toContainText('Answer for your drawing');
    const outcome = await page.evaluate(() => window.collectedOutcomes!.at(-1)!);
    expect(outcome.application).toBe('product');
  });

  await test.step('uploaded photo for product recognition', async () => {
    // A dark trouser-like shape on a white background, as a product photo would be.
    const png = await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(120, 90);
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, 120, 90);
      context.fillStyle = '#222';
      context.fillRect(45, 10, 14, 70);
      context.fillRect(61, 10, 14, 70);
      context.fillRect(45, 10, 30, 12);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    });
    await view.getByRole('radio', { name: 'Upload image' }).check();
    await view.getByLabel(/Image file/).setInputFiles({ name: 'trousers.png', mimeType: 'image/png', buffer: Buffer.from(png) });

    // The preview shows the model's input: inverted (a black border), the shape bright and
    // scaled so its longer edge spans the 28 pixels.
    const preview = view.locator('canvas.preview');
    await expect(preview).toBeVisible();
    const pixels = await preview.evaluate((canvas: HTMLCanvasElement) => Array.from(canvas.getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, index) => index % 4 === 0)));
    expect(pixels[0]).toBe(0);
    expect(pixels[27]).toBe(0);
    expect(pixels[14]).toBeGreaterThan(150);
    expect(pixels[27 * 28 + 14 - 3]).toBeGreaterThan(150);

    const outcomesBefore = await page.evaluate(() => window.collectedOutcomes!.length);
    await view.getByRole('button', { name: 'Classify' }).click();
    await page.waitForFunction((before) => window.collectedOutcomes!.length > before, outcomesBefore);
    await expect(view.locator('.result')).toContainText('Answer for your image');
  });

  await test.step('keyboard alone submits a request', async () => {
    // Arrow keys move the choice within the radio group, Tab leaves it, Enter submits the form.
    await view.getByRole('radio', { name: 'Upload image' }).focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect(view.getByRole('radio', { name: 'Test sample' })).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(view.getByLabel(/Sample number/)).toBeFocused();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('3');
    const outcomesBefore = await page.evaluate(() => window.collectedOutcomes!.length);
    await page.keyboard.press('Enter');
    await page.waitForFunction((before) => window.collectedOutcomes!.length > before, outcomesBefore);
    await expect(view.locator('.result')).toContainText('Answer for test sample #3');
  });

  await test.step('typed message for spam filtering', async () => {
    await view.getByRole('radio', { name: 'Spam filtering' }).check();
    await view.getByRole('radio', { name: 'Paste message' }).check();
    await view.getByLabel('Subject').fill('Cheap meds, limited offer');
    await view.getByLabel('Message body').fill('Click here to buy now and save 90%! Unsubscribe at any time.');
    await view.getByRole('button', { name: 'Classify' }).click();
    const result = view.locator('.result');
    await expect(result).toContainText('Answer for your message');
    const outcome = await page.evaluate(() => window.collectedOutcomes!.at(-1)!);
    expect(outcome.application).toBe('spam');
    if (outcome.status !== 'completed') throw new Error(`The request was dropped: ${outcome.reason}`);
    await expect(result.locator('[data-bars="posterior"] li')).toHaveCount(2);
  });

  await test.step('typed readings for weather', async () => {
    await view.getByRole('radio', { name: 'Weather condition' }).check();
    await view.getByRole('radio', { name: 'Type readings' }).check();
    await expect(view.getByRole('spinbutton', { name: /, / })).toHaveCount(28);
    await view.getByLabel('Precipitation (mm), the day').fill('12.5');
    await view.getByLabel('Precipitation (mm), the day').dispatchEvent('change');
    await view.getByRole('button', { name: 'Classify' }).click();
    await expect(view.locator('.result')).toContainText('Answer for your readings');
    const outcome = await page.evaluate(() => window.collectedOutcomes!.at(-1)!);
    expect(outcome.application).toBe('weather');
  });

  await test.step('an empty reading is reported', async () => {
    await view.getByLabel('Wind, 3 days earlier').fill('');
    await view.getByLabel('Wind, 3 days earlier').dispatchEvent('change');
    await view.getByRole('button', { name: 'Classify' }).click();
    await expect(view.getByRole('alert')).toContainText('Wind, 3 days earlier is not a number');
  });
});

// The views' data parts are pure; these run in Node beside the browser tests above.

function batchUpdate(batchId: number, at: number, size: number, deadlinesMet: number): BatchUpdate {
  return {
    kind: 'batch',
    at,
    queued: 3,
    open: 3 + size,
    resident: ['product-mlp'],
    residentBytes: 1000,
    memoryBudgetBytes: 4000,
    batchId,
    application: 'product',
    variantId: 'product-mlp',
    size,
    runSize: size,
    startedAt: at - 5,
    finishedAt: at,
    status: 'completed',
    requests: Array.from({ length: size }, (_, index) => ({ id: `b${batchId}-${index}`, deadline: at + 10 * index - 5, estimatedAccuracy: 0.9 })),
    deadlinesMet,
  };
}

test('schedule record stays bounded over a long run', () => {
  const record = new ScheduleRecord(30_000);
  const start = 1_700_000_000_000;
  // One batch of 4 every 10 ms for 20 simulated minutes: 120,000 batches.
  for (let batchId = 1; batchId <= 120_000; batchId++) {
    const at = start + batchId * 10;
    record.addUpdate(batchUpdate(batchId, at, 4, 3));
  }

  expect(record.counts.batches).toBe(120_000);
  expect(record.counts.batchedRequests).toBe(480_000);
  // 30 s of batches every 10 ms, give or take the batch at each edge.
  expect(record.batches().length).toBeLessThanOrEqual(3001);
  expect(record.batches().length).toBeGreaterThanOrEqual(2999);
  expect(record.batches()[0]!.finishedAt).toBeGreaterThanOrEqual(record.latest - 30_000);
  // One queue sample per 100 ms slice.
  expect(record.queue().length).toBeLessThanOrEqual(302);
  expect(record.batches().every((batch) => batch.missed === 1)).toBe(true);
});

test('schedule record bins outcomes per second', () => {
  const record = new ScheduleRecord(30_000, { product: 2 });
  const second = 1_700_000_000_000;
  const completed = (id: string, finishedAt: number, deadlineMet: boolean): Outcome => ({
    status: 'completed',
    requestId: id,
    application: 'product',
    variantId: 'product-mlp',
    classIndex: 0,
    label: 'T-shirt/top',
    scores: [],
    arrival: finishedAt - 50,
    receivedAt: finishedAt - 49,
    queuedAt: finishedAt - 40,
    deadline: finishedAt + (deadlineMet ? 1 : -1),
    finishedAt,
    deadlineMet,
    batchId: 1,
    batchSize: 1,
    estimatedAccuracy: 0.8,
    estimates: { 'product-mlp': 0.8 },
    posterior: [],
    priority: 0,
    provider: 'wasm',
  });
  record.addOutcome(completed('a', second + 100, true));
  record.addOutcome(completed('b', second + 200, false));
  record.addOutcome({ status: 'dropped', requestId: 'c', application: 'product', reason: 'deadline-infeasible', detail: '', arrival: second, receivedAt: second + 1, deadline: second + 5, droppedAt: second + 300 });
  record.addOutcome(completed('d', second + 1100, true));

  const bins = record.bins();
  expect(bins.map((bin) => bin.outcomes)).toEqual([3, 1]);
  expect(bins[0]!.onTimeEstimate).toBeCloseTo(0.8);
  expect(bins[0]!.utility).toBeCloseTo(1.6);
  expect(bins[0]!.missed).toBe(1);
  expect(bins[0]!.dropped).toBe(1);
  expect(record.counts).toMatchObject({ completed: 3, deadlineMet: 2, dropped: 1 });
});

test('image input is inverted, cropped and centred', () => {
  // A 40×20 white image with a black 10×20 bar in columns 10 to 19.
  const width = 40;
  const height = 20;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 0; y < height; y++) for (let x = 10; x < 20; x++) rgba.set([0, 0, 0, 255], (y * width + x) * 4);
  const pixels = toModelPixels(rgbaToGrey(rgba, width, height));

  expect(pixels).toHaveLength(IMAGE_SIDE * IMAGE_SIDE);
  // The bar is 10 wide and 20 tall: scaled by 28/20 it spans all rows and 14 columns, centred.
  const row = Array.from(pixels.subarray(14 * IMAGE_SIDE, 15 * IMAGE_SIDE));
  expect(row.slice(0, 7).every((value) => value === 0)).toBe(true);
  expect(row.slice(7, 21).every((value) => value === 255)).toBe(true);
  expect(row.slice(21).every((value) => value === 0)).toBe(true);
  expect(pixels[0 * IMAGE_SIDE + 14]).toBe(255);
  expect(pixels[27 * IMAGE_SIDE + 14]).toBe(255);
});

test('image input of an empty drawing is all zeros', () => {
  const pixels = toModelPixels({ width: 10, height: 10, pixels: new Uint8ClampedArray(100) }, false);
  expect(pixels.every((value) => value === 0)).toBe(true);
});
