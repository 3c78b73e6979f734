import { gapTvSettings, SIMULATION_DEFAULTS } from '@s2cassi/pipeline';
import { describe, expect, it } from 'vitest';
import { cube, deepFreeze, loadedState, result } from './_workbench-fixtures';
import { NO_ZOOM } from './components/raster-canvas';
import { workbenchReducer } from './workbench-reducer';
import {
  cubeList,
  initialWorkbenchState,
  preferenceFromUrl,
  s2Overrides,
  shownCubeOf,
  shownResultOf,
  type WorkbenchAction,
  type WorkbenchState,
} from './workbench-state';

function apply(state: WorkbenchState, action: WorkbenchAction): WorkbenchState {
  const frozen = deepFreeze(state);
  const before = structuredClone(frozen);
  const next = workbenchReducer(frozen, action);
  expect(frozen).toEqual(before);
  return next;
}

const initial = deepFreeze(initialWorkbenchState());
const loaded = loadedState(initial);

describe('initial state', () => {
  it("starts from the shared defaults (the command line's), GAP-TV, nothing loaded, the backend starting", () => {
    expect(initial.settings).toEqual({
      shiftStep: SIMULATION_DEFAULTS.shiftStep,
      noiseSigma: SIMULATION_DEFAULTS.noiseSigma,
      seed: SIMULATION_DEFAULTS.seed,
      method: 'gap-tv',
      iterations: gapTvSettings().iterations,
      tvWeight: gapTvSettings().tvWeight,
      s2Scaling: 'model',
      s2Ensemble: 'model',
    });
    expect(initial).toMatchObject({
      preference: 'auto',
      backendBusy: true,
      errors: {},
      results: [],
      shown: 'truth',
      band: 0,
      compare: ['truth', ''],
      zoom: NO_ZOOM,
      exportFormat: 'mat',
    });
    expect(initial.truth).toBeUndefined();
    expect(initialWorkbenchState('wasm').preference).toBe('wasm');
  });

  it('the ?backend= URL parameter picks a known backend, anything else is auto', () => {
    expect(preferenceFromUrl('?backend=wasm')).toBe('wasm');
    expect(preferenceFromUrl('?x=1&backend=webgpu')).toBe('webgpu');
    expect(preferenceFromUrl('?backend=metal')).toBe('auto');
    expect(preferenceFromUrl('')).toBe('auto');
    expect(preferenceFromUrl(undefined)).toBe('auto');
  });
});

describe('derived values', () => {
  it("s2Overrides names what ran for each setting the job chose in place of the weights' own, nothing else", () => {
    const ran = { s2: { measurementScaling: 'peak' as const, selfEnsemble: 'shift4' as const } };
    expect(s2Overrides({}, ran)).toEqual([]);
    expect(s2Overrides({ measurementScaling: 'peak' }, ran)).toEqual(['peak scaling']);
    expect(s2Overrides({ selfEnsemble: 'shift4' }, ran)).toEqual(['shift4']);
    expect(s2Overrides({ measurementScaling: 'peak', selfEnsemble: 'shift4' }, ran)).toEqual([
      'peak scaling',
      'shift4',
    ]);
    expect(
      s2Overrides(
        { measurementScaling: 'band-sum', selfEnsemble: 'none' },
        { s2: { measurementScaling: 'band-sum', selfEnsemble: 'none' } },
      ),
    ).toEqual(['band-sum scaling', 'no self-ensemble']);
    // GAP-TV results carry no S2 settings
    expect(s2Overrides({ measurementScaling: 'peak' }, {})).toEqual([]);
  });

  it('cubeList: the ground truth first, then the results', () => {
    expect(cubeList(loaded).map((c) => [c.id, c.label])).toEqual([
      ['truth', 'Ground truth'],
      ['r1', 'GAP-TV #1'],
    ]);
    expect(cubeList({ results: [result('r1')] }).map((c) => c.id)).toEqual(['r1']);
  });

  it('shownCubeOf falls back to the first cube; shownResultOf to the latest result', () => {
    const cubes = cubeList(loaded);
    expect(shownCubeOf(cubes, 'r1')?.id).toBe('r1');
    expect(shownCubeOf(cubes, 'r7')?.id).toBe('truth');
    expect(shownCubeOf([], 'truth')).toBeUndefined();
    const two = { ...loaded, results: [result('r1'), result('r2')] };
    expect(shownResultOf({ ...two, shown: 'r1' })?.id).toBe('r1');
    expect(shownResultOf({ ...two, shown: 'truth' })?.id).toBe('r2');
    expect(shownResultOf(initial)).toBeUndefined();
  });
});

