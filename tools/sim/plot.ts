/**
 * Line charts as standalone SVG: one metric against load, one line per policy, with the 95%
 * interval over seeds drawn as an error bar at each point. Lines differ in colour, dash pattern
 * and marker shape, so a reader who cannot tell the colours apart can still follow them.
 */

import type { Interval } from '../../src/core/simulator/statistics.js';

/** One line: a label and one interval per load. */
export interface PlotSeries {
  label: string;
  points: readonly { load: number; value: Interval }[];
}

/** One panel of a chart: a title and its lines. */
export interface PlotPanel {
  title: string;
  series: readonly PlotSeries[];
}

export interface PlotSpec {
  title: string;
  /** Axis label of the metric, for example "effective accuracy". */
  metric: string;
  panels: readonly PlotPanel[];
  /** Bounds the metric cannot leave, such as [0, 1] for a share; error bars are cut to them. */
  bounds?: readonly [number, number];
}

// Okabe and Ito's palette, which stays distinguishable under the common colour-vision deficiencies,
// with its yellow replaced by a darker ochre that reads on white.
const COLOURS = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#D55E00', '#0072B2', '#CC79A7', '#7f7f7f', '#8C6D1F'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross'] as const;

const PANEL_WIDTH = 470;
const PLOT_HEIGHT = 300;
const MARGIN = { left: 64, right: 16, top: 56, bottom: 48 };
const LEGEND_ROW = 18;
const LEGEND_COLUMNS = 2;

/**
 * Renders the chart as an SVG document. Each panel has its own y axis range, fitted to its lines,
 * so small differences between close policies stay visible.
 */
