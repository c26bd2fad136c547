/**
 * `<sneakpeek-schedule-view>`: what the scheduler does, live.
 *
 * - A timeline with one lane per served variant shows batches as boxes from start to end with
 *   their size written in or on them, loads, evictions, the earliest deadline of each batch and
 *   its misses.
 * - Charts show queue depth, expected effective accuracy and expected utility over time.
 * - A bar shows the resident set against the memory budget, and counts are written as numbers.
 *
 * It listens to the runtime's `schedule` and `outcome` events and keeps the last 60 seconds (or
 * `windowSeconds`, if longer) in a `ScheduleRecord`. Events only request a render on the next
 * animation frame, so however many arrive, they cause at most one render per frame. Counts cover
 * the time since the runtime was set. Figures are also in `data-*` attributes.
 */
import { LitElement, css, html, nothing, svg, type PropertyValues } from 'lit';
import { runtimeClock, type OutcomeEvent, type Runtime, type ScheduleEvent } from '../../client/runtime.js';
import type { MeasuredProfile } from '../../protocol/messages.js';
import { OUTCOME_BIN_SECONDS, ScheduleRecord, type ScheduleCounts, type TimelineBatch, type TimelineMark } from './schedule-record.js';

declare global {
  interface HTMLElementTagNameMap {
    'sneakpeek-schedule-view': SneakPeekScheduleView;
  }
}

const LANE_HEIGHT = 34;
const LABEL_WIDTH = 160;
const AXIS_HEIGHT = 22;
const CHART_HEIGHT = 96;
/** Gap between charts, in pixels; the same as the `.charts` gap in the styles. */
const CHART_GAP = 16;
/** Narrowest box, in pixels, whose size is written inside it rather than above. */
const INSIDE_LABEL_WIDTH = 18;
/** Minimum distance, in pixels, between two written counts of misses or drops in a lane. Nearer ones are added up. */
const MERGE_SPACING = 34;
/** Idle redraw period, so the window keeps sliding when no events arrive. */
const IDLE_REDRAW_MS = 1000;
/** Windows a person can pick, in seconds; the record keeps the longest, so switching loses nothing. */
const WINDOW_CHOICES = [10, 15, 30, 60] as const;

export class SneakPeekScheduleView extends LitElement {
  static override properties = {
    runtime: { attribute: false },
    windowSeconds: { type: Number, attribute: 'window-seconds' },
  };

  /** The runtime whose schedule is shown. */
  runtime: Runtime | undefined;
  /** Seconds of history shown; the view keeps at least 60. @default 30 */
  windowSeconds = 30;

