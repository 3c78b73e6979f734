import { NumberField } from '../components/number-field';
import { SelectField } from '../components/select-field';
import { DEMO_WEIGHTS_MISSING, loadDemoWeights } from '../demo-weights';
import { progressLine } from '../lib/progress-line';
import {
  ENSEMBLE_LABELS,
  type EnsembleChoice,
  METHOD_LABELS,
  type MethodId,
  SCALING_LABELS,
  type ScalingChoice,
} from '../lib/types';
import type { Workbench } from '../use-workbench';

const METHODS = Object.keys(METHOD_LABELS) as MethodId[];
const SCALING_OPTIONS = (Object.keys(SCALING_LABELS) as ScalingChoice[]).map((value) => ({
  value,
  label: SCALING_LABELS[value],
}));
const ENSEMBLE_OPTIONS = (Object.keys(ENSEMBLE_LABELS) as EnsembleChoice[]).map((value) => ({
  value,
  label: ENSEMBLE_LABELS[value],
}));

/** 3. Reconstruct: method, GAP-TV or S2 settings, Reconstruct / Cancel and the progress of the running job. */
export function ReconstructPanel({ workbench }: { workbench: Workbench }) {
  const { state, dispatch, reconstruct, cancel } = workbench;
  const { method, iterations, tvWeight, s2Scaling, s2Ensemble } = state.settings;
  const { running, progress } = state;
  const methodOptions = METHODS.map((m) => ({
    value: m,
    label:
      METHOD_LABELS[m] +
      (m === 's2-demo' && !loadDemoWeights ? ' (not bundled)' : '') +
      (m === 's2-user' && !state.weights ? ' (drop weights first)' : ''),
  }));
  return (
    <>
      <h2>3. Reconstruct</h2>
      <SelectField
        label="Method"
        value={method}
        options={methodOptions}
        onChange={(value) => dispatch({ type: 'settingChanged', key: 'method', value })}
        testId="method"
      />
      {method === 's2-demo' && !loadDemoWeights && (
        <p className="note" data-testid="demo-weights-missing">
          {DEMO_WEIGHTS_MISSING}: drop your own S2 weights (.safetensors + config .json) and pick “your
          weights”.
        </p>
      )}
      {method === 'gap-tv' && (
        <div className="row">
          <NumberField
            label="Iterations"
            min={1}
            max={1000}
            value={iterations}
            onChange={(value) => dispatch({ type: 'settingChanged', key: 'iterations', value })}
            testId="iterations"
          />
          <NumberField
            label="TV weight"
            min={0}
            step={0.01}
            value={tvWeight}
            onChange={(value) => dispatch({ type: 'settingChanged', key: 'tvWeight', value })}
          />
        </div>
      )}
      {method !== 'gap-tv' && (
        <div className="row">
          <SelectField
            label="Measurement scaling"
            value={s2Scaling}
            options={SCALING_OPTIONS}
            onChange={(value) => dispatch({ type: 'settingChanged', key: 's2Scaling', value })}
            testId="s2-scaling"
          />
          <SelectField
            label="Self-ensemble"
            value={s2Ensemble}
            options={ENSEMBLE_OPTIONS}
            onChange={(value) => dispatch({ type: 'settingChanged', key: 's2Ensemble', value })}
            testId="s2-ensemble"
          />
        </div>
      )}
      <div className="row">
        <button
          type="button"
          className="button primary"
          onClick={reconstruct}
          disabled={Boolean(running) || !state.measurement || !state.mask || state.backendBusy}
          data-testid="reconstruct"
        >
          Reconstruct
        </button>
        {running && (
          <button type="button" className="button" onClick={cancel} data-testid="cancel">
            Cancel
          </button>
        )}
      </div>
      {running && progress && (
        <div className="progress" data-testid="progress">
          <progress max={progress.total} value={progress.done} aria-label={`${running} progress`} />
          <span aria-live="polite" data-testid="progress-text">
            {progressLine(running, progress)}
          </span>
        </div>
      )}
    </>
  );
}

/** The actions' messages: a cancelled job, or what failed (simulate, reconstruct, export, the demo). */
export function ActionMessages({ workbench }: { workbench: Workbench }) {
  const { notice, errors } = workbench.state;
  return (
    <>
      {notice && (
        <p className="note" aria-live="polite">
          {notice}
        </p>
      )}
      {errors.general && (
        <p className="error" role="alert" data-testid="error-general">
          {errors.general}
        </p>
      )}
    </>
  );
}
