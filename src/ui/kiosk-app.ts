/**
 * `<sneakpeek-kiosk>`: the app's start page. A headless `<sneakpeek-runtime>` element starts one
 * runtime for every application in the manifest and shows its start-up progress. The kiosk then
 * lays out the request view beside the schedule view, with a full-screen button and a sample load
 * that replays product test images so the schedule has something to show.
 *
 * Query parameters: `provider` (`auto`, `webgpu` or `wasm`), `budget` (memory budget in bytes)
 * and `load` (replay that many product requests as soon as the runtime is ready).
 *
 * The state is published as `window.sneakpeekKiosk`, with the runtime itself, so scripts
 * (Playwright, DevTools) can read `stats()` or submit requests to the runtime the views show.
 */
import { LitElement, css, html, nothing } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { Runtime } from '../client/runtime.js';
import type { SneakPeekErrorEvent, SneakPeekReadyEvent } from '../element/events.js';
import type { ModelProblem, ProviderPreference } from '../protocol/messages.js';
import { planReplay, runReplay, WorkloadName, type ReplayReport } from './replay.js';
import { budgetFromQuery, providerFromQuery } from './query-settings.js';
import { loadTestSet } from './test-set.js';
import '../element/define.js';
import './views/request-view.js';
import './views/schedule-view.js';

/** The application the sample load replays. */
const LOAD_APPLICATION = 'product';
const DEFAULT_LOAD_REQUESTS = 600;
/** Largest sample load the kiosk button starts. */
const MAX_LOAD_REQUESTS = 10_000;

export type KioskState = 'starting' | 'ready' | 'failed';

/** State the page publishes on `window.sneakpeekKiosk`. */
export interface PublishedKiosk {
  state: KioskState;
  runtime?: Runtime;
  error?: string;
  /** The sample load: running, or its report once done. */
  load?: { state: 'running' | 'done' | 'failed'; report?: ReplayReport; error?: string };
}

declare global {
  interface Window {
    sneakpeekKiosk?: PublishedKiosk;
  }
  interface HTMLElementTagNameMap {
    'sneakpeek-kiosk': SneakPeekKiosk;
  }
}

export interface KioskSettings {
  provider: ProviderPreference;
  /** Memory budget in bytes, or undefined for the runtime's default. */
  budget: number | undefined;
  /** Requests of the sample load to start when ready; 0 starts none. */
  load: number;
}

/** Reads the kiosk's settings from a query string; an invalid value raises an error naming it. */
export function kioskSettingsFromQuery(search: string): KioskSettings {
  const query = new URLSearchParams(search);
  const provider = providerFromQuery(query);
  const budget = budgetFromQuery(query);
  const load = Number(query.get('load') ?? 0);
  if (!Number.isInteger(load) || load < 0) throw new RangeError(`Query parameter load=${query.get('load')} must be a whole number of requests, 0 or more.`);
  return { provider, budget, load };
}

export class SneakPeekKiosk extends LitElement {
  static override properties = {
    state: { state: true },
    error: { state: true },
    settings: { state: true },
    runtime: { state: true },
    loadState: { state: true },
    loadRequests: { state: true },
    fullScreen: { state: true },
    problems: { state: true },
  };

