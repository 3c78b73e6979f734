import { correlation, regionSpectrum, spectralCurvesSvg } from '@s2cassi/hsi-render';
import { useMemo } from 'react';
import { SvgChart } from '../components/svg-chart';
import type { CubeData } from '../lib/types';
import type { Workbench } from '../use-workbench';

/**
 * The spectrum of the selected pixel or region: ground truth and every reconstruction of the same size
 * overlaid, with each one's correlation with the truth.
 */
export function SpectrumFigure({ workbench }: { workbench: Workbench }) {
  const { cubes } = workbench;
  const { selection, truth, results } = workbench.state;
  const spectrum = useMemo(() => {
    if (!selection || cubes.length === 0) return undefined;
    const region = { x: selection.x, y: selection.y, width: selection.width, height: selection.height };
    const reference = cubes[0].cube;
    const fits = (c: CubeData) => c.shape[0] === reference.shape[0] && c.shape[1] === reference.shape[1];
    const truthValues = truth && fits(truth.cube) ? regionSpectrum(truth.cube, region) : undefined;
    const curves = results
      .filter((r) => fits(r.cube))
      .map((r) => ({ label: r.label, values: regionSpectrum(r.cube, region) }));
    const wavelengths = truth?.cube.wavelengths ?? results[0]?.cube.wavelengths;
    if (!wavelengths) return undefined;
    const svg = spectralCurvesSvg({
      wavelengths,
      truth: truthValues ? { label: 'Ground truth', values: truthValues } : undefined,
      curves,
      width: 560,
      height: 300,
      title:
        selection.width * selection.height === 1
          ? `Pixel (${selection.x}, ${selection.y})`
          : `Region ${selection.width} x ${selection.height} at (${selection.x}, ${selection.y})`,
    });
    const correlations = truthValues
      ? curves.map((c) => ({ label: c.label, r: correlation(truthValues, c.values) }))
      : [];
    return { svg, correlations };
  }, [selection, cubes, truth, results]);

  if (!spectrum) return null;
  return (
    <figure>
      <figcaption>Spectrum</figcaption>
      <SvgChart markup={spectrum.svg} label="spectrum plot" testId="spectrum-plot" />
      {spectrum.correlations.length > 0 && (
        <table className="table" data-testid="spectrum-correlation">
          <thead>
            <tr>
              <th>Method</th>
              <th>Correlation with ground truth</th>
            </tr>
          </thead>
          <tbody>
            {spectrum.correlations.map((c) => (
              <tr key={c.label}>
                <td>{c.label}</td>
                <td>{Number.isFinite(c.r) ? c.r.toFixed(4) : 'n/a'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
