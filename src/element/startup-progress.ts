/**
 * Start-up progress as the element shows it: one bar per downloaded model and one for profiling,
 * folded from the runtime's `StartupProgress` reports.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { StartupProgress } from '../protocol/messages.js';

export interface StartupView {
  /** Message of the latest report, for the live status line. */
  message: string;
  /** Fraction downloaded per model id, in the order the downloads started. */
  downloads: ReadonlyMap<string, number>;
  /** Fraction of the models profiled; undefined until profiling reports one. */
  profile: number | undefined;
  /** Whether profiling has started. */
  profiling: boolean;
}

export const EMPTY_STARTUP: StartupView = Object.freeze({ message: 'starting', downloads: new Map(), profile: undefined, profiling: false });

/** Returns the view after one more report; the input is left unchanged. */
export function foldProgress(view: StartupView, progress: StartupProgress): StartupView {
  const next: StartupView = { ...view, message: progress.message };
  if (progress.stage === 'download' && progress.modelId !== undefined && progress.fraction !== undefined) {
    next.downloads = new Map(view.downloads).set(progress.modelId, progress.fraction);
  }
  if (progress.stage === 'profile') {
    next.profiling = true;
    // Reports about SneakPeek models carry no fraction; the bar keeps the variants' fraction.
    if (progress.fraction !== undefined) next.profile = progress.fraction;
  }
  if (progress.stage === 'ready') next.profile = 1;
  return next;
}

/** Renders the labelled bars; a bar without a known fraction is indeterminate. */
export function renderStartup(view: StartupView): TemplateResult {
  return html`<div class="startup">
    <p class="message" role="status" aria-live="polite">${view.message}</p>
    ${[...view.downloads].map(
      ([modelId, fraction]) => html`<label class="bar">
        <span>${fraction >= 1 ? 'Downloaded' : 'Downloading'} ${modelId}</span>
        <progress max="1" .value=${fraction}>${Math.round(fraction * 100)}%</progress>
        <span class="percent">${Math.round(fraction * 100)}%</span>
      </label>`,
    )}
    ${view.profiling
      ? html`<label class="bar">
          <span>Profiling models on this device</span>
          ${view.profile === undefined
            ? html`<progress max="1"></progress><span class="percent"></span>`
            : html`<progress max="1" .value=${view.profile}>${Math.round(view.profile * 100)}%</progress>
                <span class="percent">${Math.round(view.profile * 100)}%</span>`}
        </label>`
      : nothing}
  </div>`;
}