  private state: KioskState = 'starting';
  private error: string | undefined;
  /** Settings from the query string; undefined when one is invalid. */
  private settings: KioskSettings | undefined;
  private runtime: Runtime | undefined;
  private loadState: 'idle' | 'running' | 'done' | 'failed' = 'idle';
  private loadRequests = DEFAULT_LOAD_REQUESTS;
  private fullScreen = false;
  /** Models the runtime could not serve, such as variants larger than the memory budget. */
  private problems: ModelProblem[] = [];
  private published: PublishedKiosk = { state: 'starting' };
  private readonly onFullScreenChange = (): void => {
    this.fullScreen = document.fullscreenElement !== null;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('fullscreenchange', this.onFullScreenChange);
    this.publish({ state: 'starting' });
    try {
      this.settings = kioskSettingsFromQuery(location.search);
      if (this.settings.load > 0) this.loadRequests = this.settings.load;
    } catch (error) {
      this.fail(error);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('fullscreenchange', this.onFullScreenChange);
  }

  /** Takes the runtime of the `<sneakpeek-runtime>` element once it is ready. */
  private ready(event: SneakPeekReadyEvent): void {
    this.runtime = event.runtime;
    this.state = 'ready';
    this.error = undefined;
    this.publish({ state: 'ready', runtime: this.runtime, error: undefined });
    // A variant left out at start (too large for the budget, a download that failed) is shown
    // here, so an application missing from the views has a visible reason.
    void this.runtime.stats().then(
      (stats) => (this.problems = stats.modelProblems),
      () => undefined,
    );
    if (this.settings !== undefined && this.settings.load > 0) void this.runSampleLoad();
  }

  private fail(error: unknown): void {
    this.error = error instanceof Error ? error.message : String(error);
    this.state = 'failed';
    this.publish({ state: 'failed', error: this.error });
  }

  /** Replays product test images as the default workload: light, heavy, then light again. */
  async runSampleLoad(): Promise<void> {
    const runtime = this.runtime;
    if (runtime === undefined || this.loadState === 'running') return;
    this.loadState = 'running';
    this.publish({ load: { state: 'running' } });
    try {
      const testSet = await loadTestSet(runtime.ready.manifestUrl, LOAD_APPLICATION);
      const plan = planReplay(runtime, testSet, WorkloadName.Default, this.loadRequests, Date.now() % 1000);
      const report = await runReplay(runtime, testSet, plan, () => undefined);
      this.loadState = 'done';
      this.publish({ load: { state: 'done', report } });
    } catch (error) {
      this.loadState = 'failed';
      this.publish({ load: { state: 'failed', error: error instanceof Error ? error.message : String(error) } });
    }
  }

  /** Takes the typed request count when it is a whole number from 1 to the field's maximum; else says so and shows the count in use. */
  private setLoadRequests(field: HTMLInputElement): void {
    const value = Number(field.value);
    if (Number.isInteger(value) && value >= 1 && value <= MAX_LOAD_REQUESTS) {
      this.loadRequests = value;
      field.setCustomValidity('');
      return;
    }
    field.setCustomValidity(`Type a whole number of requests from 1 to ${MAX_LOAD_REQUESTS}; keeping ${this.loadRequests}.`);
    field.reportValidity();
    field.value = String(this.loadRequests);
  }

  private publish(change: Partial<PublishedKiosk>): void {
    this.published = { ...this.published, ...change };
    window.sneakpeekKiosk = this.published;
  }

  private toggleFullScreen(): void {
    // A refusal (no user gesture, a policy) leaves the page as it is; the button stays usable.
    if (document.fullscreenElement === null) void document.documentElement.requestFullscreen().catch(() => undefined);
    else void document.exitFullscreen().catch(() => undefined);
  }

  override render() {
    return html`
      <header>
        <div class="title">
          <h1>SneakPeek runtime</h1>
          ${this.renderStatus()}
        </div>
        <nav aria-label="Page actions">
          ${this.runtime === undefined
            ? nothing
            : html`<label class="load"
                  >Requests
                  <input
                    type="number"
                    min="1"
                    max=${MAX_LOAD_REQUESTS}
                    .value=${String(this.loadRequests)}
                    ?disabled=${this.loadState === 'running'}
                    @change=${(event: Event) => this.setLoadRequests(event.target as HTMLInputElement)}
                  />
                </label>
                <button type="button" ?disabled=${this.loadState === 'running'} @click=${() => void this.runSampleLoad()}>
                  ${this.loadState === 'running' ? 'Sample load running…' : 'Run sample load'}
                </button>`}
          ${document.fullscreenEnabled
            ? html`<button type="button" class="secondary" aria-pressed=${String(this.fullScreen)} @click=${() => this.toggleFullScreen()}>
                ${this.fullScreen ? 'Leave full screen' : 'Full screen'}
              </button>`
            : nothing}
          <a href="./replay.html">Replay page</a>
        </nav>
      </header>
      ${this.settings === undefined
        ? html`<p class="error" role="alert">The app did not start: ${this.error}</p>`
        : html`<sneakpeek-runtime
            headless
            provider=${this.settings.provider}
            memory-budget=${ifDefined(this.settings.budget)}
            @ready=${(event: SneakPeekReadyEvent) => this.ready(event)}
            @error=${(event: SneakPeekErrorEvent) => this.fail(event.error)}
          ></sneakpeek-runtime>`}
      ${this.runtime === undefined
        ? nothing
        : html`<main>
            <section class="panel request" aria-label="Request"><sneakpeek-request-view .runtime=${this.runtime}></sneakpeek-request-view></section>
            <section class="panel schedule" aria-label="Schedule"><sneakpeek-schedule-view .runtime=${this.runtime}></sneakpeek-schedule-view></section>
          </main>`}
    `;
  }

  private renderStatus() {
    if (this.runtime === undefined) return nothing;
    const ready = this.runtime.ready;
    const load = { idle: '', running: ' Sample load running.', done: ' Sample load done.', failed: ` Sample load failed: ${this.published.load?.error ?? ''}` }[
      this.loadState
    ];
    return html`<p class="status">${ready.profiles.length} variants of ${ready.applications.length} applications.${load}</p>
      ${this.problems.length === 0
        ? nothing
        : html`<details class="problems">
            <summary>${this.problems.length} model${this.problems.length === 1 ? ' is' : 's are'} not served</summary>
            <ul>
              ${this.problems.map((problem) => html`<li><strong>${problem.modelId}</strong> (${problem.application}): ${problem.message}</li>`)}
            </ul>
          </details>`}`;
  }

  static override styles = css`
    :host {
      display: block;
      min-height: 100vh;
      box-sizing: border-box;
      padding: 0.75rem 1rem 2rem;
    }
    header {
      display: flex;
      flex-wrap: wrap;
      justify-content: space-between;
      align-items: center;
      gap: 0.5rem 1rem;
      margin-bottom: 0.75rem;
    }
    h1 {
      margin: 0;
      font-size: 1.5rem;
    }
    .status {
      margin: 0.2rem 0 0;
      color: #2c333b;
      font-size: 0.95rem;
    }
    .problems {
      margin: 0.3rem 0 0;
      font-size: 0.9rem;
      color: #7a3e00;
    }
    .problems summary {
      cursor: pointer;
      font-weight: 600;
    }
    nav {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.5rem;
    }
    nav a {
      display: inline-flex;
      align-items: center;
      min-height: 44px;
      padding: 0 0.6rem;
      color: #0b5cad;
      font-weight: 600;
    }
    .load {
      display: grid;
      font-size: 0.85rem;
    }
    .load input {
      font: inherit;
      font-size: 1rem;
      width: 6rem;
      min-height: 44px;
      box-sizing: border-box;
      padding: 0 0.4rem;
      border: 1px solid #52606d;
      border-radius: 0.3rem;
    }
    button {
      font: inherit;
      min-height: 44px;
      padding: 0 1rem;
      border: 2px solid #0b5cad;
      border-radius: 0.4rem;
      background: #0b5cad;
      color: #fff;
      font-weight: 600;
      cursor: pointer;
    }
    button.secondary {
      background: #fff;
      color: #0b5cad;
    }
    button:disabled {
      background: #52606d;
      border-color: #52606d;
    }
    button:focus-visible,
    a:focus-visible,
    input:focus-visible {
      outline: 3px solid #0b5cad;
      outline-offset: 2px;
    }
    main {
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      gap: 1rem;
    }
    @media (min-width: 1200px) {
      main {
        grid-template-columns: minmax(26rem, 2fr) minmax(0, 3fr);
        align-items: start;
      }
    }
    .panel {
      background: #fbfcfd;
      border: 1px solid #c4cbd3;
      border-radius: 0.6rem;
      padding: 0.8rem 1rem;
      min-width: 0;
    }
    .error {
      color: #a0111f;
      font-weight: 600;
    }
  `;
}

customElements.define('sneakpeek-kiosk', SneakPeekKiosk);
