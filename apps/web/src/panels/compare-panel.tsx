import { renderSrgb } from '@s2cassi/hsi-render';
import { useMemo } from 'react';
import { RasterCanvas } from '../components/raster-canvas';
import { SelectField } from '../components/select-field';
import type { Workbench } from '../use-workbench';

const SIDES = [0, 1] as const;

/** Two cubes side by side in sRGB with one synchronised zoom (wheel, drag, + / - keys, arrows). */
export function ComparePanel({ workbench }: { workbench: Workbench }) {
  const { state, dispatch, cubes } = workbench;
  const { compare, zoom } = state;
  const pictures = useMemo(
    () =>
      compare.map((id) => {
        const c = cubes.find((x) => x.id === id);
        return c ? { label: c.label, image: renderSrgb(c.cube) } : undefined;
      }),
    [compare, cubes],
  );
  if (cubes.length <= 1) return null;
  const options = [{ value: '', label: '—' }, ...cubes.map((c) => ({ value: c.id, label: c.label }))];
  return (
    <figure>
      <figcaption>Compare (synchronised zoom: wheel, drag, + / − keys)</figcaption>
      <div className="row">
        {SIDES.map((side) => (
          <SelectField
            key={side}
            label={side === 0 ? 'Left' : 'Right'}
            value={compare[side]}
            options={options}
            onChange={(id) => dispatch({ type: 'compareChanged', side, id })}
            testId={`compare-${side}`}
          />
        ))}
        <button type="button" className="button small" onClick={() => dispatch({ type: 'zoomedIn' })}>
          Zoom in
        </button>
        <button
          type="button"
          className="button small"
          onClick={() => dispatch({ type: 'zoomReset' })}
          data-testid="zoom-reset"
        >
          Reset zoom
        </button>
      </div>
      <div className="pair" data-testid="compare-view" data-zoom={zoom.scale.toFixed(3)}>
        {pictures.map((p, i) =>
          p ? (
            <div key={i === 0 ? 'left' : 'right'}>
              <div className="caption">{p.label}</div>
              <RasterCanvas
                image={p.image}
                label={`compare: ${p.label}`}
                mode="pan"
                view={zoom}
                onViewChange={(view) => dispatch({ type: 'zoomChanged', zoom: view })}
                testId={`compare-canvas-${i}`}
              />
            </div>
          ) : (
            <div key={i === 0 ? 'left-empty' : 'right-empty'} className="note">
              pick a cube
            </div>
          ),
        )}
      </div>
    </figure>
  );
}
