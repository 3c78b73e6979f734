import { DropZone } from '../components/drop-zone';
import { ACCEPTED } from '../lib/formats';
import type { InputRole } from '../lib/types';
import type { Workbench } from '../use-workbench';
import type { WorkbenchState } from '../workbench-state';

const ROLES: readonly InputRole[] = ['cube', 'measurement', 'mask', 'weights'];

const ROLE_TEXT: Record<InputRole, { title: string; hint: string }> = {
  cube: { title: 'Cube (ground truth)', hint: 'H x W x N: .mat, .npy, .npz, ENVI .hdr + data, PNG per band' },
  measurement: { title: 'Measurement', hint: "H x W' snapshot: .mat, .npy, .npz, ENVI, PNG" },
  mask: { title: 'Mask', hint: 'H x W coded aperture: .mat, .npy, .npz, ENVI, PNG' },
  weights: { title: 'S2 weights', hint: '.safetensors (+ config .json)' },
};

/** What a slot holds now: its source and shape, or the weights' summary. */
function slotStatus(state: WorkbenchState, role: InputRole): string | undefined {
  const { truth, mask, measurement, weights } = state;
  switch (role) {
    case 'cube':
      return truth && `${truth.source} [${truth.cube.shape.join(' x ')}]`;
    case 'mask':
      return mask && `${mask.source} [${mask.plane.shape.join(' x ')}]`;
    case 'measurement':
      return measurement && `${measurement.source} [${measurement.plane.shape.join(' x ')}]`;
    default:
      return weights && `${weights.name}: ${weights.summary}`;
  }
}

/** 1. Inputs: the demo in one click, or files for the four slots. */
export function InputsPanel({ workbench }: { workbench: Workbench }) {
  const { state, loadDemo, readFiles } = workbench;
  return (
    <>
      <h2>1. Inputs</h2>
      <button
        type="button"
        className="button primary"
        onClick={loadDemo}
        disabled={Boolean(state.reading)}
        data-testid="load-demo"
      >
        {state.reading === 'demo' ? 'Loading demo…' : 'Load the demo scene and mask'}
      </button>
      {state.attribution && <p className="note">{state.attribution}</p>}
      <div className="drops">
        {ROLES.map((role) => (
          <DropZone
            key={role}
            role={role}
            title={ROLE_TEXT[role].title}
            hint={ROLE_TEXT[role].hint}
            accept={ACCEPTED[role]}
            busy={state.reading === role}
            error={state.errors[role]}
            status={slotStatus(state, role)}
            onFiles={(files) => readFiles(role, files)}
          />
        ))}
      </div>
    </>
  );
}
