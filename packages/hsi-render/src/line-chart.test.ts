import { describe, expect, it } from 'vitest';
import { FONT_CHARACTERS, GLYPH_HEIGHT, textWidth } from './_font';
import { checkXml, countClass } from './_test-data';
import { type LineChartOptions, lineChart, lineChartLayout, lineChartSvg, logTicks } from './line-chart';

const RED: [number, number, number] = [214, 39, 40];
const BLUE: [number, number, number] = [31, 119, 180];
const INK: [number, number, number] = [51, 51, 51];

function pixel(image: { data: Uint8ClampedArray; width: number }, x: number, y: number): number[] {
  const o = (Math.round(y) * image.width + Math.round(x)) * 4;
  return [image.data[o], image.data[o + 1], image.data[o + 2]];
}

/** Pixels of exactly `color` inside [x0, x1) x [y0, y1). */
function count(
  image: { data: Uint8ClampedArray; width: number; height: number },
  color: readonly number[],
  [x0, y0, x1, y1]: [number, number, number, number],
): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++)
    for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
      const o = (y * image.width + x) * 4;
      if (image.data[o] === color[0] && image.data[o + 1] === color[1] && image.data[o + 2] === color[2]) n++;
    }
  return n;
}

const LOSS: LineChartOptions = {
  title: 'Training loss',
  xLabel: 'step',
  yLabel: 'loss (log scale)',
  logY: true,
  series: [
    {
      label: 'total',
      color: '#1f77b4',
      points: Array.from({ length: 40 }, (_, i) => [i, i < 20 ? 0.5 / (1 + i) : 2 / (1 + i)]),
    },
    { label: 'recon', color: '#d62728', points: Array.from({ length: 40 }, (_, i) => [i, 0.3 / (1 + i)]) },
  ],
  markers: [{ x: 20, label: 'L_ME -> L_MA' }],
};

describe('logTicks', () => {
  it('takes powers of ten over decades, 1-2-5 steps inside one or two, round values in a narrow range', () => {
    expect(logTicks(1e-4, 10)).toEqual([1e-4, 1e-3, 0.01, 0.1, 1, 10]);
    // 12.2 decades: every third power, at most about six ticks.
    expect(logTicks(1e-12, 1.5)).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1]);
    expect(logTicks(1e-10, 1.5)).toEqual([1e-10, 1e-8, 1e-6, 1e-4, 0.01, 1]);
    expect(logTicks(0.015, 0.6)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logTicks(0.25, 0.45)).toEqual([0.3, 0.4]);
    const narrow = logTicks(0.31, 0.38);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
    for (const t of narrow) expect(t >= 0.31 && t <= 0.38).toBe(true);
  });
});

describe('lineChartLayout', () => {
  it('maps data to pixels linearly (and log10 on a log axis), the plot left of the legend', () => {
    const layout = lineChartLayout({
      series: [
        {
          label: 'a',
          points: [
            [0, 0],
            [10, 10],
          ],
        },
      ],
      width: 400,
      height: 300,
    });
    expect(layout.xRange).toEqual([0, 10]);
    expect(layout.yRange).toEqual([0, 10]);
    // Closed form: the middle of the data is the middle of the plot area.
    expect(layout.xPixel(5)).toBeCloseTo((layout.left + layout.right) / 2, 9);
    expect(layout.yPixel(5)).toBeCloseTo((layout.top + layout.bottom) / 2, 9);
    expect(layout.yPixel(10)).toBeCloseTo(layout.top, 9);
    expect(layout.legend?.x).toBeGreaterThan(layout.right);
    expect((layout.legend?.x ?? 0) + (layout.legend?.width ?? 0)).toBeLessThanOrEqual(400);

    const log = lineChartLayout(LOSS);
    const [low, high] = log.yRange;
    expect(low).toBeLessThan(0.3 / 40);
    expect(high).toBeGreaterThan(2 / 21);
    const y = (v: number) =>
      log.bottom - ((Math.log10(v) - Math.log10(low)) / Math.log10(high / low)) * (log.bottom - log.top);
    for (const v of [0.01, 0.05, 0.1]) expect(log.yPixel(v)).toBeCloseTo(y(v), 9);
    expect(log.yTicks.map((t) => t.label)).toContain('0.01');
    expect(log.markers).toHaveLength(1);
    expect(log.markers[0].pixel).toBeCloseTo(log.xPixel(20), 9);
  });
});

