import type { CubeData, PlaneData } from './lib/types';
import type { Result, WorkbenchState } from './workbench-state';

/** Test fixtures for the workbench state: small cubes and planes, results, and a deep freeze. */

export function cube(bands = 3, height = 2, width = 2): CubeData {
  return {
    data: Float32Array.from({ length: height * width * bands }, (_, i) => i / 10),
    shape: [height, width, bands],
    wavelengths: Array.from({ length: bands }, (_, i) => 450 + 10 * i),
  };
}

export function plane(height = 2, width = 4): PlaneData {
  return { data: new Float32Array(height * width).fill(0.5), shape: [height, width] };
}

export function result(id: string, bands = 3): Result {
  return {
    id,
    label: `GAP-TV #${id.slice(1)}`,
    method: 'gap-tv',
    cube: cube(bands),
    seconds: 1.5,
    backend: 'wasm',
  };
}

/**
 * Freezes `value` and everything it holds (typed arrays excepted: they cannot be frozen, and the reducer
 * never writes to them), so that a reducer that changes its input in place throws.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) {
    return value;
  }
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

/** A state with a ground truth (3 bands), a mask, a measurement and one result, frozen. */
export function loadedState(base: WorkbenchState): WorkbenchState {
  return deepFreeze({
    ...base,
    backendBusy: false,
    backend: { backend: 'wasm', reason: 'asked for' },
    truth: { cube: cube(3), source: 'demo: scene' },
    mask: { plane: plane(2, 2), source: 'demo: standard mask' },
    measurement: { plane: plane(), source: 'simulated (step 2, no noise)' },
    results: [result('r1')],
    shown: 'r1',
    band: 2,
    compare: ['truth', 'r1'],
  });
}
