import { SelectField } from '../components/select-field';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/formats';
import type { Workbench } from '../use-workbench';

const FORMAT_LABELS: Record<ExportFormat, string> = {
  mat: 'MATLAB .mat',
  npy: 'NumPy .npy',
  envi: 'ENVI (.hdr + .img)',
};
const FORMAT_OPTIONS = EXPORT_FORMATS.map((f) => ({ value: f, label: FORMAT_LABELS[f] }));

/** 4. Export: a Save button per result, in the chosen format (shown once there is a result). */
export function ExportPanel({ workbench }: { workbench: Workbench }) {
  const { state, dispatch, exportResult } = workbench;
  if (state.results.length === 0) return null;
  return (
    <>
      <h2>4. Export</h2>
      <SelectField
        label="Format"
        value={state.exportFormat}
        options={FORMAT_OPTIONS}
        onChange={(format) => dispatch({ type: 'exportFormatChanged', format })}
        testId="export-format"
      />
      <ul className="exports">
        {state.results.map((r) => (
          <li key={r.id}>
            <button
              type="button"
              className="button small"
              onClick={() => exportResult(r)}
              data-testid={`export-${r.id}`}
            >
              Save {r.label}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
