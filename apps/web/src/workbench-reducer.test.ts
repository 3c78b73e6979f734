import { describe, expect, it } from 'vitest';
import { cube, deepFreeze, loadedState, plane, result } from './_workbench-fixtures';
import type { WeightsData } from './lib/types';
import { workbenchReducer } from './workbench-reducer';
import { initialWorkbenchState, type WorkbenchAction, type WorkbenchState } from './workbench-state';

/** Applies `action` to a frozen `state` and checks that the input is as it was (it would throw if written). */
function apply(state: WorkbenchState, action: WorkbenchAction): WorkbenchState {
  const frozen = deepFreeze(state);
  const before = structuredClone(frozen);
  const next = workbenchReducer(frozen, action);
  expect(frozen).toEqual(before);
  return next;
}

const initial = deepFreeze(initialWorkbenchState());
const loaded = loadedState(initial);
const weights: WeightsData = {
  name: 'tiny.safetensors',
  bytes: new Uint8Array(4),
  summary: '0.01 M parameters',
};
const status = { backend: 'webgpu', reason: 'hardware adapter' };

describe('workbenchReducer: backend', () => {
  it('preferenceChanged sets a known preference; the same one or an unknown one changes nothing', () => {
    expect(apply(initial, { type: 'preferenceChanged', preference: 'wasm' }).preference).toBe('wasm');
    expect(apply(initial, { type: 'preferenceChanged', preference: 'auto' })).toBe(initial);
    expect(apply(initial, { type: 'preferenceChanged', preference: 'metal' as 'cpu' })).toBe(initial);
  });

  it('starting, ready (its fallback becomes the warning, or clears it), failed', () => {
    const starting = apply({ ...loaded, errors: { backend: 'old warning' } }, { type: 'backendStarting' });
    expect(starting.backendBusy).toBe(true);
    const ready = apply(starting, { type: 'backendReady', status });
    expect(ready).toMatchObject({ backend: status, backendBusy: false, errors: { backend: undefined } });
    const fallback = { ...status, backend: 'wasm', fallback: 'webgpu unavailable; using wasm' };
    const fellBack = apply(starting, { type: 'backendReady', status: fallback });
    expect(fellBack.errors.backend).toBe('webgpu unavailable; using wasm');
    const failed = apply(starting, { type: 'backendFailed', message: 'no backend' });
    expect(failed).toMatchObject({ backendBusy: false, errors: { backend: 'no backend' } });
    expect(failed.backend).toBe(loaded.backend);
  });

  it('restarted replaces the status only; switched also says why', () => {
    const warned = { ...loaded, errors: { backend: 'kept' } };
    expect(apply(warned, { type: 'backendRestarted', status })).toEqual({ ...warned, backend: status });
    const switched = apply(loaded, {
      type: 'backendSwitched',
      status,
      warning: 'webgl failed; switched to wasm',
    });
    expect(switched).toEqual({
      ...loaded,
      backend: status,
      errors: { backend: 'webgl failed; switched to wasm' },
    });
  });
});

describe('workbenchReducer: messages and reading', () => {
  it('errorSet sets or clears one message and leaves the others', () => {
    const state = { ...loaded, errors: { cube: 'bad cube', general: 'failed' } };
    expect(apply(state, { type: 'errorSet', key: 'general', text: undefined }).errors).toEqual({
      cube: 'bad cube',
      general: undefined,
    });
    expect(apply(state, { type: 'errorSet', key: 'mask', text: 'bad mask' }).errors).toMatchObject({
      cube: 'bad cube',
      general: 'failed',
      mask: 'bad mask',
    });
  });

  it('readingStarted clears the message of what is read (the demo: the general one) only', () => {
    const state = { ...loaded, errors: { cube: 'c', mask: 'm', general: 'g', backend: 'b' } };
    const demo = apply(state, { type: 'readingStarted', what: 'demo' });
    expect(demo.reading).toBe('demo');
    expect(demo.errors).toEqual({ cube: 'c', mask: 'm', general: undefined, backend: 'b' });
    const mask = apply(state, { type: 'readingStarted', what: 'mask' });
    expect(mask.errors).toEqual({ cube: 'c', mask: undefined, general: 'g', backend: 'b' });
  });

  it('readingFinished ends reading; with nothing being read it changes nothing', () => {
    expect(apply({ ...loaded, reading: 'cube' }, { type: 'readingFinished' }).reading).toBeUndefined();
    expect(apply(loaded, { type: 'readingFinished' })).toBe(loaded);
  });
});

