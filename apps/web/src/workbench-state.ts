import { NO_ZOOM, type Region, type ZoomView } from './components/raster-canvas';
import type { ExportFormat } from './lib/formats';
import { INITIAL_SETTINGS } from './lib/initial-settings';
import {
  BACKEND_PREFERENCES,
  type BackendPreference,
  type BackendStatus,
  type BandMetrics,
  type CubeData,
  type EnsembleChoice,
  type InputRole,
  type JobProgress,
  type LoadedInput,
  type MethodId,
  type PlaneData,
  type ReconstructJob,
  type ReconstructResult,
  type ScalingChoice,
  type WeightsData,
} from './lib/types';

/**
 * The page's state, the actions that change it (applied by `workbenchReducer`) and what the views derive
 * from it. The async work (worker calls) lives in `use-workbench.ts`, which dispatches these actions;
 * nothing here touches React or the worker.
 */

/** One reconstruction the page holds: its cube, how long it took, where, and its scores against the truth. */
export interface Result {
  id: string;
  label: string;
  method: MethodId;
  cube: CubeData;
  seconds: number;
  backend: string;
  metrics?: BandMetrics;
}

/** A message per input slot, one for the actions ('general') and one about the backend. */
export type ErrorKey = InputRole | 'general' | 'backend';
export type Errors = Partial<Record<ErrorKey, string>>;

/** The simulate and reconstruct fields. */
export interface Settings {
  /** Dispersion step d (pixels per band), for simulating and reconstructing. */
  shiftStep: number;
  /** Gaussian noise sigma added to a simulated measurement. */
  noiseSigma: number;
  seed: number;
  method: MethodId;
  /** GAP-TV iterations. */
  iterations: number;
  /** GAP-TV TV weight. */
  tvWeight: number;
  /** S2: the measurement scaling ('model': the weights' own). */
  s2Scaling: ScalingChoice;
  /** S2: the self-ensemble ('model': the weights' own). */
  s2Ensemble: EnsembleChoice;
}

/** A cube the views can show: the ground truth ('truth') or a result (its id). */
export interface ShownCube {
  id: string;
  label: string;
  cube: CubeData;
}

export interface WorkbenchState {
  /** The backend asked for (the `?backend=` URL parameter or the select). */
  preference: BackendPreference;
  /** The backend now active, once set up. */
  backend?: BackendStatus;
  /** True while the backend is being set up. */
  backendBusy: boolean;
  truth?: { cube: CubeData; source: string };
  mask?: { plane: PlaneData; source: string };
  measurement?: { plane: PlaneData; source: string };
  weights?: WeightsData;
  /** Credit line of the demo scene, once loaded. */
  attribution?: string;
  /** What is being read now: one input slot or the demo. */
  reading?: InputRole | 'demo';
  errors: Errors;
  /** A non-error message (a cancelled reconstruction). */
  notice?: string;
  results: Result[];
  /** Label of the reconstruction running now. */
  running?: string;
  progress?: JobProgress;
  settings: Settings;
  /** Id of the cube in the views ('truth' or a result id). */
  shown: string;
  /** Band shown by the band view, 0-based. */
  band: number;
  /** Pixel or region whose spectrum is plotted. */
  selection?: Region;
  /** Ids of the cubes compared side by side ('' for none). */
  compare: [string, string];
  zoom: ZoomView;
  exportFormat: ExportFormat;
}

type SettingChange = {
  [K in keyof Settings]: { type: 'settingChanged'; key: K; value: Settings[K] };
}[keyof Settings];