  /** Renders so far and the time they took (render and DOM commit), for benchmarks. */
  readonly renderTimes = { renders: 0, totalMs: 0, maxMs: 0 };
  private record: ScheduleRecord | undefined;
  private profiles = new Map<string, MeasuredProfile>();
  private frame = 0;
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private width = 800;
  private resizeObserver: ResizeObserver | undefined;
  private readonly onSchedule = (event: ScheduleEvent): void => {
    this.record?.addUpdate(event.update);
    this.scheduleFrame();
  };
  private readonly onOutcome = (event: OutcomeEvent): void => {
    this.record?.addOutcome(event.outcome);
    this.scheduleFrame();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.idleTimer = setInterval(() => this.scheduleFrame(), IDLE_REDRAW_MS);
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.round(entries[0]?.contentRect.width ?? this.width);
      if (width > 0 && width !== this.width) {
        this.width = width;
        this.scheduleFrame();
      }
    });
    this.resizeObserver.observe(this);
    if (this.runtime !== undefined) this.attach(this.runtime);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.idleTimer);
    this.resizeObserver?.disconnect();
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.runtime !== undefined) this.detach(this.runtime);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('runtime')) return;
    const previous = changed.get('runtime');
    if (previous !== undefined) this.detach(previous);
    if (this.runtime !== undefined && this.isConnected) this.attach(this.runtime);
  }

  private attach(runtime: Runtime): void {
    this.detach(runtime);
    const weights = Object.fromEntries(runtime.ready.applications.map((application) => [application.id, application.weight]));
    this.record = new ScheduleRecord(Math.max(this.windowSeconds, ...WINDOW_CHOICES) * 1000, weights);
    this.profiles = new Map(runtime.ready.profiles.map((profile) => [profile.variantId, profile]));
    for (const update of runtime.startupSchedule) this.record.addUpdate(update);
    runtime.addEventListener('schedule', this.onSchedule);
    runtime.addEventListener('outcome', this.onOutcome);
    // Read the budget now, so the bar shows before the first update arrives.
    void runtime.stats().then(
      (stats) => {
        if (this.record !== undefined && this.record.resident.budgetBytes === 0) {
          this.record.resident = { variants: stats.resident, bytes: stats.residentBytes, budgetBytes: stats.memoryBudgetBytes };
          this.scheduleFrame();
        }
      },
      // A runtime disposed before the first read simply shows no resident set.
      () => undefined,
    );
  }

  private detach(runtime: Runtime): void {
    runtime.removeEventListener('schedule', this.onSchedule as EventListener);
    runtime.removeEventListener('outcome', this.onOutcome as EventListener);
  }

  /** Asks for one render on the next animation frame; further calls before it are free. */
  private scheduleFrame(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.requestUpdate();
    });
  }

  protected override update(changed: PropertyValues<this>): void {
    const started = performance.now();
    super.update(changed);
    const elapsed = performance.now() - started;
    this.renderTimes.renders++;
    this.renderTimes.totalMs += elapsed;
    this.renderTimes.maxMs = Math.max(this.renderTimes.maxMs, elapsed);
  }

  override render() {
    const record = this.record;
    const runtime = this.runtime;
    if (record === undefined || runtime === undefined) return html`<p role="status">Waiting for the runtime to start.</p>`;
    const now = runtimeClock();
    record.prune(now);
    const windowMs = this.windowSeconds * 1000;
    return html`
      <div class="heading">
        <h2>Schedule</h2>
        <label
          >Show the last
          <select
            @change=${(event: Event) => {
              this.windowSeconds = Number((event.target as HTMLSelectElement).value);
            }}
          >
            ${[...new Set([...WINDOW_CHOICES, this.windowSeconds])].map(
              (seconds) => html`<option value=${seconds} ?selected=${seconds === this.windowSeconds}>${seconds} seconds</option>`,
            )}
          </select>
        </label>
      </div>
      ${this.renderCounts(record.counts)} ${this.renderTimeline(record, now, windowMs)} ${this.renderCharts(record, now, windowMs)}
      ${this.renderResident(record)}
    `;
  }

  private renderCounts(counts: ScheduleCounts) {
    const items: [keyof ScheduleCounts | 'meanBatch', string, string][] = [
      ['batches', 'Batches', String(counts.batches)],
      ['meanBatch', 'Mean batch size', counts.batches === 0 ? '–' : (counts.batchedRequests / counts.batches).toFixed(2)],
      ['completed', 'Completed', String(counts.completed)],
      ['deadlineMet', 'On time', String(counts.deadlineMet)],
      ['dropped', 'Dropped', String(counts.dropped)],
      ['swaps', 'Swaps', String(counts.swaps)],
      ['evictions', 'Evictions', String(counts.evictions)],
    ];
    if (counts.failedBatches > 0) items.push(['failedBatches', 'Failed batches', String(counts.failedBatches)]);
    return html`<dl class="counts">
      ${items.map(([key, label, value]) => html`<div><dt>${label}</dt><dd data-count=${key}>${value}</dd></div>`)}
    </dl>`;
  }

  private lanes(): { variantId: string; application: string }[] {
    return this.runtime!.ready.applications.flatMap((application) =>
      application.variants.filter((variantId) => this.profiles.has(variantId)).map((variantId) => ({ variantId, application: application.id })),
    );
  }

  private renderTimeline(record: ScheduleRecord, now: number, windowMs: number) {
    const lanes = this.lanes();
    const width = Math.max(320, this.width);
    const plotWidth = width - LABEL_WIDTH - 8;
    const start = now - windowMs;
    const xOf = (time: number): number => LABEL_WIDTH + ((time - start) / windowMs) * plotWidth;
    const laneIndex = new Map(lanes.map((lane, index) => [lane.variantId, index]));
    const dropLane = lanes.length;
    const height = (lanes.length + 1) * LANE_HEIGHT + AXIS_HEIGHT;
    const resident = new Set(record.resident.variants);
    const batches = record.batches().filter((batch) => batch.finishedAt >= start);
    const marks = record.marks().filter((mark) => mark.at >= start);

    return html`<figure class="timeline">
      <figcaption>Timeline: one lane per variant; boxes are batches with their size, time runs left to right</figcaption>
      <svg width=${width} height=${height} viewBox="0 0 ${width} ${height}" role="img" aria-label=${this.timelineSummary(batches, marks)}>
        <defs>
          <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="#fdf1d8"></rect>
            <line x1="0" y1="0" x2="0" y2="6" stroke="#8a5a00" stroke-width="2"></line>
          </pattern>
        </defs>
        ${lanes.map((lane, index) => {
          const top = index * LANE_HEIGHT;
          const laneBatches = batches.filter((batch) => batch.variantId === lane.variantId);
          return svg`<g class="lane" data-lane=${lane.variantId} data-batches=${laneBatches.length}>
            <rect class="lane-bg" x=${LABEL_WIDTH} y=${top + 2} width=${plotWidth} height=${LANE_HEIGHT - 4}></rect>
            <text class="lane-label" x="4" y=${top + LANE_HEIGHT / 2 + 5}>${resident.has(lane.variantId) ? '● ' : '○ '}${lane.variantId}</text>
          </g>`;
        })}
        <g class="lane" data-lane="drops">
          <rect class="lane-bg" x=${LABEL_WIDTH} y=${dropLane * LANE_HEIGHT + 2} width=${plotWidth} height=${LANE_HEIGHT - 4}></rect>
          <text class="lane-label" x="4" y=${dropLane * LANE_HEIGHT + LANE_HEIGHT / 2 + 5}>dropped</text>
        </g>
        ${this.renderBatches(batches, laneIndex, xOf, LABEL_WIDTH + plotWidth)} ${this.renderMarks(marks, laneIndex, dropLane, xOf, start)}
        ${this.renderAxis(width, height - AXIS_HEIGHT, windowMs, xOf, now)}
      </svg>
      <p class="legend">
        ● resident, ○ not resident. Box: a batch, its height and number give its size. <span class="glyph">|</span> earliest deadline of a batch.
        <span class="glyph">✗n</span> requests that missed their deadline. <span class="glyph load">L</span> hatched: a load.
        <span class="glyph">▼E</span> an eviction. <span class="glyph">×n</span> dropped requests.
      </p>
    </figure>`;
  }

  private renderBatches(batches: TimelineBatch[], laneIndex: Map<string, number>, xOf: (time: number) => number, right: number) {
    const lastLabelEnd = new Map<string, number>();
    const lastDeadline = new Map<string, number>();
    const misses = new Map<number, { x: number; count: number }[]>();
    const boxes = batches.map((batch) => {
      const lane = laneIndex.get(batch.variantId);
      if (lane === undefined) return nothing;
      const top = lane * LANE_HEIGHT;
      const maxBatch = this.profiles.get(batch.variantId)?.maxBatch ?? batch.size;
      const x = Math.max(LABEL_WIDTH, xOf(batch.startedAt));
      const boxWidth = Math.max(2, xOf(batch.finishedAt) - x);
      const boxHeight = 8 + ((LANE_HEIGHT - 16) * Math.min(batch.size, maxBatch)) / Math.max(1, maxBatch);
      const y = top + LANE_HEIGHT - 3 - boxHeight;
      const inside = boxWidth >= INSIDE_LABEL_WIDTH;
      const labelX = x + boxWidth / 2;
      // Sizes above narrow boxes would overlap; write one only where the previous one ended.
      const writeLabel = inside || labelX - 6 >= (lastLabelEnd.get(batch.variantId) ?? -Infinity);
      if (writeLabel) lastLabelEnd.set(batch.variantId, labelX + 8);
      const title = `Batch ${batch.batchId} on ${batch.variantId}: ${batch.size} requests, ${(batch.finishedAt - batch.startedAt).toFixed(0)} ms${
        batch.failed ? ', failed' : ''
      }${batch.missed > 0 ? `, ${batch.missed} missed their deadline` : ''}`;
      // Deadlines later than now fall outside the plot. Ticks closer than 6 pixels to the last one
      // drawn in the lane are left out, or a busy lane would turn into a solid bar.
      const deadlineX = xOf(batch.firstDeadline);
      const drawDeadline = deadlineX >= LABEL_WIDTH && deadlineX <= right && deadlineX - (lastDeadline.get(batch.variantId) ?? -Infinity) >= 6;
      if (drawDeadline) lastDeadline.set(batch.variantId, deadlineX);
      if (batch.missed > 0) misses.set(lane, [...(misses.get(lane) ?? []), { x: x + boxWidth + 2, count: batch.missed }]);
      return svg`<g class=${batch.failed ? 'batch failed' : 'batch'} data-batch=${batch.batchId} data-size=${batch.size}>
        <title>${title}</title>
        <rect x=${x} y=${y} width=${boxWidth} height=${boxHeight}></rect>
        ${writeLabel ? svg`<text class=${inside ? 'size inside' : 'size above'} x=${labelX} y=${inside ? y + boxHeight / 2 + 4 : y - 1}>${batch.size}</text>` : nothing}
        ${drawDeadline ? svg`<line class="deadline" x1=${deadlineX} x2=${deadlineX} y1=${top + 3} y2=${top + 9}></line>` : nothing}
      </g>`;
    });
    const missLabels = [...misses].flatMap(([lane, points]) =>
      mergeCounts(points, MERGE_SPACING).map(
        (point) => svg`<text class="miss" x=${point.x} y=${lane * LANE_HEIGHT + 12}><title>${point.count} requests missed their deadline</title>✗${point.count}</text>`,
      ),
    );
    return [boxes, missLabels];
  }

  private renderMarks(marks: TimelineMark[], laneIndex: Map<string, number>, dropLane: number, xOf: (time: number) => number, start: number) {
    const drops = marks.filter((mark) => mark.kind === 'drop').map((mark) => ({ x: xOf(mark.at), count: mark.count }));
    const dropLabels = mergeCounts(drops, MERGE_SPACING).map(
      (point) => svg`<g class="mark drop" data-mark="drop" data-count=${point.count}><title>${point.count} requests dropped</title>
        <text x=${point.x} y=${dropLane * LANE_HEIGHT + LANE_HEIGHT / 2 + 4}>×${point.count}</text></g>`,
    );
    const variantMarks = marks.map((mark) => {
      const lane = mark.variantId === undefined ? undefined : laneIndex.get(mark.variantId);
      if (lane === undefined) return nothing;
      const top = lane * LANE_HEIGHT;
      const x = xOf(mark.at);
      switch (mark.kind) {
        case 'load': {
          const from = xOf(Math.max(start, mark.startedAt ?? mark.at));
          return svg`<g class="mark load" data-mark="load"><title>Load of ${mark.variantId} (${mark.cause})</title>
            <rect x=${from} y=${top + 4} width=${Math.max(3, x - from)} height=${LANE_HEIGHT - 8}></rect>
            <text x=${from + 2} y=${top + LANE_HEIGHT / 2 + 4}>L</text></g>`;
        }
        case 'evict':
          return svg`<g class="mark evict" data-mark="evict"><title>Eviction of ${mark.variantId}</title>
            <text x=${x} y=${top + LANE_HEIGHT / 2 + 4}>▼E</text></g>`;
        default:
          return nothing;
      }
    });
    return [variantMarks, dropLabels];
  }

  private renderAxis(width: number, top: number, windowMs: number, xOf: (time: number) => number, now: number) {
    const stepSeconds = windowMs >= 20000 ? 5 : 2;
    const ticks: number[] = [];
    for (let seconds = 0; seconds * 1000 <= windowMs; seconds += stepSeconds) ticks.push(seconds);
    return svg`<g class="axis">
      <line x1=${LABEL_WIDTH} x2=${width - 8} y1=${top} y2=${top}></line>
      ${ticks.map((seconds) => {
        const x = xOf(now - seconds * 1000);
        return svg`<line x1=${x} x2=${x} y1=${top} y2=${top + 4}></line>
          <text x=${x} y=${top + 16} text-anchor=${seconds === 0 ? 'end' : 'middle'}>${seconds === 0 ? 'now' : `−${seconds} s`}</text>`;
      })}
    </g>`;
  }

  private timelineSummary(batches: TimelineBatch[], marks: TimelineMark[]): string {
    const missed = batches.reduce((sum, batch) => sum + batch.missed, 0);
    const loads = marks.filter((mark) => mark.kind === 'load').length;
    const evictions = marks.filter((mark) => mark.kind === 'evict').length;
    return `Timeline of the last ${this.windowSeconds} seconds: ${batches.length} batches, ${missed} missed deadlines, ${loads} loads, ${evictions} evictions.`;
  }

  private renderCharts(record: ScheduleRecord, now: number, windowMs: number) {
    const start = now - windowMs;
    const queue = record.queue().map((sample) => ({ at: sample.at, value: sample.queued }));
    const bins = record.bins().filter((bin) => bin.outcomes > 0);
    const accuracy = bins.map((bin) => ({ at: bin.start + 500, value: bin.onTimeEstimate / bin.outcomes }));
    const utility = bins.map((bin) => ({ at: bin.start + 500, value: bin.utility / OUTCOME_BIN_SECONDS }));
    return html`<div class="charts">
      ${this.lineChart('queue', 'Queue depth', queue, start, windowMs, (value) => value.toFixed(0))}
      ${this.lineChart('accuracy', 'Expected effective accuracy', accuracy, start, windowMs, (value) => `${(100 * value).toFixed(1)}%`, 1)}
      ${this.lineChart('utility', 'Expected utility per second', utility, start, windowMs, (value) => value.toFixed(1))}
    </div>
    <p class="legend">
      Queue depth: requests waiting, the most in each 0.1 s. Expected effective accuracy: per second, the mean over outcomes of the
      estimated accuracy of requests answered on time, 0 for late or dropped ones. Expected utility: the same estimates times each
      application's weight, summed per second.
    </p>`;
  }

  private lineChart(
    name: string,
    title: string,
    points: { at: number; value: number }[],
    start: number,
    windowMs: number,
    format: (value: number) => string,
    fixedMax?: number,
  ) {
    // Three charts side by side when each gets 200 pixels, else one per row.
    const available = Math.max(320, this.width);
    const width = available >= 3 * 200 + 2 * CHART_GAP ? Math.floor((available - 2 * CHART_GAP) / 3) : available;
    const plotLeft = 44;
    const plotWidth = width - plotLeft - 6;
    const plotHeight = CHART_HEIGHT - 20;
    const max = fixedMax ?? Math.max(1, ...points.map((point) => point.value));
    const xOf = (time: number): number => plotLeft + ((time - start) / windowMs) * plotWidth;
    const yOf = (value: number): number => 6 + plotHeight - (value / max) * plotHeight;
    const visible = points.filter((point) => point.at >= start);
    const path = visible.map((point, index) => `${index === 0 ? 'M' : 'L'}${xOf(point.at).toFixed(1)},${yOf(point.value).toFixed(1)}`).join(' ');
    const latest = visible[visible.length - 1];
    return html`<figure class="chart" data-chart=${name} data-latest=${latest === undefined ? '' : String(latest.value)}>
      <figcaption>${title}: ${latest === undefined ? html`<strong>no data yet</strong>` : html`<strong>${format(latest.value)}</strong> latest`}</figcaption>
      <svg width=${width} height=${CHART_HEIGHT} viewBox="0 0 ${width} ${CHART_HEIGHT}" role="img" aria-label=${`${title}, latest ${latest === undefined ? 'none' : format(latest.value)}, scale 0 to ${format(max)}`}>
        <line class="grid" x1=${plotLeft} x2=${plotLeft + plotWidth} y1=${yOf(0)} y2=${yOf(0)}></line>
        <line class="grid" x1=${plotLeft} x2=${plotLeft + plotWidth} y1=${yOf(max)} y2=${yOf(max)}></line>
        <text class="tick" x=${plotLeft - 4} y=${yOf(max) + 4} text-anchor="end">${format(max)}</text>
        <text class="tick" x=${plotLeft - 4} y=${yOf(0) + 4} text-anchor="end">${format(0)}</text>
        <text class="tick" x=${plotLeft + plotWidth} y=${CHART_HEIGHT - 2} text-anchor="end">now</text>
        ${path === '' ? nothing : svg`<path d=${path}></path>`}
      </svg>
    </figure>`;
  }

  private renderResident(record: ScheduleRecord) {
    const { variants, bytes, budgetBytes } = record.resident;
    if (budgetBytes === 0) return nothing;
    const width = Math.max(320, this.width);
    let offset = 0;
    return html`<figure class="resident" data-resident-bytes=${bytes} data-budget-bytes=${budgetBytes}>
      <figcaption>
        Resident set: <strong>${formatBytes(bytes)}</strong> of a ${formatBytes(budgetBytes)} memory budget (${variants.length}
        ${variants.length === 1 ? 'variant' : 'variants'})
      </figcaption>
      <svg width=${width} height="30" viewBox="0 0 ${width} 30" role="img" aria-label=${`Resident ${formatBytes(bytes)} of ${formatBytes(budgetBytes)}: ${variants.join(', ') || 'none'}`}>
        <rect class="budget" x="0" y="2" width=${width} height="26"></rect>
        ${variants.map((variantId) => {
          const footprint = this.profiles.get(variantId)?.footprintBytes ?? 0;
          const x = (offset / budgetBytes) * width;
          const segment = (footprint / budgetBytes) * width;
          offset += footprint;
          return svg`<g class="segment"><title>${variantId}: ${formatBytes(footprint)}</title>
            <rect x=${x} y="2" width=${Math.max(1, segment - 1)} height="26"></rect>
            ${segment > 90 ? svg`<text x=${x + 4} y="20">${variantId}</text>` : nothing}</g>`;
        })}
      </svg>
      <ul class="resident-list">
        ${variants.map((variantId) => html`<li data-resident=${variantId}>${variantId}: ${formatBytes(this.profiles.get(variantId)?.footprintBytes ?? 0)}</li>`)}
      </ul>
    </figure>`;
  }

  static override styles = css`
    :host {
      display: block;
      min-width: 0;
    }
    h2 {
      margin: 0 0 0.5rem;
      font-size: 1.3rem;
    }
    figure {
      margin: 0 0 1rem;
    }
    figcaption {
      font-weight: 600;
      margin-bottom: 0.3rem;
    }
    svg {
      display: block;
      max-width: 100%;
      font: 12px system-ui, sans-serif;
    }
    .counts {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(5.5rem, 1fr));
      gap: 0.5rem;
      margin: 0 0 1rem;
    }
    .counts div {
      background: #fff;
      border: 1px solid #c4cbd3;
      border-radius: 0.4rem;
      padding: 0.4rem 0.6rem;
    }
    .counts dt {
      font-size: 0.85rem;
      color: #3b444e;
    }
    .counts dd {
      margin: 0;
      font-size: 1.4rem;
      font-weight: 700;
      font-variant-numeric: tabular-nums;
    }
    .lane-bg {
      fill: #fff;
      stroke: #d5dae0;
    }
    .lane-label {
      fill: #1b1f24;
      font-size: 12px;
    }
    .batch rect {
      fill: #0b5cad;
    }
    .batch.failed rect {
      fill: #fff;
      stroke: #a0111f;
      stroke-dasharray: 3 2;
    }
    .size {
      font-size: 10px;
      text-anchor: middle;
    }
    .size.inside {
      fill: #fff;
      font-weight: 700;
    }
    .size.above {
      fill: #1b1f24;
    }
    .deadline {
      stroke: #1b1f24;
      stroke-width: 1;
    }
    .miss {
      fill: #a0111f;
      font-size: 11px;
      font-weight: 700;
    }
    /* A white outline under the text keeps labels readable where they cross boxes. */
    .miss,
    .size.above,
    .mark text {
      paint-order: stroke;
      stroke: #fff;
      stroke-width: 3px;
      stroke-linejoin: round;
    }
    .mark.load rect {
      fill: url(#hatch);
      stroke: #8a5a00;
    }
    .mark.load text,
    .mark.evict text {
      fill: #6a4500;
      font-weight: 700;
    }
    .mark.drop text {
      fill: #a0111f;
      font-weight: 700;
    }
    .axis line {
      stroke: #52606d;
    }
    .axis text,
    .tick {
      fill: #3b444e;
      font-size: 11px;
    }
    .legend {
      font-size: 0.85rem;
      color: #3b444e;
      margin: 0.3rem 0 1rem;
    }
    .glyph {
      font-weight: 700;
      color: #1b1f24;
    }
    .heading {
      display: flex;
      flex-wrap: wrap;
      justify-content: space-between;
      align-items: center;
      gap: 0.5rem;
      margin-bottom: 0.5rem;
    }
    .heading h2 {
      margin: 0;
    }
    .heading select {
      font: inherit;
      min-height: 44px;
      margin-left: 0.4rem;
      padding: 0 0.4rem;
      border: 1px solid #52606d;
      border-radius: 0.3rem;
      background: #fff;
    }
    .heading select:focus-visible {
      outline: 3px solid #0b5cad;
      outline-offset: 2px;
    }
    .charts {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 16px;
    }
    .chart {
      margin: 0;
      width: min-content;
    }
    .chart svg {
      max-width: none;
    }
    .chart figcaption {
      font-size: 0.9rem;
    }
    .chart path {
      fill: none;
      stroke: #0b5cad;
      stroke-width: 2;
    }
    .grid {
      stroke: #d5dae0;
    }
    .budget {
      fill: #fff;
      stroke: #52606d;
    }
    .segment rect {
      fill: #5b8fc7;
      stroke: #1b1f24;
      stroke-width: 0.5;
    }
    .segment text {
      fill: #1b1f24;
      font-size: 11px;
      font-weight: 600;
    }
    .resident-list {
      display: flex;
      flex-wrap: wrap;
      gap: 0.2rem 1.2rem;
      margin: 0.4rem 0 0;
      padding: 0;
      list-style: none;
      font-size: 0.9rem;
    }
  `;
}

/** Adds up counts placed closer than `spacing` pixels, left to right, so their labels do not overlap. */
function mergeCounts(points: readonly { x: number; count: number }[], spacing: number): { x: number; count: number }[] {
  const merged: { x: number; count: number }[] = [];
  for (const point of [...points].sort((a, b) => a.x - b.x)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && point.x - last.x < spacing) last.count += point.count;
    else merged.push({ ...point });
  }
  return merged;
}

/** Formats a byte count with binary prefixes, for example "12.3 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

customElements.define('sneakpeek-schedule-view', SneakPeekScheduleView);