describe('workbenchReducer: inputs', () => {
  it('demoLoaded starts afresh: truth, mask, no measurement, no results, only the backend warning stays', () => {
    const demoCube = cube(2);
    const demoMask = plane(2, 2);
    const state = {
      ...loaded,
      selection: { x: 1, y: 1, width: 1, height: 1 },
      errors: { cube: 'x', backend: 'b' },
    };
    const next = apply(state, {
      type: 'demoLoaded',
      cube: demoCube,
      mask: demoMask,
      name: 'peppers',
      attribution: 'CAVE',
    });
    expect(next).toEqual({
      ...state,
      truth: { cube: demoCube, source: 'demo: peppers' },
      mask: { plane: demoMask, source: 'demo: standard mask' },
      measurement: undefined,
      results: [],
      attribution: 'CAVE',
      shown: 'truth',
      selection: undefined,
      errors: { backend: 'b' },
      // band 2 is past the new 2-band cube: back to the first
      band: 0,
    });
  });

  it('inputLoaded: a cube replaces the truth and drops the results; mask, measurement, weights fill their slot', () => {
    const newCube = cube(3, 4, 4);
    const cubeLoaded = apply(loaded, {
      type: 'inputLoaded',
      input: { role: 'cube', cube: newCube, source: 'a.mat' },
    });
    expect(cubeLoaded).toEqual({
      ...loaded,
      truth: { cube: newCube, source: 'a.mat' },
      results: [],
      shown: 'truth',
    });
    const mask = plane(4, 4);
    expect(
      apply(loaded, { type: 'inputLoaded', input: { role: 'mask', plane: mask, source: 'm.npy' } }),
    ).toEqual({ ...loaded, mask: { plane: mask, source: 'm.npy' } });
    expect(
      apply(loaded, { type: 'inputLoaded', input: { role: 'measurement', plane: mask, source: 'y.npy' } }),
    ).toEqual({ ...loaded, measurement: { plane: mask, source: 'y.npy' } });
    const withWeights = apply(loaded, {
      type: 'inputLoaded',
      input: { role: 'weights', weights, source: 'w' },
    });
    expect(withWeights).toEqual({ ...loaded, weights, settings: { ...loaded.settings, method: 's2-user' } });
  });

  it('measurementSimulated replaces the measurement', () => {
    const y = plane(2, 6);
    expect(
      apply(loaded, { type: 'measurementSimulated', plane: y, source: 'simulated' }).measurement,
    ).toEqual({
      plane: y,
      source: 'simulated',
    });
  });

  it('settingChanged changes one field; the same value changes nothing', () => {
    const next = apply(loaded, { type: 'settingChanged', key: 'iterations', value: 3 });
    expect(next.settings).toEqual({ ...loaded.settings, iterations: 3 });
    expect(apply(loaded, { type: 'settingChanged', key: 'method', value: 's2-demo' }).settings.method).toBe(
      's2-demo',
    );
    expect(apply(loaded, { type: 'settingChanged', key: 'seed', value: loaded.settings.seed })).toBe(loaded);
  });
});

describe('workbenchReducer: reconstruction', () => {
  const running = apply(
    { ...loaded, notice: 'Reconstruction cancelled.', errors: { general: 'old', backend: 'b' } },
    { type: 'reconstructionStarted', label: 'GAP-TV' },
  );

  it('reconstructionStarted: running, progress at "starting", the notice and the general message cleared', () => {
    expect(running).toMatchObject({
      running: 'GAP-TV',
      progress: { done: 0, total: 1, message: 'starting' },
      notice: undefined,
      errors: { general: undefined, backend: 'b' },
    });
  });

  it('a second start while one runs changes nothing', () => {
    expect(apply(running, { type: 'reconstructionStarted', label: 'S2' })).toBe(running);
  });

  it('progressed updates a running job; progress with no job running changes nothing', () => {
    const progress = { done: 2, total: 3, message: 'iteration 2 of 3' };
    expect(apply(running, { type: 'progressed', progress }).progress).toEqual(progress);
    expect(apply(loaded, { type: 'progressed', progress })).toBe(loaded);
  });

  it('resultAdded appends, shows it, and puts it on the right of the compare view', () => {
    const r2 = result('r2');
    const next = apply(running, { type: 'resultAdded', result: r2 });
    expect(next.results).toEqual([...loaded.results, r2]);
    expect(next.shown).toBe('r2');
    expect(next.compare).toEqual(['truth', 'r2']);
    const emptyLeft = apply({ ...running, compare: ['', ''] }, { type: 'resultAdded', result: r2 });
    expect(emptyLeft.compare).toEqual(['truth', 'r2']);
    const keptLeft = apply({ ...running, compare: ['r1', ''] }, { type: 'resultAdded', result: r2 });
    expect(keptLeft.compare).toEqual(['r1', 'r2']);
  });

  it('resultAdded with an id already used (or "truth") changes nothing', () => {
    expect(apply(running, { type: 'resultAdded', result: result('r1') })).toBe(running);
    expect(apply(running, { type: 'resultAdded', result: { ...result('r9'), id: 'truth' } })).toBe(running);
  });

  it('cancelled leaves a notice; finished ends the job (and changes nothing when none runs)', () => {
    expect(apply(running, { type: 'reconstructionCancelled' }).notice).toBe('Reconstruction cancelled.');
    const finished = apply(running, { type: 'reconstructionFinished' });
    expect(finished.running).toBeUndefined();
    expect(finished.progress).toBeUndefined();
    expect(apply(loaded, { type: 'reconstructionFinished' })).toBe(loaded);
  });
});
