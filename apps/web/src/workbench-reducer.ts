import { NO_ZOOM } from './components/raster-canvas';
import { EXPORT_FORMATS } from './lib/formats';
import { BACKEND_PREFERENCES } from './lib/types';
import {
  cubeList,
  type ErrorKey,
  shownCubeOf,
  type WorkbenchAction,
  type WorkbenchState,
} from './workbench-state';

function hasCube(state: WorkbenchState, id: string): boolean {
  return (id === 'truth' && state.truth !== undefined) || state.results.some((r) => r.id === id);
}

/** A band past the shown cube's last (another cube was picked or loaded) goes back to the first. */
function withBandInRange(state: WorkbenchState): WorkbenchState {
  const shown = shownCubeOf(cubeList(state), state.shown);
  return shown && state.band >= shown.cube.shape[2] ? { ...state, band: 0 } : state;
}

function withError(state: WorkbenchState, key: ErrorKey, text: string | undefined): WorkbenchState {
  return { ...state, errors: { ...state.errors, [key]: text } };
}

/**
 * Applies one action. Pure: never changes `state`, returns it unchanged (the same object) when the action
 * does not apply (progress with no job running, a second job while one runs, an unknown cube id, ...).
 */
export function workbenchReducer(state: WorkbenchState, action: WorkbenchAction): WorkbenchState {
  switch (action.type) {
    case 'preferenceChanged':
      return action.preference === state.preference || !BACKEND_PREFERENCES.includes(action.preference)
        ? state
        : { ...state, preference: action.preference };
    case 'backendStarting':
      return { ...state, backendBusy: true };
    case 'backendReady':
      return {
        ...withError(state, 'backend', action.status.fallback),
        backend: action.status,
        backendBusy: false,
      };
    case 'backendFailed':
      return { ...withError(state, 'backend', action.message), backendBusy: false };
    case 'backendRestarted':
      return { ...state, backend: action.status };
    case 'backendSwitched':
      return { ...withError(state, 'backend', action.warning), backend: action.status };
    case 'errorSet':
      return withError(state, action.key, action.text);
    case 'readingStarted':
      return {
        ...withError(state, action.what === 'demo' ? 'general' : action.what, undefined),
        reading: action.what,
      };
    case 'readingFinished':
      return state.reading === undefined ? state : { ...state, reading: undefined };
    case 'demoLoaded':
      return withBandInRange({
        ...state,
        truth: { cube: action.cube, source: `demo: ${action.name}` },
        mask: { plane: action.mask, source: 'demo: standard mask' },
        measurement: undefined,
        results: [],
        attribution: action.attribution,
        shown: 'truth',
        selection: undefined,
        // a fresh start: the slots' and actions' messages go, the backend's stays
        errors: { backend: state.errors.backend },
      });
    case 'inputLoaded': {
      const input = action.input;
      switch (input.role) {
        case 'cube':
          return withBandInRange({
            ...state,
            truth: { cube: input.cube, source: input.source },
            results: [],
            shown: 'truth',
          });
        case 'mask':
          return { ...state, mask: { plane: input.plane, source: input.source } };
        case 'measurement':
          return { ...state, measurement: { plane: input.plane, source: input.source } };
        case 'weights':
          return { ...state, weights: input.weights, settings: { ...state.settings, method: 's2-user' } };
        default:
          return state;
      }
    }
    case 'measurementSimulated':
      return { ...state, measurement: { plane: action.plane, source: action.source } };
    case 'settingChanged':
      return Object.is(state.settings[action.key], action.value)
        ? state
        : { ...state, settings: { ...state.settings, [action.key]: action.value } };
    case 'reconstructionStarted':
      if (state.running !== undefined) return state;
      return {
        ...withError(state, 'general', undefined),
        notice: undefined,
        running: action.label,
        progress: { done: 0, total: 1, message: 'starting' },
      };
    case 'progressed':
      return state.running === undefined ? state : { ...state, progress: action.progress };
    case 'resultAdded':
      if (state.results.some((r) => r.id === action.result.id) || action.result.id === 'truth') return state;
      return withBandInRange({
        ...state,
        results: [...state.results, action.result],
        shown: action.result.id,
        compare: [state.compare[0] || 'truth', action.result.id],
      });
    case 'reconstructionCancelled':
      return { ...state, notice: 'Reconstruction cancelled.' };
    case 'reconstructionFinished':
      return state.running === undefined && state.progress === undefined
        ? state
        : { ...state, running: undefined, progress: undefined };
    case 'shownChanged':
      return action.id === state.shown || !hasCube(state, action.id)
        ? state
        : withBandInRange({ ...state, shown: action.id });
    case 'bandChanged': {
      const shown = shownCubeOf(cubeList(state), state.shown);
      const valid =
        shown && Number.isInteger(action.band) && action.band >= 0 && action.band < shown.cube.shape[2];
      return !valid || action.band === state.band ? state : { ...state, band: action.band };
    }
    case 'selectionChanged':
      return { ...state, selection: action.selection };
    case 'compareChanged': {
      if (action.id !== '' && !hasCube(state, action.id)) return state;
      if (state.compare[action.side] === action.id) return state;
      const compare: [string, string] =
        action.side === 0 ? [action.id, state.compare[1]] : [state.compare[0], action.id];
      return { ...state, compare };
    }
    case 'zoomChanged':
      return { ...state, zoom: action.zoom };
    case 'zoomedIn':
      return { ...state, zoom: { ...state.zoom, scale: Math.min(16, state.zoom.scale * 1.5) } };
    case 'zoomReset':
      return { ...state, zoom: NO_ZOOM };
    case 'exportFormatChanged':
      return action.format === state.exportFormat || !EXPORT_FORMATS.includes(action.format)
        ? state
        : { ...state, exportFormat: action.format };
    default:
      return state;
  }
}
