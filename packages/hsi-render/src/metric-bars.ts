import { coord, escapeXml, niceRange, niceTicks, SERIES_COLORS, svgOpen, tickText } from './_svg';
import { describeValue, expectArrayLike, expectPositiveInteger, HsiRenderInputError } from './_validate';
import { formatWavelength } from './band-grid';
import { validateWavelengths } from './cube';

export interface MetricSeries {
  readonly label: string;
  /** One value per band (e.g. PSNR in dB or SSIM), already computed. */
  readonly values: ArrayLike<number>;
  readonly color?: string;
}

export interface BandMetricsOptions {
  /** Methods, each with one value per band. */
  series: readonly MetricSeries[];
  /** Band centres (nm) for the category labels; or give `categories`. Default labels 1..N. */
  wavelengths?: readonly number[];
  categories?: readonly string[];
  /** Y-axis title, e.g. 'PSNR (dB)' (default 'Value'). */
  metric?: string;
  title?: string;
  width?: number;
  height?: number;
  /** Bottom of the y axis (default 0; e.g. 20 for PSNR to spread the bars). Bars start there. */
  yMin?: number;
  /** Top of the y axis (default: the largest value rounded up to a tick). */
  yMax?: number;
  /** Show each series' mean in the legend (default true). */
  showMean?: boolean;
}

/**
 * Per-band metric bar chart (grouped bars: one group per band, one bar per method) as an SVG string. Takes
 * numbers, computes no metric. Same input, same bytes.
 */
