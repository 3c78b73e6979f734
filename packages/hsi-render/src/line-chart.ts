import { drawText, drawTextUp, GLYPH_HEIGHT, textWidth } from './_font';
import { coord, escapeXml, niceRange, niceTicks, SERIES_COLORS, svgOpen, tickText } from './_svg';
import { describeValue, expectPositiveInteger, HsiRenderInputError } from './_validate';
import type { RgbaImage } from './cube';

/** One line of a chart: `[x, y]` points in order; a non-finite y (or y <= 0 on a log axis) is a gap. */
export interface LineSeries {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  /** '#rrggbb' (default: a fixed palette). */
  readonly color?: string;
}

/** A vertical line at `x` across the plot, labelled (e.g. where a training objective switches). */
export interface LineChartMarker {
  readonly x: number;
  readonly label?: string;
  /** '#rrggbb' (default '#555555'). */
  readonly color?: string;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (losses); ticks at 1-2-5 steps or powers of ten. Default false. */
  logY?: boolean;
  markers?: readonly LineChartMarker[];
  /** Pixels (default 720 x 400). */
  width?: number;
  height?: number;
}

/** Where everything of a line chart goes, in pixels (shared by the SVG and the raster picture). */
export interface LineChartLayout {
  readonly width: number;
  readonly height: number;
  /** The plot area: x from `left` to `right`, y from `top` (largest value) to `bottom`. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** Axis ranges in data units (a log axis keeps data units too). */
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly logY: boolean;
  /** Tick values in data units, and their labels. */
  readonly xTicks: readonly { value: number; label: string }[];
  readonly yTicks: readonly { value: number; label: string }[];
  readonly series: readonly {
    label: string;
    color: string;
    points: readonly (readonly [number, number])[];
  }[];
  /** The legend box (right of the plot) and, per series, where its swatch starts and its text's top-left. */
  readonly legend: {
    x: number;
    y: number;
    width: number;
    height: number;
    entries: readonly { label: string; color: string; swatchX: number; textX: number; y: number }[];
  } | null;
  /** Markers inside the x range: data x, pixel x, label (and where its text goes) and colour. */
  readonly markers: readonly { x: number; pixel: number; label: string; textX: number; color: string }[];
  /** Data to pixels. */
  xPixel(value: number): number;
  yPixel(value: number): number;
}

/** A line chart as RGBA pixels (text drawn with a 5 x 7 pixel font), with its layout. */
export interface LineChartImage extends RgbaImage {
  readonly layout: LineChartLayout;
}

const TICK = 4;
const TEXT = GLYPH_HEIGHT;
const TITLE_SCALE = 2;
const SWATCH = 18;
const LEGEND_ROW = 16;
const MARKER_COLOR = '#555555';

