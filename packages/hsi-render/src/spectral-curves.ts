import { coord, escapeXml, niceRange, niceTicks, SERIES_COLORS, svgOpen, tickText } from './_svg';
import {
  describeValue,
  expectArrayLike,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  HsiRenderInputError,
} from './_validate';
import { type CubeLike, resolveCube, validateWavelengths } from './cube';

/** A pixel window { x, y, width = 1, height = 1 } (x = column, y = row) or a height x width selection mask. */
export type SpectrumRegion =
  | { readonly x: number; readonly y: number; readonly width?: number; readonly height?: number }
  | { readonly mask: ArrayLike<number | boolean> };

/** Mean spectrum (length bands) of a cube over a pixel or region; mask pixels count where truthy (non-zero). */
export function regionSpectrum(cube: CubeLike, region: SpectrumRegion): Float64Array {
  const view = resolveCube(cube, 'regionSpectrum: cube');
  const { data, height, width, bands } = view;
  const sum = new Float64Array(bands);
  let count = 0;
  if (typeof region === 'object' && region !== null && 'mask' in region) {
    const mask = expectArrayLike(
      region.mask as ArrayLike<number>,
      'regionSpectrum: region.mask (height x width)',
      height * width,
    );
    for (let p = 0; p < height * width; p++) {
      if (!mask[p]) continue;
      for (let n = 0; n < bands; n++) sum[n] += data[p * bands + n];
      count++;
    }
    if (count === 0)
      throw new HsiRenderInputError('regionSpectrum: expected a mask selecting at least one pixel, got none');
  } else if (typeof region === 'object' && region !== null) {
    const x0 = expectNonNegativeInteger(region.x, 'regionSpectrum: region.x');
    const y0 = expectNonNegativeInteger(region.y, 'regionSpectrum: region.y');
    const w = expectPositiveInteger(region.width ?? 1, 'regionSpectrum: region.width');
    const h = expectPositiveInteger(region.height ?? 1, 'regionSpectrum: region.height');
    if (x0 + w > width || y0 + h > height) {
      throw new HsiRenderInputError(
        `regionSpectrum: expected a region inside the ${width} x ${height} cube, got x ${x0}..${x0 + w - 1}, y ${y0}..${y0 + h - 1}`,
      );
    }
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) {
        const base = (y * width + x) * bands;
        for (let n = 0; n < bands; n++) sum[n] += data[base + n];
        count++;
      }
  } else {
    throw new HsiRenderInputError(
      `regionSpectrum: expected { x, y, width?, height? } or { mask }, got ${describeValue(region)}`,
    );
  }
  for (let n = 0; n < bands; n++) sum[n] /= count;
  return sum;
}

/** Pearson correlation coefficient of two equally long sequences (NaN when either is constant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectArrayLike(a, 'correlation: a');
  expectArrayLike(b, 'correlation: b', a.length);
  const n = a.length;
  if (n < 2) throw new HsiRenderInputError(`correlation: expected at least 2 values, got ${n}`);
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return covariance / Math.sqrt(varianceA * varianceB);
}

/** A spectrum divided by its largest value ('max') or left as it is ('none'). */
export function normalizeSpectrum(values: ArrayLike<number>, mode: 'max' | 'none' = 'max'): Float64Array {
  const list = Float64Array.from(expectArrayLike(values, 'normalizeSpectrum: values'));
  if (expectOneOf(mode, ['max', 'none'], 'normalizeSpectrum: mode') === 'none') return list;
  let peak = Number.NEGATIVE_INFINITY;
  for (const v of list) if (v > peak) peak = v;
  if (peak > 0) for (let i = 0; i < list.length; i++) list[i] /= peak;
  return list;
}

export interface SpectralCurve {
  readonly label: string;
  readonly values: ArrayLike<number>;
  /** Stroke colour (CSS); default from a fixed palette. */
  readonly color?: string;
}