export function bandMetricsSvg(options: BandMetricsOptions): string {
  if (
    typeof options !== 'object' ||
    options === null ||
    !Array.isArray(options.series) ||
    options.series.length === 0
  ) {
    throw new HsiRenderInputError(
      `bandMetricsSvg: expected { series: [{ label, values }, ...] } with at least one series, got ${describeValue(options?.series)}`,
    );
  }
  const first = expectArrayLike(options.series[0]?.values, 'bandMetricsSvg: options.series[0].values');
  const bandCount = first.length;
  if (bandCount === 0)
    throw new HsiRenderInputError('bandMetricsSvg: expected at least one value per series, got none');
  const series = options.series.map((s, k) => {
    if (typeof s !== 'object' || s === null || typeof s.label !== 'string') {
      throw new HsiRenderInputError(
        `bandMetricsSvg: options.series[${k}]: expected { label: string, values }, got ${describeValue(s)}`,
      );
    }
    const values = expectArrayLike(s.values, `bandMetricsSvg: options.series[${k}].values`, bandCount);
    for (let i = 0; i < bandCount; i++) {
      if (!Number.isFinite(values[i])) {
        throw new HsiRenderInputError(
          `bandMetricsSvg: options.series[${k}].values: expected finite numbers, got ${values[i]} at index ${i}`,
        );
      }
    }
    return {
      label: s.label,
      values: Array.from(values),
      color: s.color ?? SERIES_COLORS[k % SERIES_COLORS.length],
    };
  });
  let categories: string[];
  if (options.categories !== undefined) {
    if (!Array.isArray(options.categories) || options.categories.length !== bandCount) {
      throw new HsiRenderInputError(
        `bandMetricsSvg: options.categories: expected ${bandCount} labels, got ${describeValue(options.categories)}`,
      );
    }
    categories = options.categories.map(String);
  } else if (options.wavelengths !== undefined) {
    categories = validateWavelengths(
      options.wavelengths,
      bandCount,
      'bandMetricsSvg: options.wavelengths',
    ).map((w) => formatWavelength(w).slice(0, -2));
  } else {
    categories = Array.from({ length: bandCount }, (_, i) => String(i + 1));
  }
  const width = expectPositiveInteger(options.width ?? 760, 'bandMetricsSvg: options.width');
  const height = expectPositiveInteger(options.height ?? 340, 'bandMetricsSvg: options.height');
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (const s of series)
    for (const v of s.values) {
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
  const yMin = options.yMin ?? Math.min(0, lo);
  const yMax = options.yMax ?? niceRange(yMin, hi > yMin ? hi : yMin + 1)[1];
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax) || yMax <= yMin) {
    throw new HsiRenderInputError(`bandMetricsSvg: expected yMin < yMax, got ${yMin} and ${yMax}`);
  }
  const rotate = bandCount > 12;
  const left = 60;
  const right = width - 16;
  const legendRows = series.length;
  const top = (options.title ? 36 : 16) + legendRows * 16;
  const bottom = height - (rotate ? 62 : 46);
  if (right - left < bandCount || bottom - top < 40) {
    throw new HsiRenderInputError(
      `bandMetricsSvg: expected a larger chart for ${bandCount} bands and ${series.length} series, got ${width} x ${height}`,
    );
  }
  const sy = (v: number) =>
    bottom - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * (bottom - top);
  const group = (right - left) / bandCount;
  const barWidth = (group * 0.8) / series.length;

  const parts: string[] = [svgOpen(width, height, options.title || 'per-band metrics')];
  parts.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (options.title)
    parts.push(
      `<text class="title" x="${coord((left + right) / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
    );
  const yTicks = niceTicks(yMin, yMax);
  parts.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of yTicks)
    parts.push(
      `<line class="grid-line" x1="${left}" y1="${coord(sy(t))}" x2="${right}" y2="${coord(sy(t))}"/>`,
    );
  parts.push('</g>');
  parts.push('<g class="bars">');
  for (let i = 0; i < bandCount; i++) {
    series.forEach((s, k) => {
      const x = left + i * group + group * 0.1 + k * barWidth;
      const y = sy(s.values[i]);
      const base = sy(Math.max(yMin, 0 > yMin && 0 < yMax ? 0 : yMin));
      const [y0, y1] = y < base ? [y, base] : [base, y];
      parts.push(
        `<rect class="bar" data-series="${escapeXml(s.label)}" data-category="${escapeXml(categories[i])}" data-value="${tickText(s.values[i])}" x="${coord(x)}" y="${coord(y0)}" width="${coord(barWidth)}" height="${coord(y1 - y0)}" fill="${escapeXml(s.color)}"/>`,
      );
    });
  }
  parts.push('</g>');
  parts.push('<g class="axes" stroke="#333333" stroke-width="1">');
  parts.push(`<line class="axis x-axis" x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis y-axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  for (const t of yTicks)
    parts.push(
      `<line class="tick y-tick" x1="${left - 5}" y1="${coord(sy(t))}" x2="${left}" y2="${coord(sy(t))}"/>`,
    );
  for (let i = 0; i < bandCount; i++) {
    const x = coord(left + (i + 0.5) * group);
    parts.push(`<line class="tick x-tick" x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}"/>`);
  }
  parts.push('</g>');
  parts.push('<g class="tick-labels" fill="#333333" font-size="10">');
  for (const t of yTicks)
    parts.push(
      `<text class="tick-label y-tick-label" x="${left - 8}" y="${coord(sy(t) + 4)}" text-anchor="end">${tickText(t)}</text>`,
    );
  for (let i = 0; i < bandCount; i++) {
    const x = coord(left + (i + 0.5) * group);
    const y = bottom + 14;
    parts.push(
      rotate
        ? `<text class="tick-label x-tick-label" x="${x}" y="${y}" text-anchor="end" transform="rotate(-45 ${x} ${y})">${escapeXml(categories[i])}</text>`
        : `<text class="tick-label x-tick-label" x="${x}" y="${y}" text-anchor="middle">${escapeXml(categories[i])}</text>`,
    );
  }
  parts.push('</g>');
  const xLabel =
    options.wavelengths !== undefined && options.categories === undefined ? 'Wavelength (nm)' : 'Band';
  parts.push(
    `<text class="axis-label x-axis-label" x="${coord((left + right) / 2)}" y="${height - 8}" text-anchor="middle">${xLabel}</text>`,
  );
  parts.push(
    `<text class="axis-label y-axis-label" x="16" y="${coord((top + bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${coord((top + bottom) / 2)})">${escapeXml(options.metric ?? 'Value')}</text>`,
  );
  parts.push('<g class="legend" font-size="11">');
  series.forEach((s, k) => {
    const y = (options.title ? 36 : 16) + k * 16;
    const mean = s.values.reduce((a, b) => a + b, 0) / bandCount;
    const text =
      options.showMean === false ? s.label : `${s.label} (mean ${mean.toFixed(mean >= 10 ? 2 : 4)})`;
    parts.push(
      `<rect class="legend-swatch" x="${left}" y="${y - 4}" width="12" height="10" fill="${escapeXml(s.color)}"/>`,
    );
    parts.push(`<text class="legend-label" x="${left + 18}" y="${y + 5}">${escapeXml(text)}</text>`);
  });
  parts.push('</g>');
  parts.push('</svg>');
  return parts.join('\n');
}