export function renderPlot(spec: PlotSpec): string {
  if (spec.panels.length === 0) throw new RangeError(`Plot "${spec.title}" has no panels. Give it at least one panel with one series.`);
  const loads = [...new Set(spec.panels.flatMap((panel) => panel.series.flatMap((series) => series.points.map((point) => point.load))))].sort(
    (left, right) => left - right,
  );
  const xMin = loads[0] as number;
  const xMax = loads[loads.length - 1] as number;

  const legendRows = Math.max(...spec.panels.map((panel) => Math.ceil(panel.series.length / LEGEND_COLUMNS)));
  const width = spec.panels.length * PANEL_WIDTH;
  const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + legendRows * LEGEND_ROW + 12;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(spec.title)}</text>`,
  ];

  const [lowest, highest] = spec.bounds ?? [-Infinity, Infinity];
  const bound = (value: number): number => Math.min(highest, Math.max(lowest, value));

  spec.panels.forEach((panel, panelIndex) => {
    const left = panelIndex * PANEL_WIDTH + MARGIN.left;
    const right = (panelIndex + 1) * PANEL_WIDTH - MARGIN.right;
    const top = MARGIN.top;
    const bottom = MARGIN.top + PLOT_HEIGHT;
    const finite = panel.series
      .flatMap((series) => series.points.flatMap((point) => [point.value.mean, point.value.low, point.value.high]))
      .filter((value) => Number.isFinite(value))
      .map(bound);
    if (finite.length === 0) throw new RangeError(`Panel "${panel.title}" of plot "${spec.title}" has no finite values to draw.`);
    const [niceLow, niceHigh] = niceRange(Math.min(...finite), Math.max(...finite));
    const yMin = Math.max(niceLow, lowest);
    const yMax = Math.min(niceHigh, highest);
    const x = (load: number): number => (xMax === xMin ? (left + right) / 2 : left + ((load - xMin) / (xMax - xMin)) * (right - left));
    const y = (value: number): number => bottom - ((value - yMin) / (yMax - yMin)) * (bottom - top);

    parts.push(`<text x="${(left + right) / 2}" y="${top - 14}" text-anchor="middle" font-size="13">${escapeXml(panel.title)}</text>`);
    for (const tick of yTicks(yMin, yMax)) {
      parts.push(
        `<line x1="${left}" x2="${right}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}" stroke="#e3e3e3"/>`,
        `<text x="${left - 6}" y="${fixed(y(tick) + 4)}" text-anchor="end">${tick.toFixed(tickDigits(yMin, yMax))}</text>`,
      );
    }
    for (const load of loads) {
      parts.push(
        `<line x1="${fixed(x(load))}" x2="${fixed(x(load))}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`,
        `<text x="${fixed(x(load))}" y="${bottom + 18}" text-anchor="middle">${load}</text>`,
      );
    }
    parts.push(
      `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333"/>`,
      `<text x="${(left + right) / 2}" y="${bottom + 36}" text-anchor="middle">load factor</text>`,
      `<text transform="translate(${left - 48} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.metric)}</text>`,
    );

    panel.series.forEach((series, seriesIndex) => {
      const style = seriesStyle(seriesIndex);
      const points = [...series.points].filter((point) => Number.isFinite(point.value.mean)).sort((a, b) => a.load - b.load);
      parts.push(`<g aria-label="${escapeXml(series.label)}">`);
      const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${fixed(x(point.load))} ${fixed(y(point.value.mean))}`).join(' ');
      parts.push(
        `<path d="${path}" fill="none" stroke="${style.colour}" stroke-width="1.6"${style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`}/>`,
      );
      for (const point of points) {
        const px = x(point.load);
        if (Number.isFinite(point.value.low) && Number.isFinite(point.value.high)) {
          parts.push(
            `<line x1="${fixed(px)}" x2="${fixed(px)}" y1="${fixed(y(bound(point.value.low)))}" y2="${fixed(y(bound(point.value.high)))}" stroke="${style.colour}" stroke-width="1"/>`,
          );
        }
        parts.push(marker(style.marker, px, y(point.value.mean), style.colour));
      }
      parts.push('</g>');

      const column = seriesIndex % LEGEND_COLUMNS;
      const row = Math.floor(seriesIndex / LEGEND_COLUMNS);
      const legendX = left + column * ((right - left) / LEGEND_COLUMNS);
      const legendY = bottom + MARGIN.bottom + row * LEGEND_ROW + 4;
      parts.push(
        `<line x1="${legendX}" x2="${legendX + 28}" y1="${legendY}" y2="${legendY}" stroke="${style.colour}" stroke-width="1.6"${style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`}/>`,
        marker(style.marker, legendX + 14, legendY, style.colour),
        `<text x="${legendX + 34}" y="${legendY + 4}">${escapeXml(series.label)}</text>`,
      );
    });
  });

  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function seriesStyle(index: number): { colour: string; dash: string; marker: (typeof MARKERS)[number] } {
  return {
    colour: COLOURS[index % COLOURS.length] as string,
    dash: DASHES[Math.floor(index / 3) % DASHES.length] as string,
    marker: MARKERS[index % MARKERS.length] as (typeof MARKERS)[number],
  };
}

function marker(shape: (typeof MARKERS)[number], x: number, y: number, colour: string): string {
  const r = 3.5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${r}" fill="${colour}"/>`;
    case 'square':
      return `<rect x="${fixed(x - r)}" y="${fixed(y - r)}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 'triangle':
      return `<path d="M${fixed(x)} ${fixed(y - r - 1)} L${fixed(x + r + 1)} ${fixed(y + r)} L${fixed(x - r - 1)} ${fixed(y + r)} Z" fill="${colour}"/>`;
    case 'diamond':
      return `<path d="M${fixed(x)} ${fixed(y - r - 1)} L${fixed(x + r + 1)} ${fixed(y)} L${fixed(x)} ${fixed(y + r + 1)} L${fixed(x - r - 1)} ${fixed(y)} Z" fill="${colour}"/>`;
    case 'cross':
      return `<path d="M${fixed(x - r)} ${fixed(y - r)} L${fixed(x + r)} ${fixed(y + r)} M${fixed(x + r)} ${fixed(y - r)} L${fixed(x - r)} ${fixed(y + r)}" stroke="${colour}" stroke-width="2"/>`;
    default: {
      const unknown: never = shape;
      throw new RangeError(`Unknown marker ${String(unknown)}.`);
    }
  }
}

/** Widens [low, high] to multiples of a round step, with a little room on each side. */
export function niceRange(low: number, high: number): [number, number] {
  const span = Math.max(high - low, 0.01);
  const step = tickStep(span);
  let start = Math.floor((low - span * 0.03) / step) * step;
  let end = Math.ceil((high + span * 0.03) / step) * step;
  if (start === end) {
    start -= step;
    end += step;
  }
  return [round(start), round(end)];
}

function tickStep(span: number): number {
  const raw = span / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / magnitude;
  for (const nice of [1, 2, 5]) {
    if (scaled <= nice) return nice * magnitude;
  }
  return 10 * magnitude;
}

function yTicks(low: number, high: number): number[] {
  const step = tickStep(high - low);
  const ticks: number[] = [];
  for (let tick = Math.ceil(round(low / step)) * step; tick <= high + step / 1000; tick += step) ticks.push(round(tick));
  return ticks;
}

function tickDigits(low: number, high: number): number {
  return Math.max(2, -Math.floor(Math.log10(tickStep(high - low))));
}

function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
