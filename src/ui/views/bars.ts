/**
 * Horizontal bars with their figures written beside them, shared by the views. A bar's length
 * shows a fraction. Its label, its number and optional marker words ("chosen", "answer") carry
 * the same facts in text, so nothing depends on colour.
 *
 * Each bar is an SVG rectangle sized by its `width` attribute. A `style` attribute would need
 * `'unsafe-inline'` in the page's Content-Security-Policy, and Lit's `styleMap` writes one on its
 * first render.
 */
import { css, html, svg } from 'lit';

export interface Bar {
  /** Stable key, written to `data-key` for scripts and tests. */
  key: string;
  label: string;
  /** Fraction in [0, 1]; values outside are clamped for drawing and written as they are. */
  value: number;
  /** Words written after the number, for example "chosen". */
  markers?: string[];
}

/** Renders a list of bars; `name` goes to `data-bars` so scripts can find the list. */
export function barList(name: string, caption: string, bars: readonly Bar[]) {
  return html`<figure class="bars" data-bars=${name}>
    <figcaption>${caption}</figcaption>
    <ul>
      ${bars.map(
        (bar) => html`<li data-key=${bar.key} data-value=${String(bar.value)} class=${(bar.markers ?? []).length === 0 ? '' : 'marked'}>
          <span class="bar-label">${bar.label}</span>
          <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            ${svg`<rect class="bar-fill" width=${(100 * clamp(bar.value)).toFixed(2)} height="10"></rect>`}
          </svg>
          <span class="bar-value">${percent(bar.value)}${(bar.markers ?? []).map((marker) => html` <strong>${marker}</strong>`)}</span>
        </li>`,
      )}
    </ul>
  </figure>`;
}

/** Formats a fraction as a percentage with one decimal. */
export function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

export const barStyles = css`
  .bars {
    margin: 0.5rem 0 1rem;
  }
  .bars figcaption {
    font-weight: 600;
    margin-bottom: 0.35rem;
  }
  .bars ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    grid-template-columns: minmax(6rem, max-content) minmax(4rem, 1fr) minmax(4.5rem, max-content);
    gap: 0.3rem 0.6rem;
    align-items: center;
  }
  .bars li {
    display: contents;
  }
  .bar-track {
    display: block;
    width: 100%;
    height: 0.9rem;
    background: #e3e7eb;
  }
  .bar-fill {
    fill: #52606d;
  }
  .marked .bar-fill {
    fill: #0b5cad;
  }
  .marked .bar-label {
    font-weight: 700;
  }
  .bar-value {
    font-variant-numeric: tabular-nums;
    text-align: right;
  }
`;
