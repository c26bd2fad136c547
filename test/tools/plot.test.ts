import { describe, expect, it } from 'vitest';

import { confidenceInterval95 } from '../../src/core/simulator/statistics.js';
import { niceRange, renderPlot } from '../../tools/sim/plot.js';

const interval = (values: number[]) => confidenceInterval95(values);

describe('renderPlot', () => {
  const spec = {
    title: 'A & B <test>',
    metric: 'effective accuracy',
    panels: [
      {
        title: 'left',
        series: [
          { label: 'first', points: [{ load: 1, value: interval([0.9, 0.92]) }, { load: 2, value: interval([0.8, 0.84]) }] },
          { label: 'second', points: [{ load: 1, value: interval([0.7]) }, { load: 2, value: interval([0.6]) }] },
        ],
      },
    ],
  };

  it('draws lines and interval error bars', () => {
    const svg = renderPlot(spec);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    expect(svg.match(/<g aria-label="/g)).toHaveLength(2);
    // Two error bars for the two-seed series, none for the single-seed one.
    const group = (label: string): string => {
      const start = svg.indexOf(`aria-label="${label}"`);
      return svg.slice(start, svg.indexOf('</g>', start));
    };
    const firstGroup = group('first');
    expect(firstGroup.match(/<line /g)).toHaveLength(2);
    expect(group('second').match(/<line /g)).toBeNull();
  });

  it('escapes text', () => {
    expect(renderPlot(spec)).toContain('A &amp; B &lt;test&gt;');
  });

  it('rejects a chart without panels or values', () => {
    expect(() => renderPlot({ ...spec, panels: [] })).toThrow(/no panels/);
    expect(() => renderPlot({ ...spec, panels: [{ title: 'empty', series: [] }] })).toThrow(/no finite values/);
  });
});

describe('renderPlot bounds', () => {
  it('cuts error bars and the axis at the bounds', () => {
    const wide = { n: 2, mean: 0.05, sd: 0.1, halfWidth: 0.3, low: -0.25, high: 0.35 };
    const svg = renderPlot({ title: 't', metric: 'm', bounds: [0, 1], panels: [{ title: 'p', series: [{ label: 's', points: [{ load: 1, value: wide }] }] }] });
    expect(svg).not.toContain('>-0.');
    expect(svg).toContain('>0.00<');
  });
});

describe('niceRange', () => {
  it('widens to round steps around the values', () => {
    const [low, high] = niceRange(0.853, 0.947);
    expect(low).toBeLessThanOrEqual(0.853);
    expect(high).toBeGreaterThanOrEqual(0.947);
    expect(Math.abs(low * 100 - Math.round(low * 100))).toBeLessThan(1e-9);
    expect(high - low).toBeLessThan(0.2);
  });

  it('opens a flat range', () => {
    const [low, high] = niceRange(0.5, 0.5);
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(0.5);
  });
});