export interface SpectralCurvesOptions {
  /** Band centres (nm), the x axis. */
  wavelengths: readonly number[];
  /** Ground truth, drawn in black; each method's legend entry shows its correlation with it. */
  truth?: SpectralCurve;
  /** Methods to overlay. */
  curves: readonly SpectralCurve[];
  /** 'max' (default): each curve divided by its own largest value; 'none': values as given. */
  normalize?: 'max' | 'none';
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** A dot at every band (default true). */
  markers?: boolean;
  /** Decimals of the correlation coefficients in the legend (default 4). */
  decimals?: number;
}

/**
 * Spectral curves as an SVG string: ground truth and methods overlaid over wavelength, axes with ticks, and a
 * legend giving each method's correlation coefficient with the truth (computed on the plotted values; Pearson
 * r does not change with the 'max' normalisation). Same input, same bytes.
 */
export function spectralCurvesSvg(options: SpectralCurvesOptions): string {
  if (typeof options !== 'object' || options === null) {
    throw new HsiRenderInputError(
      `spectralCurvesSvg: expected an options object, got ${describeValue(options)}`,
    );
  }
  const wavelengths = validateWavelengths(
    options.wavelengths,
    undefined,
    'spectralCurvesSvg: options.wavelengths',
  );
  const n = wavelengths.length;
  if (!Array.isArray(options.curves)) {
    throw new HsiRenderInputError(
      `spectralCurvesSvg: options.curves: expected an array of { label, values }, got ${describeValue(options.curves)}`,
    );
  }
  const mode = expectOneOf(
    options.normalize ?? 'max',
    ['max', 'none'],
    'spectralCurvesSvg: options.normalize',
  );
  const width = expectPositiveInteger(options.width ?? 640, 'spectralCurvesSvg: options.width');
  const height = expectPositiveInteger(options.height ?? 360, 'spectralCurvesSvg: options.height');
  const decimals = expectNonNegativeInteger(options.decimals ?? 4, 'spectralCurvesSvg: options.decimals');
  const markers = options.markers ?? true;
  const entries: { label: string; color: string; values: Float64Array; isTruth: boolean }[] = [];
  const check = (curve: SpectralCurve, what: string) => {
    if (typeof curve !== 'object' || curve === null || typeof curve.label !== 'string') {
      throw new HsiRenderInputError(
        `spectralCurvesSvg: ${what}: expected { label: string, values }, got ${describeValue(curve)}`,
      );
    }
    const values = expectArrayLike(curve.values, `spectralCurvesSvg: ${what}.values`, n);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) {
        throw new HsiRenderInputError(
          `spectralCurvesSvg: ${what}.values: expected finite numbers, got ${values[i]} at index ${i}`,
        );
      }
    }
    return normalizeSpectrum(values, mode);
  };
  if (options.truth)
    entries.push({
      label: options.truth.label,
      color: options.truth.color ?? '#000000',
      values: check(options.truth, 'options.truth'),
      isTruth: true,
    });
  options.curves.forEach((curve, k) => {
    entries.push({
      label: curve?.label,
      color: curve?.color ?? SERIES_COLORS[k % SERIES_COLORS.length],
      values: check(curve, `options.curves[${k}]`),
      isTruth: false,
    });
  });
  if (entries.length === 0)
    throw new HsiRenderInputError('spectralCurvesSvg: expected a truth or at least one curve, got none');
  const truth = entries.find((e) => e.isTruth);

  let lo = 0;
  let hi = mode === 'max' ? 1 : Number.NEGATIVE_INFINITY;
  for (const e of entries)
    for (const v of e.values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  const [yMin, yMax] = niceRange(lo, hi > lo ? hi : lo + 1);
  const [xMin, xMax] =
    n > 1 ? [wavelengths[0], wavelengths[n - 1]] : [wavelengths[0] - 5, wavelengths[0] + 5];

  const legendWidth = 180;
  const left = 60;
  const right = width - legendWidth - 10;
  const top = options.title ? 36 : 16;
  const bottom = height - 46;
  if (right - left < 40 || bottom - top < 40) {
    throw new HsiRenderInputError(
      `spectralCurvesSvg: expected a chart of at least ${left + 40 + legendWidth + 10} x ${top + 86} px, got ${width} x ${height}`,
    );
  }
  const sx = (v: number) => left + ((v - xMin) / (xMax - xMin)) * (right - left);
  const sy = (v: number) => bottom - ((v - yMin) / (yMax - yMin)) * (bottom - top);

  const parts: string[] = [svgOpen(width, height, options.title || 'spectral curves')];
  parts.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (options.title)
    parts.push(
      `<text class="title" x="${coord((left + right) / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    );
  parts.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  const yTicks = niceTicks(yMin, yMax);
  for (const t of yTicks)
    parts.push(
      `<line class="grid-line" x1="${left}" y1="${coord(sy(t))}" x2="${right}" y2="${coord(sy(t))}"/>`,
    );
  parts.push('</g>');
  parts.push('<g class="axes" stroke="#333333" stroke-width="1">');
  parts.push(`<line class="axis x-axis" x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis y-axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  const xTicks = niceTicks(xMin, xMax, 6);
  for (const t of xTicks)
    parts.push(
      `<line class="tick x-tick" x1="${coord(sx(t))}" y1="${bottom}" x2="${coord(sx(t))}" y2="${bottom + 5}"/>`,
    );
  for (const t of yTicks)
    parts.push(
      `<line class="tick y-tick" x1="${left - 5}" y1="${coord(sy(t))}" x2="${left}" y2="${coord(sy(t))}"/>`,
    );
  parts.push('</g>');
  parts.push('<g class="tick-labels" fill="#333333" font-size="11">');
  for (const t of xTicks)
    parts.push(
      `<text class="tick-label x-tick-label" x="${coord(sx(t))}" y="${bottom + 18}" text-anchor="middle">${tickText(t)}</text>`,
    );
  for (const t of yTicks)
    parts.push(
      `<text class="tick-label y-tick-label" x="${left - 8}" y="${coord(sy(t) + 4)}" text-anchor="end">${tickText(t)}</text>`,
    );
  parts.push('</g>');
  parts.push(
    `<text class="axis-label x-axis-label" x="${coord((left + right) / 2)}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel ?? 'Wavelength (nm)')}</text>`,
  );
  parts.push(
    `<text class="axis-label y-axis-label" x="16" y="${coord((top + bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${coord((top + bottom) / 2)})">${escapeXml(options.yLabel ?? (mode === 'max' ? 'Normalized intensity' : 'Intensity'))}</text>`,
  );

  parts.push('<g class="curves" fill="none" stroke-width="1.5">');
  for (const e of entries) {
    const points = Array.from(e.values, (v, i) => `${coord(sx(wavelengths[i]))},${coord(sy(v))}`).join(' ');
    parts.push(
      `<polyline class="curve${e.isTruth ? ' truth' : ''}" data-label="${escapeXml(e.label)}" stroke="${escapeXml(e.color)}" points="${points}"/>`,
    );
  }
  parts.push('</g>');
  if (markers) {
    parts.push('<g class="markers">');
    for (const e of entries)
      for (let i = 0; i < n; i++)
        parts.push(
          `<circle class="marker" cx="${coord(sx(wavelengths[i]))}" cy="${coord(sy(e.values[i]))}" r="2" fill="${escapeXml(e.color)}"/>`,
        );
    parts.push('</g>');
  }

  const legendX = right + 16;
  parts.push(`<g class="legend" font-size="11">`);
  entries.forEach((e, k) => {
    const y = top + 8 + k * 18;
    let text = e.label;
    if (truth && !e.isTruth && n >= 2) {
      const r = correlation(truth.values, e.values);
      text += Number.isFinite(r) ? ` (corr ${r.toFixed(decimals)})` : ' (corr n/a)';
    }
    parts.push(
      `<line class="legend-swatch" x1="${legendX}" y1="${y}" x2="${legendX + 20}" y2="${y}" stroke="${escapeXml(e.color)}" stroke-width="2"/>`,
    );
    parts.push(`<text class="legend-label" x="${legendX + 26}" y="${y + 4}">${escapeXml(text)}</text>`);
  });
  parts.push('</g>');
  parts.push('</svg>');
  return parts.join('\n');
}
