import { bandMetricsSvg, errorMap } from '@s2cassi/hsi-render';
import { useMemo } from 'react';
import { PngButton } from '../components/png-button';
import { RasterCanvas } from '../components/raster-canvas';
import { SvgChart } from '../components/svg-chart';
import type { BandMetrics } from '../lib/types';
import type { Workbench } from '../use-workbench';
import { shownResultOf } from '../workbench-state';

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : Number.NaN;
}

const CHART = { width: 640, height: 260 };

/**
 * The results: a table (method, backend, time, mean PSNR, SSIM, SAM), PSNR and SSIM per band when a ground
 * truth is loaded, and the error map of the shown (else the latest) result.
 */
export function ResultsPanel({ workbench }: { workbench: Workbench }) {
  const { truth, results } = workbench.state;
  const shownResult = shownResultOf(workbench.state);
  const withMetrics = useMemo(() => results.filter((r) => r.metrics), [results]);
  const charts = useMemo(() => {
    if (!truth || withMetrics.length === 0) return undefined;
    const series = (pick: (m: BandMetrics) => number[]) =>
      withMetrics.map((r) => ({ label: r.label, values: pick(r.metrics as BandMetrics) }));
    const wavelengths = truth.cube.wavelengths;
    return {
      psnr: bandMetricsSvg({
        series: series((m) => m.psnr),
        wavelengths,
        metric: 'PSNR (dB)',
        title: 'PSNR per band',
        ...CHART,
      }),
      ssim: bandMetricsSvg({
        series: series((m) => m.ssim),
        wavelengths,
        metric: 'SSIM',
        title: 'SSIM per band',
        yMax: 1,
        ...CHART,
      }),
    };
  }, [truth, withMetrics]);
  const errorPicture = useMemo(() => {
    if (!truth || !shownResult?.metrics) return undefined;
    return errorMap(shownResult.cube, truth.cube);
  }, [truth, shownResult]);

  return (
    <>
      {results.length > 0 && (
        <figure>
          <figcaption>
            Results{' '}
            <span className="note" data-testid="metrics-preset">
              {withMetrics[0]?.metrics?.presetDescription}
            </span>
          </figcaption>
          <table className="table" data-testid="metric-table">
            <thead>
              <tr>
                <th>Method</th>
                <th>Backend</th>
                <th>Time (s)</th>
                <th>PSNR (dB)</th>
                <th>SSIM</th>
                <th>SAM (°)</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.id} data-testid={`result-${r.id}`} data-seconds={r.seconds}>
                  <td>{r.label}</td>
                  <td>{r.backend}</td>
                  <td>{r.seconds.toFixed(2)}</td>
                  <td>{r.metrics ? mean(r.metrics.psnr).toFixed(2) : '—'}</td>
                  <td>{r.metrics ? mean(r.metrics.ssim).toFixed(4) : '—'}</td>
                  <td>{r.metrics ? r.metrics.sam.toFixed(2) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
      )}
      {charts && <SvgChart markup={charts.psnr} label="PSNR per band" testId="psnr-chart" />}
      {charts && <SvgChart markup={charts.ssim} label="SSIM per band" testId="ssim-chart" />}
      {errorPicture && shownResult && (
        <figure>
          <figcaption>
            Error map of {shownResult.label}: mean |error| over bands, 0 to {errorPicture.maxError.toFixed(3)}{' '}
            (mean {errorPicture.meanError.toFixed(4)}){' '}
            <PngButton name={`${shownResult.label}-error.png`} image={errorPicture.image} />
          </figcaption>
          <RasterCanvas image={errorPicture.image} label="error map" testId="error-map" />
        </figure>
      )}
    </>
  );
}
