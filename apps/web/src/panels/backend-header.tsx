import { SelectField } from '../components/select-field';
import { BACKEND_PREFERENCES } from '../lib/types';
import type { Workbench } from '../use-workbench';

const PREFERENCE_OPTIONS = BACKEND_PREFERENCES.map((p) => ({
  value: p,
  label: p === 'auto' ? 'auto (WebGPU → WebGL → wasm)' : p,
}));

/** The page's header: the active backend's badge (why it was chosen in its tooltip), the override, warnings. */
export function BackendHeader({ workbench }: { workbench: Workbench }) {
  const { state, dispatch } = workbench;
  const { backend, backendBusy, errors } = state;
  return (
    <header className="top">
      <h1>s2cassi</h1>
      <p className="tagline">
        CASSI hyperspectral reconstruction in your browser. Files never leave this page.
      </p>
      <div className="backend">
        <span
          className={`badge badge-${backend?.backend ?? 'none'}`}
          data-testid="backend-indicator"
          data-backend={backendBusy ? '' : (backend?.backend ?? '')}
          title={backend?.reason}
        >
          {backendBusy ? 'starting…' : (backend?.backend ?? 'none')}
        </span>
        <SelectField
          label="Backend"
          value={state.preference}
          options={PREFERENCE_OPTIONS}
          onChange={(preference) => dispatch({ type: 'preferenceChanged', preference })}
          testId="backend-select"
          disabled={Boolean(state.running)}
        />
      </div>
      {backend && <p className="backend-reason">{backend.reason}</p>}
      {errors.backend && (
        <p className="warning" role="alert" data-testid="backend-warning">
          {errors.backend}
        </p>
      )}
    </header>
  );
}