function parseColor(color: string, what: string): [number, number, number] {
  const hex = typeof color === 'string' ? /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color) : null;
  if (!hex)
    throw new HsiRenderInputError(`${what}: expected a colour '#rrggbb', got ${describeValue(color)}`);
  const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
  const n = Number.parseInt(digits, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Tick label of a log axis: plain numbers from 0.001 to 1e5, else "2e-5". */
function logTickText(value: number): string {
  if (value >= 1e-3 && value < 1e5) return tickText(value);
  return value
    .toExponential()
    .replace(/\.?0+e/, 'e')
    .replace('e+', 'e');
}

/**
 * Ticks of a log axis over [low, high] (low > 0): powers of ten when it spans three decades or more (every
 * k-th power when it spans many), else 1-2-5 steps, else every integer multiple of the decade, else (a
 * narrow range) evenly spaced round values.
 */
export function logTicks(low: number, high: number): number[] {
  const decades = Math.log10(high / low);
  const inside = (v: number) => v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9);
  const first = Math.floor(Math.log10(low));
  const last = Math.ceil(Math.log10(high));
  const at = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (let k = first; k <= last; k++)
      for (const m of mantissas) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (inside(v)) ticks.push(v);
      }
    return ticks;
  };
  if (decades >= 3) {
    const every = Math.max(1, Math.ceil(decades / 6));
    return at([1]).filter((v) => Math.round(Math.log10(v)) % every === 0);
  }
  const ticks = at([1, 2, 5]);
  if (ticks.length >= 2) return ticks;
  const finer = at([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  return finer.length >= 2 ? finer : niceTicks(low, high, 4);
}

function validate(options: LineChartOptions, fn: string) {
  if (typeof options !== 'object' || options === null) {
    throw new HsiRenderInputError(`${fn}: expected an options object, got ${describeValue(options)}`);
  }
  if (!Array.isArray(options.series)) {
    throw new HsiRenderInputError(
      `${fn}: options.series: expected an array of { label, points }, got ${describeValue(options.series)}`,
    );
  }
  const series = options.series.map((s, k) => {
    const what = `${fn}: options.series[${k}]`;
    if (typeof s !== 'object' || s === null || typeof s.label !== 'string') {
      throw new HsiRenderInputError(`${what}: expected { label: string, points }, got ${describeValue(s)}`);
    }
    if (!Array.isArray(s.points)) {
      throw new HsiRenderInputError(
        `${what}.points: expected an array of [x, y] pairs, got ${describeValue(s.points)}`,
      );
    }
    const points: readonly (readonly [number, number])[] = s.points;
    points.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
        throw new HsiRenderInputError(
          `${what}.points[${i}]: expected [x, y] numbers, got ${describeValue(p)}`,
        );
      }
      if (!Number.isFinite(p[0])) {
        throw new HsiRenderInputError(`${what}.points[${i}]: expected a finite x, got ${p[0]}`);
      }
    });
    const color = s.color ?? SERIES_COLORS[k % SERIES_COLORS.length];
    parseColor(color, `${what}.color`);
    return { label: s.label, color, points };
  });
  const markers = (options.markers ?? []).map((m, k) => {
    const what = `${fn}: options.markers[${k}]`;
    if (typeof m !== 'object' || m === null || typeof m.x !== 'number' || !Number.isFinite(m.x)) {
      throw new HsiRenderInputError(
        `${what}: expected { x: finite number, label? }, got ${describeValue(m)}`,
      );
    }
    const color = m.color ?? MARKER_COLOR;
    parseColor(color, `${what}.color`);
    return { x: m.x, label: typeof m.label === 'string' ? m.label : '', color };
  });
  return { series, markers };
}

/**
 * The layout of a line chart: axis ranges and ticks from the data (and the markers' x), the plot area
 * left of a legend column, text positions. `lineChartSvg` and `lineChart` draw exactly this.
 */
