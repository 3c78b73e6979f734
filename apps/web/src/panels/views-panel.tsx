import { bandGrid, formatWavelength, renderSrgb } from '@s2cassi/hsi-render';
import { useMemo } from 'react';
import { PngButton } from '../components/png-button';
import { RasterCanvas } from '../components/raster-canvas';
import { SelectField } from '../components/select-field';
import { bandImage, greyImage, peakOf } from '../lib/pictures';
import type { Workbench } from '../use-workbench';
import { SpectrumFigure } from './spectrum-figure';

/** The measurement as grey, with its PNG button. */
function MeasurementFigure({ workbench }: { workbench: Workbench }) {
  const { measurement } = workbench.state;
  const picture = useMemo(() => (measurement ? greyImage(measurement.plane) : undefined), [measurement]);
  if (!picture) return null;
  return (
    <figure>
      <figcaption>
        Measurement {measurement?.plane.shape.join(' x ')}{' '}
        <PngButton name="measurement.png" image={picture} />
      </figcaption>
      <RasterCanvas image={picture} label="CASSI measurement" testId="measurement-view" />
    </figure>
  );
}

/**
 * Views of one cube (picked with "Show"): the measurement, the sRGB rendering (click or drag for a
 * spectrum), one band with a slider, the spectrum plot and the band grid. Pictures are pure JS, fast for
 * demo-sized cubes.
 */
export function ViewsPanel({ workbench }: { workbench: Workbench }) {
  const { state, dispatch, cubes, shownCube } = workbench;
  const { band } = state;
  const srgb = useMemo(() => (shownCube ? renderSrgb(shownCube.cube) : undefined), [shownCube]);
  const grid = useMemo(
    () =>
      shownCube
        ? bandGrid(shownCube.cube, { columns: 7, tileWidth: Math.min(128, shownCube.cube.shape[1]) })
        : undefined,
    [shownCube],
  );
  const peak = useMemo(() => (shownCube ? peakOf(shownCube.cube.data) : 1), [shownCube]);
  const bandPicture = useMemo(
    () =>
      shownCube ? bandImage(shownCube.cube, Math.min(band, shownCube.cube.shape[2] - 1), peak) : undefined,
    [shownCube, band, peak],
  );
  const wavelength = shownCube?.cube.wavelengths[Math.min(band, (shownCube?.cube.shape[2] ?? 1) - 1)];

  return (
    <>
      <MeasurementFigure workbench={workbench} />
      {shownCube && srgb && (
        <>
          <div className="row">
            <SelectField
              label="Show"
              value={shownCube.id}
              options={cubes.map((c) => ({ value: c.id, label: c.label }))}
              onChange={(id) => dispatch({ type: 'shownChanged', id })}
              testId="shown-cube"
            />
          </div>
          <div className="pair">
            <figure>
              <figcaption>
                sRGB (CIE 1931, D65) — click a pixel or drag a region{' '}
                <PngButton name={`${shownCube.label}-srgb.png`} image={srgb} />
              </figcaption>
              <RasterCanvas
                image={srgb}
                label={`${shownCube.label} in sRGB`}
                testId="srgb-view"
                mode="select"
                selection={state.selection}
                onSelect={(selection) => dispatch({ type: 'selectionChanged', selection })}
              />
            </figure>
            {bandPicture && (
              <figure>
                <figcaption>
                  Band {band + 1} / {shownCube.cube.shape[2]}
                  {wavelength !== undefined ? ` (${formatWavelength(wavelength)})` : ''}
                </figcaption>
                <RasterCanvas image={bandPicture} label={`band ${band + 1}`} testId="band-view" />
                <input
                  type="range"
                  min={0}
                  max={shownCube.cube.shape[2] - 1}
                  value={band}
                  onChange={(e) => dispatch({ type: 'bandChanged', band: Number(e.target.value) })}
                  aria-label="Band"
                  data-testid="band-slider"
                />
              </figure>
            )}
          </div>
          <SpectrumFigure workbench={workbench} />
          {grid && (
            <figure>
              <figcaption>
                Band grid <PngButton name={`${shownCube.label}-bands.png`} image={grid} />
              </figcaption>
              <RasterCanvas image={grid} label={`${shownCube.label}: all bands`} testId="band-grid" />
            </figure>
          )}
        </>
      )}
    </>
  );
}
