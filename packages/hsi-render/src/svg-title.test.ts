import { describe, expect, it } from 'vitest';
import { CASSI_WAVELENGTHS, checkXml } from './_test-data';
import { lineChartSvg } from './line-chart';
import { bandMetricsSvg } from './metric-bars';
import { spectralCurvesSvg } from './spectral-curves';

/** The text of the `<title>` that must be the first child of the root `<svg>`, or undefined. */
function accessibleName(svg: string): string | undefined {
  const match = /^<svg [^>]*\brole="img"[^>]*><title>([^<]*)<\/title>/.exec(svg);
  return match?.[1];
}

describe('every SVG chart has an accessible name', () => {
  const values = CASSI_WAVELENGTHS.map((_, i) => 0.2 + 0.01 * i);
  const charts = (title?: string) => ({
    line: lineChartSvg({
      series: [
        {
          label: 'loss',
          color: '#1f77b4',
          points: [
            [0, 1],
            [1, 0.5],
            [2, 0.25],
          ],
        },
      ],
      xLabel: 'step',
      yLabel: 'loss',
      title,
    }),
    bars: bandMetricsSvg({
      series: [{ label: 'S2', values: values.map((v) => 30 * v) }],
      wavelengths: CASSI_WAVELENGTHS,
      metric: 'PSNR (dB)',
      title,
    }),
    spectra: spectralCurvesSvg({
      wavelengths: CASSI_WAVELENGTHS,
      truth: { label: 'truth', values },
      curves: [{ label: 'S2', values: values.map((v) => v * 0.9) }],
      title,
    }),
  });

  it('is the chart title, escaped, as a <title> first child', () => {
    for (const [kind, svg] of Object.entries(charts('PSNR <per band> & "mean"'))) {
      checkXml(svg);
      expect(accessibleName(svg), kind).toBe('PSNR &lt;per band&gt; &amp; &quot;mean&quot;');
    }
  });

  it('says what the chart is when it has no title', () => {
    const names = Object.fromEntries(
      Object.entries(charts()).map(([kind, svg]) => [kind, accessibleName(svg)]),
    );
    expect(names).toEqual({ line: 'line chart', bars: 'per-band metrics', spectra: 'spectral curves' });
  });
});
