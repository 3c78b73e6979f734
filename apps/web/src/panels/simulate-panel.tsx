import { NumberField } from '../components/number-field';
import type { Workbench } from '../use-workbench';

/** 2. Simulate: a measurement from the cube and mask (shift step, noise sigma, seed). */
export function SimulatePanel({ workbench }: { workbench: Workbench }) {
  const { state, dispatch, simulate } = workbench;
  const { shiftStep, noiseSigma, seed } = state.settings;
  return (
    <>
      <h2>2. Simulate</h2>
      <div className="row">
        <NumberField
          label="Shift step (px/band)"
          min={0}
          max={16}
          value={shiftStep}
          onChange={(value) => dispatch({ type: 'settingChanged', key: 'shiftStep', value })}
          testId="shift-step"
        />
        <NumberField
          label="Noise σ"
          min={0}
          step={0.01}
          value={noiseSigma}
          onChange={(value) => dispatch({ type: 'settingChanged', key: 'noiseSigma', value })}
          testId="noise-sigma"
        />
        <NumberField
          label="Seed"
          value={seed}
          onChange={(value) => dispatch({ type: 'settingChanged', key: 'seed', value })}
        />
      </div>
      <button
        type="button"
        className="button"
        onClick={() => simulate()}
        disabled={!state.truth || !state.mask}
        data-testid="simulate"
      >
        Simulate measurement
      </button>
    </>
  );
}
