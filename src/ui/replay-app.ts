/**
 * `<sneakpeek-replay>`: replays real test records through the runtime and shows, per request, the
 * variant chosen, the answer, right or wrong, and the deadline met or missed, with a running
 * summary. Query parameters start it without a click (for kiosks and headless runs):
 * `?autorun&workload=default&requests=1200&provider=auto&budget=BYTES&seed=1`.
 *
 * The latest state is also published as `window.sneakpeekReplay` so scripts (Playwright, DevTools)
 * read figures as data rather than scraping the page.
 */
import { LitElement, css, html, nothing } from 'lit';
import { createRuntime, type Runtime } from '../client/runtime.js';
import type { ProviderPreference, RuntimeStats, StartupProgress } from '../protocol/messages.js';
import { summarize, type ReplaySummary } from '../core/summary.js';
import { isWorkloadName, planReplay, runReplay, WorkloadName, type ReplayReport, type ReplayRow } from './replay.js';
import { budgetFromQuery, providerFromQuery } from './query-settings.js';
import { loadTestSet, type TestSet } from './test-set.js';
import type { Manifest, ModelEntry } from '../core/manifest.js';

/** Rows kept in the request table; the summary covers every request. */
const VISIBLE_ROWS = 60;

export type ReplayState = 'idle' | 'starting' | 'running' | 'done' | 'failed';

/** State the page publishes on `window.sneakpeekReplay`. */
export interface PublishedReplay {
  state: ReplayState;
  report?: ReplayReport;
  stats?: RuntimeStats;
  error?: string;
}

declare global {
  interface Window {
    sneakpeekReplay?: PublishedReplay;
  }
  interface HTMLElementTagNameMap {
    'sneakpeek-replay': SneakPeekReplay;
  }
}

export interface ReplaySettings {
  workload: WorkloadName;
  requests: number;
  provider: ProviderPreference;
  /** Memory budget in bytes, or undefined for the workload's default. */
  budget: number | undefined;
  seed: number;
  autorun: boolean;
}

/** Reads settings from the query string; invalid values raise an error naming the parameter. */
export function settingsFromQuery(search: string): ReplaySettings {
  const query = new URLSearchParams(search);
  const workload = query.get('workload') ?? WorkloadName.Default;
  if (!isWorkloadName(workload)) throw new RangeError(`Query parameter workload="${workload}" is unknown; use "default" or "light".`);
  const requests = Number(query.get('requests') ?? 1200);
  if (!Number.isInteger(requests) || requests < 1) throw new RangeError(`Query parameter requests=${query.get('requests')} must be a positive whole number.`);
  const provider = providerFromQuery(query);
  const budget = budgetFromQuery(query);
  const seed = Number(query.get('seed') ?? 1);
  if (!Number.isInteger(seed)) throw new RangeError(`Query parameter seed=${query.get('seed')} must be a whole number.`);
  return { workload, requests, provider, budget, seed, autorun: query.has('autorun') };
}

const MANIFEST_URL = new URL('models/manifest.json', document.baseURI).href;
const APPLICATION = 'product';

/**
 * Returns the default memory budget: room for the largest variant and the smallest one, but not
 * for every variant at once, so a change of load forces swaps.
 */
async function defaultBudget(): Promise<number> {
  const footprints = (await replayedVariants()).map((variant) => variant.footprint.bytes);
  const largest = Math.max(...footprints);
  const smallest = Math.min(...footprints);
  const total = footprints.reduce((sum, bytes) => sum + bytes, 0);
  return Math.min(largest + smallest, total - smallest / 2);
}

/** Fetches the variants of the replayed application, the only application the page serves. */
async function replayedVariants(): Promise<ModelEntry[]> {
  const manifest = (await (await fetch(MANIFEST_URL)).json()) as Manifest;
  const application = manifest.applications.find((candidate) => candidate.id === APPLICATION);
  if (application === undefined) throw new RangeError(`The manifest at ${MANIFEST_URL} has no "${APPLICATION}" application; retrain with npm run train.`);
  return application.variants;
}

export class SneakPeekReplay extends LitElement {
  static override properties = {
    settings: { attribute: false },
    state: { state: true },
    progress: { state: true },
    rows: { state: true },
    summary: { state: true },
    stats: { state: true },
    report: { state: true },
    error: { state: true },
  };