describe('lineChartSvg', () => {
  it('draws axes, ticks, labels, a legend entry per series, markers, and splits lines at gaps', () => {
    const svg = lineChartSvg(LOSS);
    checkXml(svg);
    expect(svg).toBe(lineChartSvg(LOSS)); // deterministic
    const layout = lineChartLayout(LOSS);
    expect(countClass(svg, 'x-tick-label')).toBe(layout.xTicks.length);
    expect(countClass(svg, 'y-tick-label')).toBe(layout.yTicks.length);
    expect(countClass(svg, 'legend-label')).toBe(2);
    expect(countClass(svg, 'marker')).toBe(1);
    expect(svg).toContain('L_ME -&gt; L_MA');
    for (const text of ['Training loss', '>step<', 'loss (log scale)', '>total<', '>recon<'])
      expect(svg).toContain(text);
    const gaps = lineChartSvg({
      series: [
        {
          label: 'a',
          points: [
            [0, 1],
            [1, 2],
            [2, Number.NaN],
            [3, 1],
            [4, 2],
          ],
        },
      ],
    });
    expect(countClass(gaps, 'series-line')).toBe(2);
  });

  it('names what it expected', () => {
    expect(() => lineChartSvg(null as unknown as LineChartOptions)).toThrow(
      /expected an options object, got null/,
    );
    expect(() => lineChartSvg({ series: 'x' as unknown as [] })).toThrow(/options.series: expected an array/);
    expect(() =>
      lineChartSvg({ series: [{ label: 'a', points: [[0, 1, 2]] as unknown as [number, number][] }] }),
    ).toThrow(/series\[0\].points\[0\]: expected \[x, y\] numbers, got an array of length 3/);
    expect(() => lineChartSvg({ series: [{ label: 'a', points: [[Number.NaN, 1]] }] })).toThrow(
      /expected a finite x, got NaN/,
    );
    expect(() => lineChartSvg({ series: [{ label: 'a', points: [], color: 'red' }] })).toThrow(
      /series\[0\].color: expected a colour '#rrggbb', got "red"/,
    );
    expect(() => lineChartSvg({ series: [], markers: [{ x: Number.POSITIVE_INFINITY }] })).toThrow(
      /markers\[0\]/,
    );
    expect(() => lineChartSvg({ series: [], width: 60, height: 40 })).toThrow(
      /expected a chart of at least .* got 60 x 40/,
    );
  });
});

describe('lineChart (pixels)', () => {
  it('draws the lines where the layout puts them, the marker dashed, and text for every label', () => {
    const image = lineChart(LOSS);
    const { layout } = image;
    expect([image.width, image.height]).toEqual([720, 400]);
    // The lines: the pixel at every data point has the series colour (recon is drawn last, on top).
    for (let i = 0; i < 40; i += 3) {
      expect(pixel(image, layout.xPixel(i), layout.yPixel(0.3 / (1 + i)))).toEqual(RED);
    }
    expect(pixel(image, layout.xPixel(5), layout.yPixel(0.5 / 6))).toEqual(BLUE);
    // No series colour outside the plot area, except the legend swatches.
    const legend = layout.legend;
    if (!legend) throw new Error('no legend');
    const outside =
      count(image, BLUE, [0, 0, image.width, image.height]) -
      count(image, BLUE, [layout.left, layout.top - 1, layout.right + 2, layout.bottom + 2]) -
      count(image, BLUE, [legend.x, legend.y, legend.x + legend.width, legend.y + legend.height]);
    expect(outside).toBe(0);
    // The marker: a dashed vertical line (4 on, 3 off) of its colour across the plot.
    const markerPixels = count(
      image,
      [0x55, 0x55, 0x55],
      [
        Math.round(layout.markers[0].pixel),
        layout.top,
        Math.round(layout.markers[0].pixel) + 1,
        layout.bottom + 1,
      ],
    );
    const height = layout.bottom - layout.top;
    expect(markerPixels).toBeGreaterThan(height * 0.4);
    expect(markerPixels).toBeLessThan(height * 0.75);
    // Text: tick labels left of and below the plot, the axis labels, the title and the legend labels.
    expect(count(image, INK, [0, layout.top - 4, layout.left - 4, layout.bottom + 4])).toBeGreaterThan(
      layout.yTicks.length * 10 + 'loss (log scale)'.length * 5,
    );
    expect(
      count(image, INK, [layout.left - 20, layout.bottom + 4, layout.right + 20, image.height]),
    ).toBeGreaterThan((layout.xTicks.length + 'step'.length) * 5);
    expect(count(image, INK, [0, 0, image.width, layout.top - 4])).toBeGreaterThan(
      'Training loss'.length * 20,
    );
    for (const e of legend.entries) {
      const ink = count(image, INK, [e.textX, e.y, e.textX + textWidth(e.label, 1), e.y + GLYPH_HEIGHT]);
      expect(ink, e.label).toBeGreaterThan(e.label.length * 5);
      expect(pixel(image, e.swatchX + 9, e.y + Math.floor(GLYPH_HEIGHT / 2))).toEqual(
        e.label === 'total' ? BLUE : RED,
      );
    }
  });

  it('the font has every printable ASCII character', () => {
    for (let code = 32; code < 127; code++) expect(FONT_CHARACTERS).toContain(String.fromCharCode(code));
  });
});