export function lineChartLayout(options: LineChartOptions, fn = 'lineChartLayout'): LineChartLayout {
  const { series, markers } = validate(options, fn);
  const width = expectPositiveInteger(options.width ?? 720, `${fn}: options.width`);
  const height = expectPositiveInteger(options.height ?? 400, `${fn}: options.height`);
  const logY = options.logY === true;
  const plotted = (y: number) => Number.isFinite(y) && (!logY || y > 0);

  const xs = [...series.flatMap((s) => s.points.filter(([, y]) => plotted(y)).map(([x]) => x))];
  for (const m of markers) xs.push(m.x);
  let [xLow, xHigh] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xHigh === xLow) [xLow, xHigh] = [xLow - 1, xHigh + 1];
  // The data's own x range (steps, epochs): no empty margin after the last point.
  const xRange: [number, number] = [xLow, xHigh];

  const ys = series.flatMap((s) => s.points.map(([, y]) => y).filter(plotted));
  let yRange: [number, number];
  let yTicks: { value: number; label: string }[];
  if (logY) {
    let [low, high] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0.1, 1];
    if (high === low) [low, high] = [low / 2, high * 2];
    const pad = 0.04 * Math.log10(high / low);
    yRange = [low / 10 ** pad, high * 10 ** pad];
    yTicks = logTicks(yRange[0], yRange[1]).map((value) => ({ value, label: logTickText(value) }));
  } else {
    const [low, high] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
    yRange = niceRange(low, high > low ? high : low + 1);
    yTicks = niceTicks(yRange[0], yRange[1]).map((value) => ({ value, label: tickText(value) }));
  }
  const xTicks = niceTicks(xRange[0], xRange[1], 6).map((value) => ({ value, label: tickText(value) }));

  const yLabelWidth = options.yLabel ? TEXT + 8 : 0;
  const left = 8 + yLabelWidth + Math.max(0, ...yTicks.map((t) => textWidth(t.label, 1))) + TICK + 4;
  const labelWidth = Math.max(0, ...series.map((s) => textWidth(s.label, 1)));
  const legendWidth = series.length ? 8 + SWATCH + 6 + labelWidth + 8 : 0;
  const right = width - (legendWidth ? legendWidth + 18 : 12);
  const top = options.title ? 10 + TEXT * TITLE_SCALE + 12 : 14;
  const bottom = height - (options.xLabel ? TEXT + 10 : 0) - 8 - TEXT - TICK - 4;
  if (right - left < 40 || bottom - top < 40) {
    throw new HsiRenderInputError(
      `${fn}: expected a chart of at least ${width + 40 - (right - left)} x ${height + 40 - (bottom - top)} px for these labels, got ${width} x ${height}`,
    );
  }
  const xPixel = (v: number) => left + ((v - xRange[0]) / (xRange[1] - xRange[0])) * (right - left);
  const yPixel = logY
    ? (v: number) =>
        bottom -
        ((Math.log10(v) - Math.log10(yRange[0])) / (Math.log10(yRange[1]) - Math.log10(yRange[0]))) *
          (bottom - top)
    : (v: number) => bottom - ((v - yRange[0]) / (yRange[1] - yRange[0])) * (bottom - top);

  const legendX = right + 14;
  const legend = series.length
    ? {
        x: legendX,
        y: top,
        width: legendWidth,
        height: 8 + LEGEND_ROW * series.length,
        entries: series.map((s, k) => ({
          label: s.label,
          color: s.color,
          swatchX: legendX + 8,
          textX: legendX + 8 + SWATCH + 6,
          y: top + 8 + k * LEGEND_ROW,
        })),
      }
    : null;
  const placedMarkers = markers.map((m) => {
    const pixel = xPixel(m.x);
    const text = textWidth(m.label, 1);
    const textX = pixel + 4 + text <= right ? pixel + 4 : pixel - 4 - text;
    return { ...m, pixel, textX };
  });
  return {
    width,
    height,
    left,
    right,
    top,
    bottom,
    xRange,
    yRange,
    logY,
    xTicks,
    yTicks,
    series,
    legend,
    markers: placedMarkers,
    xPixel,
    yPixel,
  };
}

