import { BackendHeader } from './panels/backend-header';
import { ComparePanel } from './panels/compare-panel';
import { ExportPanel } from './panels/export-panel';
import { InputsPanel } from './panels/inputs-panel';
import { ActionMessages, ReconstructPanel } from './panels/reconstruct-panel';
import { ResultsPanel } from './panels/results-panel';
import { SimulatePanel } from './panels/simulate-panel';
import { ViewsPanel } from './panels/views-panel';
import { useWorkbench } from './use-workbench';

/**
 * The page: the backend header, the controls column (inputs, simulate, reconstruct, export) and the views
 * column (pictures, spectrum, results, compare). State and actions live in `useWorkbench`.
 */
export function App() {
  const workbench = useWorkbench();
  return (
    <div className="app">
      <BackendHeader workbench={workbench} />
      <main className="layout">
        <section className="panel controls" aria-label="Inputs and actions">
          <InputsPanel workbench={workbench} />
          <SimulatePanel workbench={workbench} />
          <ReconstructPanel workbench={workbench} />
          <ActionMessages workbench={workbench} />
          <ExportPanel workbench={workbench} />
        </section>
        <section className="panel views" aria-label="Views">
          <ViewsPanel workbench={workbench} />
          <ResultsPanel workbench={workbench} />
          <ComparePanel workbench={workbench} />
        </section>
      </main>
    </div>
  );
}