  /** Replay settings; read from the query string by default, or the defaults when it is invalid. */
  settings: ReplaySettings;
  private state: ReplayState = 'idle';
  private progress: StartupProgress | undefined;
  private rows: ReplayRow[] = [];
  private summary: ReplaySummary | undefined;
  private stats: RuntimeStats | undefined;
  private report: ReplayReport | undefined;
  private error: string | undefined;
  private runtime: Runtime | undefined;
  private allRows: ReplayRow[] = [];

  constructor() {
    super();
    try {
      this.settings = settingsFromQuery(location.search);
    } catch (error) {
      // Show the invalid parameter and leave the page usable with the defaults.
      this.settings = settingsFromQuery('');
      this.error = error instanceof Error ? error.message : String(error);
      this.state = 'failed';
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.publish();
    if (this.settings.autorun && this.state === 'idle') void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.runtime?.dispose();
  }

  /** Starts the runtime (once) and replays the configured workload. */
  async start(): Promise<void> {
    if (this.state === 'starting' || this.state === 'running') return;
    this.state = 'starting';
    this.error = undefined;
    this.allRows = [];
    this.rows = [];
    this.summary = undefined;
    this.report = undefined;
    this.publish();

    try {
      const testSet: TestSet = await loadTestSet(MANIFEST_URL, APPLICATION);
      this.runtime ??= await createRuntime(
        {
          manifestUrl: MANIFEST_URL,
          variants: (await replayedVariants()).map((variant) => variant.id),
          provider: this.settings.provider,
          memoryBudgetBytes: this.settings.budget ?? (await defaultBudget()),
        },
        (progress) => (this.progress = progress),
      );
      const runtime = this.runtime;
      if (!runtime.ready.applications.some((application) => application.id === APPLICATION)) {
        const problems = (await runtime.stats()).modelProblems.map((problem) => problem.message);
        throw new Error(`The runtime serves no "${APPLICATION}" variant: ${problems.join('; ') || 'the manifest has none'}.`);
      }
      this.state = 'running';
      this.publish();

      const plan = planReplay(runtime, testSet, this.settings.workload, this.settings.requests, this.settings.seed);
      // Counters are cumulative over the runtime's life; the views show this replay's share.
      const baseline = await runtime.stats();
      const statsTimer = setInterval(() => void runtime.stats().then((stats) => (this.stats = sinceBaseline(stats, baseline))), 500);
      try {
        this.report = await runReplay(runtime, testSet, plan, (row) => this.addRow(row));
      } finally {
        clearInterval(statsTimer);
      }
      this.stats = sinceBaseline(await runtime.stats(), baseline);
      this.summary = this.report.summary;
      this.state = 'done';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.state = 'failed';
    }
    this.publish();
  }

  private addRow(row: ReplayRow): void {
    this.allRows.push(row);
    this.rows = [row, ...this.rows].slice(0, VISIBLE_ROWS);
    // Summarising every row on each outcome is O(n²) over a replay; every 20 rows is plenty for a view.
    if (this.allRows.length % 20 === 0) this.summary = summarize(this.allRows);
  }

  private publish(): void {
    const published: PublishedReplay = { state: this.state };
    if (this.report !== undefined) published.report = this.report;
    if (this.stats !== undefined) published.stats = this.stats;
    if (this.error !== undefined) published.error = this.error;
    window.sneakpeekReplay = published;
  }

  override render() {
    return html`
      <header>
        <h1>SneakPeek runtime</h1>
        <p class="subtitle">Product recognition on Fashion-MNIST test images, replayed as requests with deadlines.</p>
        <p><a href="./">Open the kiosk app</a> to submit single requests and watch the schedule.</p>
      </header>
      ${this.renderControls()} ${this.renderStatus()} ${this.renderSummary()} ${this.renderPhases()} ${this.renderRows()}
    `;
  }

  private renderControls() {
    const busy = this.state === 'starting' || this.state === 'running';
    return html`<section class="controls" aria-label="Replay settings">
      <label
        >Workload
        <select
          .value=${this.settings.workload}
          ?disabled=${busy}
          @change=${(event: Event) => (this.settings = { ...this.settings, workload: (event.target as HTMLSelectElement).value as WorkloadName })}
        >
          <option value="default">light, heavy, light</option>
          <option value="light">light, generous deadlines</option>
        </select>
      </label>
      <label
        >Requests
        <input
          type="number"
          min="1"
          max="10000"
          .value=${String(this.settings.requests)}
          ?disabled=${busy}
          @change=${(event: Event) => (this.settings = { ...this.settings, requests: Number((event.target as HTMLInputElement).value) })}
        />
      </label>
      <button @click=${() => void this.start()} ?disabled=${busy}>${this.state === 'done' ? 'Replay again' : 'Start replay'}</button>
    </section>`;
  }

  private renderStatus() {
    if (this.state === 'failed') return html`<p class="error" role="alert">Failed: ${this.error}</p>`;
    if (this.state === 'starting') {
      const fraction = this.progress?.fraction;
      return html`<p class="status" role="status">
        ${this.progress?.message ?? 'starting'}
        ${fraction === undefined ? nothing : html`<progress max="1" .value=${fraction} aria-label="start-up progress"></progress>`}
      </p>`;
    }
    if (this.runtime === undefined) return nothing;
    return html`<p class="status" role="status">
      Provider <strong>${this.runtime.ready.provider}</strong>: ${this.runtime.ready.providerNote}. State: ${this.state}.
    </p>`;
  }

  private renderSummary() {
    const summary = this.summary;
    if (summary === undefined) return nothing;
    const stats = this.stats;
    const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;
    const meanBatch = stats === undefined || stats.batches === 0 ? '–' : (stats.batchedRequests / stats.batches).toFixed(2);
    return html`<section class="cards" aria-label="Summary">
      ${card('Effective accuracy', percent(summary.effectiveAccuracy), 'correct and on time, of all requests')}
      ${card('Deadline satisfaction', percent(summary.deadlineSatisfaction), 'answered on time')}
      ${card('Served accuracy', percent(summary.servedAccuracy), 'correct, of answers given')}
      ${card('Requests', `${summary.requests}`, `${summary.completed} completed, ${summary.dropped} dropped`)}
      ${card('Batches', stats === undefined ? '–' : `${stats.batches}`, `mean size ${meanBatch}`)}
      ${card('Swaps', stats === undefined ? '–' : `${stats.swaps}`, stats === undefined ? '' : `${stats.evictions} evictions`)}
      ${card('Provider', this.runtime?.ready.provider ?? '–', stats === undefined ? '' : `resident: ${stats.resident.join(', ') || 'none'}`)}
    </section>`;
  }

  private renderPhases() {
    const summary = this.summary;
    if (summary === undefined) return nothing;
    const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;
    return html`<table class="phases">
      <caption>
        Per phase
      </caption>
      <thead>
        <tr>
          <th scope="col">Phase</th>
          <th scope="col">Requests</th>
          <th scope="col">Effective accuracy</th>
          <th scope="col">Deadline satisfaction</th>
          <th scope="col">Dropped</th>
          <th scope="col">Served by</th>
        </tr>
      </thead>
      <tbody>
        ${Object.entries(summary.byPhase).map(
          ([phase, figures]) => html`<tr>
            <th scope="row">${phase}</th>
            <td>${figures.requests}</td>
            <td>${percent(figures.effectiveAccuracy)}</td>
            <td>${percent(figures.deadlineSatisfaction)}</td>
            <td>${figures.dropped}</td>
            <td>${Object.entries(figures.servedByVariant).map(([variant, count]) => `${variant} ${count}`).join(', ')}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderRows() {
    if (this.rows.length === 0) return nothing;
    const classes = this.runtime?.ready.applications.find((application) => application.id === APPLICATION)?.classes ?? [];
    return html`<table class="requests">
      <caption>
        Latest ${this.rows.length} requests
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Phase</th>
          <th scope="col">True class</th>
          <th scope="col">Variant</th>
          <th scope="col">Answer</th>
          <th scope="col">Right?</th>
          <th scope="col">Deadline</th>
          <th scope="col">Batch</th>
        </tr>
      </thead>
      <tbody>
        ${this.rows.map((row) => {
          const outcome = row.outcome;
          const truth = classes[row.label] ?? String(row.label);
          if (outcome.status === 'dropped') {
            return html`<tr class="dropped">
              <td>${row.index}</td>
              <td>${row.phase}</td>
              <td>${truth}</td>
              <td colspan="3">dropped: ${outcome.reason}</td>
              <td>✗ dropped</td>
              <td>–</td>
            </tr>`;
          }
          const right = outcome.classIndex === row.label;
          return html`<tr>
            <td>${row.index}</td>
            <td>${row.phase}</td>
            <td>${truth}</td>
            <td>${outcome.variantId}</td>
            <td>${outcome.label}</td>
            <td class=${right ? 'good' : 'bad'}>${right ? '✓ right' : '✗ wrong'}</td>
            <td class=${outcome.deadlineMet ? 'good' : 'bad'}>
              ${outcome.deadlineMet ? '✓ met' : '✗ missed'} (${(outcome.finishedAt - outcome.arrival).toFixed(0)} ms)
            </td>
            <td>${outcome.batchSize}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  static override styles = css`
    :host {
      display: block;
      max-width: 1100px;
      margin: 0 auto;
      padding: 1rem 1.25rem 3rem;
    }
    h1 {
      margin: 0.2rem 0;
      font-size: 1.6rem;
    }
    .subtitle {
      margin: 0 0 1rem;
      color: #4a525c;
    }
    .controls {
      display: flex;
      flex-wrap: wrap;
      gap: 1rem;
      align-items: end;
      margin-bottom: 1rem;
    }
    label {
      display: flex;
      flex-direction: column;
      font-size: 0.9rem;
      gap: 0.25rem;
    }
    select,
    input,
    button {
      font: inherit;
      min-height: 2.75rem;
      padding: 0 0.75rem;
      border-radius: 0.4rem;
      border: 1px solid #8a939e;
      background: #fff;
    }
    button {
      background: #0b5cad;
      color: #fff;
      border-color: #0b5cad;
      cursor: pointer;
    }
    button:disabled {
      background: #6b7785;
      border-color: #6b7785;
    }
    .status {
      color: #2c333b;
    }
    .error {
      color: #a0111f;
      font-weight: 600;
    }
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
      gap: 0.75rem;
      margin: 1rem 0;
    }
    .card {
      background: #fff;
      border: 1px solid #d5dae0;
      border-radius: 0.5rem;
      padding: 0.75rem;
    }
    .card .value {
      font-size: 1.5rem;
      font-weight: 700;
    }
    .card .label,
    .card .note {
      font-size: 0.85rem;
      color: #4a525c;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      background: #fff;
      margin: 1rem 0;
      font-size: 0.9rem;
    }
    caption {
      text-align: left;
      font-weight: 600;
      padding: 0.4rem 0;
    }
    th,
    td {
      text-align: left;
      padding: 0.35rem 0.5rem;
      border-bottom: 1px solid #e3e7eb;
    }
    .good {
      color: #11652f;
    }
    .bad {
      color: #a0111f;
    }
    tr.dropped td {
      color: #6a3a00;
    }
  `;
}

/** Returns the counters of `current` minus those of `baseline`; gauges such as the resident set stay as they are. */
function sinceBaseline(current: RuntimeStats, baseline: RuntimeStats): RuntimeStats {
  const dropped = { ...current.dropped };
  for (const reason of Object.keys(dropped) as (keyof RuntimeStats['dropped'])[]) dropped[reason] -= baseline.dropped[reason];
  const servedByVariant: Record<string, number> = {};
  for (const [variant, count] of Object.entries(current.servedByVariant)) {
    const served = count - (baseline.servedByVariant[variant] ?? 0);
    if (served > 0) servedByVariant[variant] = served;
  }
  return {
    ...current,
    accepted: current.accepted - baseline.accepted,
    completed: current.completed - baseline.completed,
    deadlineMet: current.deadlineMet - baseline.deadlineMet,
    dropped,
    batches: current.batches - baseline.batches,
    batchedRequests: current.batchedRequests - baseline.batchedRequests,
    swaps: current.swaps - baseline.swaps,
    evictions: current.evictions - baseline.evictions,
    servedByVariant,
  };
}

function card(label: string, value: string, note: string) {
  return html`<div class="card">
    <div class="label">${label}</div>
    <div class="value">${value}</div>
    <div class="note">${note}</div>
  </div>`;
}

customElements.define('sneakpeek-replay', SneakPeekReplay);