/** The runs of consecutive plottable points of a series (gaps split a line). */
function runs(
  points: readonly (readonly [number, number])[],
  logY: boolean,
): (readonly [number, number])[][] {
  const out: (readonly [number, number])[][] = [];
  let current: (readonly [number, number])[] = [];
  for (const p of points) {
    if (Number.isFinite(p[1]) && (!logY || p[1] > 0)) current.push(p);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * A line chart as an SVG string: title, axes with ticks and tick labels, axis labels, grid, dashed
 * labelled markers, one polyline per series (split at gaps) and a legend. Same input, same bytes.
 */
export function lineChartSvg(options: LineChartOptions): string {
  const layout = lineChartLayout(options, 'lineChartSvg');
  const { width, height, left, right, top, bottom } = layout;
  const parts: string[] = [svgOpen(width, height, options.title || 'line chart')];
  parts.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (options.title)
    parts.push(
      `<text class="title" x="${coord((left + right) / 2)}" y="24" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    );
  parts.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of layout.xTicks)
    parts.push(
      `<line class="grid-line" x1="${coord(layout.xPixel(t.value))}" y1="${top}" x2="${coord(layout.xPixel(t.value))}" y2="${bottom}"/>`,
    );
  for (const t of layout.yTicks)
    parts.push(
      `<line class="grid-line" x1="${left}" y1="${coord(layout.yPixel(t.value))}" x2="${right}" y2="${coord(layout.yPixel(t.value))}"/>`,
    );
  parts.push('</g>');
  parts.push('<g class="axes" stroke="#333333" stroke-width="1">');
  parts.push(`<line class="axis x-axis" x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis y-axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  for (const t of layout.xTicks) {
    const x = coord(layout.xPixel(t.value));
    parts.push(`<line class="tick x-tick" x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + TICK}"/>`);
  }
  for (const t of layout.yTicks) {
    const y = coord(layout.yPixel(t.value));
    parts.push(`<line class="tick y-tick" x1="${left - TICK}" y1="${y}" x2="${left}" y2="${y}"/>`);
  }
  parts.push('</g>');
  parts.push('<g class="tick-labels" fill="#333333" font-size="11">');
  for (const t of layout.xTicks)
    parts.push(
      `<text class="tick-label x-tick-label" x="${coord(layout.xPixel(t.value))}" y="${bottom + TICK + 4 + 9}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  for (const t of layout.yTicks)
    parts.push(
      `<text class="tick-label y-tick-label" x="${left - TICK - 4}" y="${coord(layout.yPixel(t.value) + 4)}" text-anchor="end">${escapeXml(t.label)}</text>`,
    );
  parts.push('</g>');
  if (options.xLabel)
    parts.push(
      `<text class="axis-label x-axis-label" x="${coord((left + right) / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  if (options.yLabel) {
    const middle = coord((top + bottom) / 2);
    parts.push(
      `<text class="axis-label y-axis-label" x="16" y="${middle}" text-anchor="middle" transform="rotate(-90 16 ${middle})">${escapeXml(options.yLabel)}</text>`,
    );
  }
  if (layout.markers.length) {
    parts.push('<g class="markers" stroke-width="1">');
    for (const m of layout.markers) {
      const x = coord(m.pixel);
      parts.push(
        `<line class="marker" x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${m.color}" stroke-dasharray="4 3"/>`,
      );
      if (m.label)
        parts.push(
          `<text class="marker-label" x="${coord(m.textX)}" y="${top + 12}" fill="${m.color}" font-size="11">${escapeXml(m.label)}</text>`,
        );
    }
    parts.push('</g>');
  }
  parts.push('<g class="series" fill="none" stroke-width="1.5">');
  for (const s of layout.series)
    for (const run of runs(s.points, layout.logY)) {
      const points = run.map(([x, y]) => `${coord(layout.xPixel(x))},${coord(layout.yPixel(y))}`).join(' ');
      parts.push(`<polyline class="series-line" stroke="${s.color}" points="${points}"/>`);
    }
  parts.push('</g>');
  if (layout.legend) {
    const l = layout.legend;
    parts.push('<g class="legend" font-size="11">');
    parts.push(
      `<rect class="legend-box" x="${l.x}" y="${l.y}" width="${l.width}" height="${l.height}" fill="#ffffff" stroke="#999999"/>`,
    );
    for (const e of l.entries) {
      const y = e.y + TEXT / 2;
      parts.push(
        `<line class="legend-swatch" x1="${e.swatchX}" y1="${coord(y)}" x2="${e.swatchX + SWATCH}" y2="${coord(y)}" stroke="${e.color}" stroke-width="2"/>`,
      );
      parts.push(
        `<text class="legend-label" x="${e.textX}" y="${e.y + TEXT}" fill="#333333">${escapeXml(e.label)}</text>`,
      );
    }
    parts.push('</g>');
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * The same chart as RGBA pixels (for PNG files: `encodePng(lineChart(options))`): grid, axes, ticks, tick
 * labels, axis labels (the y label turned), title, dashed labelled markers, 2-pixel lines and a legend,
 * text in a 5 x 7 pixel font. Returns the picture and its layout.
 */
export function lineChart(options: LineChartOptions): LineChartImage {
  const layout = lineChartLayout(options, 'lineChart');
  const { width, height, left, right, top, bottom } = layout;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  const image = { data, width, height };
  const put = (x: number, y: number, [r, g, b]: readonly [number, number, number]) => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const o = (yi * width + xi) * 4;
    data[o] = r;
    data[o + 1] = g;
    data[o + 2] = b;
    data[o + 3] = 255;
  };
  const line = (
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: readonly [number, number, number],
    thickness = 1,
    dash?: [number, number],
  ) => {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) {
      if (dash && s % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      // Thicker across the line: downwards for flat lines, rightwards for steep ones.
      const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
      for (let d = 0; d < thickness; d++) put(steep ? x + d : x, steep ? y : y + d, color);
    }
  };
  const ink: [number, number, number, number] = [51, 51, 51, 255];
  const text = (value: string, x: number, y: number, scale = 1, color = ink) =>
    drawText(image, value, Math.round(x), Math.round(y), scale, color);

  const grid: [number, number, number] = [229, 229, 229];
  for (const t of layout.xTicks) line(layout.xPixel(t.value), top, layout.xPixel(t.value), bottom, grid);
  for (const t of layout.yTicks) line(left, layout.yPixel(t.value), right, layout.yPixel(t.value), grid);
  const axis: [number, number, number] = [51, 51, 51];
  line(left, bottom, right, bottom, axis);
  line(left, top, left, bottom, axis);
  for (const t of layout.xTicks) {
    const x = layout.xPixel(t.value);
    line(x, bottom, x, bottom + TICK, axis);
    text(t.label, x - textWidth(t.label, 1) / 2, bottom + TICK + 4);
  }
  for (const t of layout.yTicks) {
    const y = layout.yPixel(t.value);
    line(left - TICK, y, left, y, axis);
    text(t.label, left - TICK - 4 - textWidth(t.label, 1), y - Math.floor(TEXT / 2));
  }
  if (options.title) {
    const w = textWidth(options.title, TITLE_SCALE);
    text(options.title, (left + right) / 2 - w / 2, 10, TITLE_SCALE);
  }
  if (options.xLabel)
    text(options.xLabel, (left + right) / 2 - textWidth(options.xLabel, 1) / 2, height - 8 - TEXT);
  if (options.yLabel) {
    const length = textWidth(options.yLabel, 1);
    drawTextUp(image, options.yLabel, 8, Math.round((top + bottom) / 2 - length / 2), 1, ink);
  }
  for (const m of layout.markers) {
    const color = parseColor(m.color, 'marker');
    line(m.pixel, top, m.pixel, bottom, color, 1, [4, 3]);
    if (m.label) text(m.label, m.textX, top + 4, 1, [...color, 255]);
  }
  for (const s of layout.series) {
    const color = parseColor(s.color, 'series');
    for (const run of runs(s.points, layout.logY)) {
      if (run.length === 1) {
        const [x, y] = run[0];
        line(layout.xPixel(x) - 1, layout.yPixel(y), layout.xPixel(x) + 1, layout.yPixel(y), color, 2);
      }
      for (let i = 1; i < run.length; i++) {
        const [xa, ya] = run[i - 1];
        const [xb, yb] = run[i];
        line(layout.xPixel(xa), layout.yPixel(ya), layout.xPixel(xb), layout.yPixel(yb), color, 2);
      }
    }
  }
  if (layout.legend) {
    const l = layout.legend;
    const border: [number, number, number] = [153, 153, 153];
    for (let y = l.y; y <= l.y + l.height; y++) line(l.x, y, l.x + l.width, y, [255, 255, 255]);
    line(l.x, l.y, l.x + l.width, l.y, border);
    line(l.x, l.y + l.height, l.x + l.width, l.y + l.height, border);
    line(l.x, l.y, l.x, l.y + l.height, border);
    line(l.x + l.width, l.y, l.x + l.width, l.y + l.height, border);
    for (const e of l.entries) {
      const y = e.y + Math.floor(TEXT / 2);
      line(e.swatchX, y, e.swatchX + SWATCH, y, parseColor(e.color, 'legend'), 2);
      text(e.label, e.textX, e.y);
    }
  }
  return { data, width, height, layout };
}