describe('workbenchReducer: views', () => {
  it('shownChanged picks a cube there is; an unknown id (or the truth when none) changes nothing', () => {
    expect(apply(loaded, { type: 'shownChanged', id: 'truth' }).shown).toBe('truth');
    expect(apply(loaded, { type: 'shownChanged', id: 'r9' })).toBe(loaded);
    expect(apply(loaded, { type: 'shownChanged', id: 'r1' })).toBe(loaded);
    const noTruth = { ...loaded, truth: undefined, shown: 'r1' };
    expect(apply(noTruth, { type: 'shownChanged', id: 'truth' })).toBe(noTruth);
  });

  it('a band past the newly shown cube goes back to the first', () => {
    const state = { ...loaded, results: [result('r1', 2)], shown: 'truth', band: 2 };
    expect(apply(state, { type: 'shownChanged', id: 'r1' })).toMatchObject({ shown: 'r1', band: 0 });
    expect(apply({ ...state, band: 1 }, { type: 'shownChanged', id: 'r1' }).band).toBe(1);
  });

  it('bandChanged takes a band of the shown cube; out of range, fractional or with no cube it changes nothing', () => {
    expect(apply(loaded, { type: 'bandChanged', band: 0 }).band).toBe(0);
    for (const band of [-1, 3, 1.5, Number.NaN])
      expect(apply(loaded, { type: 'bandChanged', band })).toBe(loaded);
    expect(apply(initial, { type: 'bandChanged', band: 0 })).toBe(initial);
  });

  it('selectionChanged sets or clears the selected region', () => {
    const region = { x: 1, y: 0, width: 1, height: 2 };
    const selected = apply(loaded, { type: 'selectionChanged', selection: region });
    expect(selected.selection).toEqual(region);
    expect(apply(selected, { type: 'selectionChanged', selection: undefined }).selection).toBeUndefined();
  });

  it('compareChanged sets one side to a cube or to none; an unknown id changes nothing', () => {
    expect(apply(loaded, { type: 'compareChanged', side: 0, id: 'r1' }).compare).toEqual(['r1', 'r1']);
    expect(apply(loaded, { type: 'compareChanged', side: 1, id: '' }).compare).toEqual(['truth', '']);
    expect(apply(loaded, { type: 'compareChanged', side: 1, id: 'r9' })).toBe(loaded);
    expect(apply(loaded, { type: 'compareChanged', side: 0, id: 'truth' })).toBe(loaded);
  });

  it('zoom: set, in by 1.5 up to 16, reset', () => {
    const view = { scale: 2, x: 3, y: 4 };
    const zoomed = apply(loaded, { type: 'zoomChanged', zoom: view });
    expect(zoomed.zoom).toEqual(view);
    expect(apply(zoomed, { type: 'zoomedIn' }).zoom).toEqual({ scale: 3, x: 3, y: 4 });
    expect(apply({ ...loaded, zoom: { scale: 12, x: 0, y: 0 } }, { type: 'zoomedIn' }).zoom.scale).toBe(16);
    expect(apply(zoomed, { type: 'zoomReset' }).zoom).toEqual(NO_ZOOM);
  });

  it('exportFormatChanged takes mat, npy or envi; anything else changes nothing', () => {
    expect(apply(loaded, { type: 'exportFormatChanged', format: 'envi' }).exportFormat).toBe('envi');
    expect(apply(loaded, { type: 'exportFormatChanged', format: 'tiff' as 'npy' })).toBe(loaded);
  });
});

describe('workbenchReducer: purity', () => {
  // one of every action (the Record makes the type-check fail when an action type is missing here)
  const every: Record<WorkbenchAction['type'], WorkbenchAction> = {
    preferenceChanged: { type: 'preferenceChanged', preference: 'cpu' },
    backendStarting: { type: 'backendStarting' },
    backendReady: { type: 'backendReady', status: { backend: 'cpu', reason: 'asked' } },
    backendFailed: { type: 'backendFailed', message: 'failed' },
    backendRestarted: { type: 'backendRestarted', status: { backend: 'cpu', reason: 'asked' } },
    backendSwitched: { type: 'backendSwitched', status: { backend: 'wasm', reason: 'r' }, warning: 'w' },
    errorSet: { type: 'errorSet', key: 'general', text: 'oops' },
    readingStarted: { type: 'readingStarted', what: 'cube' },
    readingFinished: { type: 'readingFinished' },
    demoLoaded: { type: 'demoLoaded', cube: cube(3), mask: loaded.mask!.plane, name: 'n', attribution: 'a' },
    inputLoaded: { type: 'inputLoaded', input: { role: 'cube', cube: cube(4), source: 's' } },
    measurementSimulated: { type: 'measurementSimulated', plane: loaded.mask!.plane, source: 's' },
    settingChanged: { type: 'settingChanged', key: 'noiseSigma', value: 0.1 },
    reconstructionStarted: { type: 'reconstructionStarted', label: 'GAP-TV' },
    progressed: { type: 'progressed', progress: { done: 1, total: 2, message: 'm' } },
    resultAdded: { type: 'resultAdded', result: result('r5') },
    reconstructionCancelled: { type: 'reconstructionCancelled' },
    reconstructionFinished: { type: 'reconstructionFinished' },
    shownChanged: { type: 'shownChanged', id: 'truth' },
    bandChanged: { type: 'bandChanged', band: 1 },
    selectionChanged: { type: 'selectionChanged', selection: { x: 0, y: 0, width: 1, height: 1 } },
    compareChanged: { type: 'compareChanged', side: 0, id: 'r1' },
    zoomChanged: { type: 'zoomChanged', zoom: { scale: 2, x: 0, y: 0 } },
    zoomedIn: { type: 'zoomedIn' },
    zoomReset: { type: 'zoomReset' },
    exportFormatChanged: { type: 'exportFormatChanged', format: 'npy' },
  };

  it('no action writes to its input state (frozen: a write would throw), from an empty, a loaded and a running page', () => {
    const running = { ...loaded, running: 'GAP-TV', progress: { done: 0, total: 1, message: 'starting' } };
    for (const state of [initial, loaded, running]) {
      for (const action of Object.values(every)) {
        expect(apply(state, action)).toBeTypeOf('object');
      }
    }
  });

  it('a run of actions gives the same state as the same run again (no hidden state)', () => {
    const run = (start: WorkbenchState) => Object.values(every).reduce(apply, start);
    expect(run(loaded)).toEqual(run(loaded));
  });

  it('an unknown action changes nothing', () => {
    expect(workbenchReducer(loaded, { type: 'noSuchAction' } as unknown as WorkbenchAction)).toBe(loaded);
  });
});