export type WorkbenchAction =
  | { type: 'preferenceChanged'; preference: BackendPreference }
  | { type: 'backendStarting' }
  | { type: 'backendReady'; status: BackendStatus }
  | { type: 'backendFailed'; message: string }
  /** The worker was replaced (a cancel that did not stop in time): same request, new status. */
  | { type: 'backendRestarted'; status: BackendStatus }
  /** A GPU backend failed during a job and the page switched to another one. */
  | { type: 'backendSwitched'; status: BackendStatus; warning: string }
  | { type: 'errorSet'; key: ErrorKey; text: string | undefined }
  | { type: 'readingStarted'; what: InputRole | 'demo' }
  | { type: 'readingFinished' }
  | { type: 'demoLoaded'; cube: CubeData; mask: PlaneData; name: string; attribution: string }
  | { type: 'inputLoaded'; input: LoadedInput }
  | { type: 'measurementSimulated'; plane: PlaneData; source: string }
  | SettingChange
  | { type: 'reconstructionStarted'; label: string }
  | { type: 'progressed'; progress: JobProgress }
  | { type: 'resultAdded'; result: Result }
  | { type: 'reconstructionCancelled' }
  | { type: 'reconstructionFinished' }
  | { type: 'shownChanged'; id: string }
  | { type: 'bandChanged'; band: number }
  | { type: 'selectionChanged'; selection: Region | undefined }
  | { type: 'compareChanged'; side: 0 | 1; id: string }
  | { type: 'zoomChanged'; zoom: ZoomView }
  | { type: 'zoomedIn' }
  | { type: 'zoomReset' }
  | { type: 'exportFormatChanged'; format: ExportFormat };

/** The backend asked for in the URL (`?backend=wasm`), else 'auto'. */
export function preferenceFromUrl(search: string | undefined): BackendPreference {
  const asked = new URLSearchParams(search ?? '').get('backend');
  return BACKEND_PREFERENCES.includes(asked as BackendPreference) ? (asked as BackendPreference) : 'auto';
}

/** Nothing loaded; the fields start from the shared defaults (the command line's too). */
export function initialWorkbenchState(preference: BackendPreference = 'auto'): WorkbenchState {
  return {
    preference,
    backendBusy: true,
    errors: {},
    results: [],
    settings: {
      shiftStep: INITIAL_SETTINGS.shiftStep,
      noiseSigma: INITIAL_SETTINGS.noiseSigma,
      seed: INITIAL_SETTINGS.seed,
      method: 'gap-tv',
      iterations: INITIAL_SETTINGS.iterations,
      tvWeight: INITIAL_SETTINGS.tvWeight,
      s2Scaling: 'model',
      s2Ensemble: 'model',
    },
    shown: 'truth',
    band: 0,
    compare: ['truth', ''],
    zoom: NO_ZOOM,
    exportFormat: 'mat',
  };
}

/**
 * What an S2 result's name adds to the method's: the measurement scaling and self-ensemble that ran, for
 * each the job chose in place of the weights' own (`peak scaling`, `shift4`); nothing for the weights' own.
 */
export function s2Overrides(
  job: Pick<ReconstructJob, 'measurementScaling' | 'selfEnsemble'>,
  result: Pick<ReconstructResult, 's2'>,
): string[] {
  if (!result.s2) return [];
  const parts: string[] = [];
  if (job.measurementScaling) parts.push(`${result.s2.measurementScaling} scaling`);
  if (job.selfEnsemble)
    parts.push(result.s2.selfEnsemble === 'none' ? 'no self-ensemble' : result.s2.selfEnsemble);
  return parts;
}

/** The cubes the views can show: the ground truth first, then every result in order. */
export function cubeList(state: Pick<WorkbenchState, 'truth' | 'results'>): ShownCube[] {
  const list: ShownCube[] = [];
  if (state.truth) list.push({ id: 'truth', label: 'Ground truth', cube: state.truth.cube });
  for (const r of state.results) list.push({ id: r.id, label: r.label, cube: r.cube });
  return list;
}

/** The cube in the views: the one picked, else the first there is. */
export function shownCubeOf(cubes: ShownCube[], shown: string): ShownCube | undefined {
  return cubes.find((c) => c.id === shown) ?? cubes[0];
}

/** The result the error map is about: the one shown, else the latest. */
export function shownResultOf(state: Pick<WorkbenchState, 'results' | 'shown'>): Result | undefined {
  return state.results.find((r) => r.id === state.shown) ?? state.results[state.results.length - 1];
}
